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
        BlueskySource.from_config("b", {"type": "bluesky", "keywords": "acme", "backfill": "x", "url": 5}, None)
    assert {k for k, _ in caught.value.problems} == {"sources.b.handle", "sources.b.keywords", "sources.b.backfill",
                                                      "sources.b.url"}
