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
