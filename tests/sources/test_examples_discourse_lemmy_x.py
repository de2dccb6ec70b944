"""The example config's Discourse, Lemmy and X tables build working adapters,
and both copies of the example are the same file."""

from __future__ import annotations

from pathlib import Path

import pytest

from h2h import config
from h2h.sources import registry
from h2h.sources.discourse import DiscourseSource
from h2h.sources.lemmy import LemmySource
from h2h.sources.x import XSource

ROOT = Path(__file__).resolve().parents[2]


def test_both_examples_are_identical() -> None:
    assert (ROOT / "config.example.toml").read_bytes() == (ROOT / "h2h" / "data" / "config.example.toml").read_bytes()


@pytest.mark.parametrize(("name", "cls"), [("forum", DiscourseSource), ("lemmy", LemmySource), ("x", XSource)])
def test_example_tables_build(name: str, cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("H2H_DISCOURSE_KEY", "H2H_LEMMY_JWT", "H2H_X_TOKEN"):
        monkeypatch.setenv(var, "example-secret-value")
    cfg = config.parse((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    source = registry.build(cfg.sources[name])
    assert isinstance(source, cls) and source.name == name


def test_drafting_limits_are_declared() -> None:
    assert XSource.max_length == 280 and LemmySource.max_length == 10000
    assert DiscourseSource.max_length == 32000 and DiscourseSource.min_length == 20
