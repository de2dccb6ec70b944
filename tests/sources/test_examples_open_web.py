"""The example config's open-web tables build working adapters."""

from __future__ import annotations

from pathlib import Path

import pytest

from h2h.config import parse
from h2h.sources.registry import build

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name, kind", [("hn", "hackernews"), ("reddit", "reddit"), ("so", "stackexchange"),
                                        ("alerts", "rss")])
def test_example_tables_build(name: str, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H2H_REDDIT_CLIENT_SECRET", "example-secret")
    monkeypatch.setenv("H2H_REDDIT_PASSWORD", "example-password")
    config = parse((ROOT / "config.example.toml").read_bytes())
    source = build(config.sources[name])
    assert type(source).type == kind and source.name == name


def test_reddit_secrets_written_in_the_file_are_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[sources.r]\ntype = "reddit"\nclient_id = "x"\nusername = "u"\n'
                    'client_secret = "in-the-file"\npassword = "also-in-the-file"\n')
    path.chmod(0o644)
    warnings = parse(path.read_bytes(), path).warnings
    assert any("sources.r.client_secret holds a secret" in w for w in warnings)
    assert any("sources.r.password holds a secret" in w for w in warnings)
    assert any("chmod 600" in w for w in warnings)
