"""The example config's Bluesky and GitHub tables build working adapters."""

from __future__ import annotations

from pathlib import Path

import pytest

from h2h import config
from h2h.sources import registry
from h2h.sources.bluesky import BlueskySource
from h2h.sources.github import GitHubSource

ROOT = Path(__file__).resolve().parents[2]


def test_example_tables_build_adapters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H2H_BLUESKY_APP_PASSWORD", "app-password-xyz")
    monkeypatch.setenv("H2H_GITHUB_TOKEN", "ghp_example_token_xyz")
    cfg = config.parse((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    bsky = registry.build(cfg.sources["bsky"])
    gh = registry.build(cfg.sources["gh"])
    assert isinstance(bsky, BlueskySource) and bsky.http.base_url == "https://bsky.social"
    assert isinstance(gh, GitHubSource) and gh.core.base_url == "https://api.github.com"
    assert BlueskySource.max_graphemes == 300 and BlueskySource.measure("👍🏽" * 3) == 3


def test_bluesky_config_problems_are_listed_together(monkeypatch: pytest.MonkeyPatch) -> None:
    from h2h.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        BlueskySource.from_config("b", {"type": "bluesky", "keywords": 5, "backfill": "x", "url": 5}, None)
    assert {k for k, _ in caught.value.problems} == {"sources.b.handle", "sources.b.keywords", "sources.b.backfill",
                                                      "sources.b.url", "sources.b.token_env"}


def uncommented_example() -> str:
    """config.example.toml with every commented-out example key switched on."""
    import re

    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    return re.sub(r"(?m)^# ([a-z_]+ = )", r"\1", text)


def test_every_adapter_builds_from_the_example_with_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    text = uncommented_example()
    for variable in re.findall(r'_env = "([A-Z0-9_]+)"', text):
        monkeypatch.setenv(variable, f"value-of-{variable.lower()}")
    cfg = config.parse(text)
    assert set(cfg.sources) == {"masto", "bsky", "gh", "hn", "reddit", "so", "alerts", "forum", "lemmy", "x"}
    assert {s.type for s in cfg.sources.values()} == set(registry.BUILTIN) - {"memory"}
    for source_config in cfg.sources.values():
        adapter = registry.build(source_config)
        assert type(adapter).type == source_config.type and adapter.name == source_config.name
    assert cfg.sources["masto"].table["limit"] == 5000


def test_unknown_keys_are_named_with_the_nearest_known_one_all_at_once() -> None:
    from h2h.errors import ConfigError, ExitCode

    text = ('[sources.hn]\ntype = "hackernews"\nquery = "acme"\npage_sise = 5\n'
            '[sources.masto]\ntype = "mastodon"\nurl = "https://m.example"\ntoken_env = "T"\nkeywrds = ["a"]\n'
            'backfill = "soon"\n[sources.so]\ntype = "stackexchange"\nsite = "stackoverflow"\n')
    with pytest.raises(ConfigError) as caught:
        config.parse(text)
    problems = dict(caught.value.problems)
    assert problems["sources.hn.page_sise"] == "unknown key; did you mean 'page_size'?"
    assert problems["sources.masto.keywrds"] == "unknown key; did you mean 'keywords'?"
    assert "duration" in problems["sources.masto.backfill"] and "sources.so.tags" in problems
    assert caught.value.exit_code == ExitCode.CONFIG == 3


def test_every_key_a_source_accepts_is_in_the_example() -> None:
    """The schemas and config.example.toml say the same: nothing documented is refused, nothing accepted
    goes unsaid (the in-file secret forms are described once, in the file's header)."""
    import tomllib

    from h2h.sources import options

    doc = tomllib.loads(uncommented_example())
    for name, table in doc["sources"].items():
        kind = table["type"]
        accepted = set(options.COMMON) | set(options.SCHEMAS[kind])
        assert set(table) <= accepted, (name, set(table) - accepted)
        said = set(table) | {"url"} | {k for k in accepted if k.endswith("_cmd")} | set(config.SECRET_KEYS)
        assert set(options.SCHEMAS[kind]) <= said, (kind, set(options.SCHEMAS[kind]) - said)


def test_a_typo_in_a_source_stops_every_command_with_exit_3(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.clirun import run

    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('[sources.hn]\ntype = "hackernews"\nquery = "acme"\npage_sise = 5\n'
                                      'tags = ["storys"]\n', encoding="utf-8")
    for command in (("queue",), ("fetch",)):
        result = run(*command)
        assert result.code == 3, result
        assert "sources.hn.page_sise: unknown key; did you mean 'page_size'?" in result.err
        assert "sources.hn.tags: 'storys' is not one of story" in result.err  # both at once
