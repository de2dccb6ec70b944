"""Hermetic tests: every test gets its own H2H_HOME and a frozen clock; no test
reads the user's home, config or the real time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

NOW = "2026-11-20T12:00:00Z"


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "h2h-home"
    monkeypatch.setenv("H2H_HOME", str(home))
    monkeypatch.setenv("H2H_NOW", NOW)
    for var in ("H2H_CONFIG", "H2H_DB", "VISUAL", "EDITOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-home" / ".config"))
    return home


@pytest.fixture
def home(hermetic: Path) -> Path:
    """H2H_HOME with an empty database, as a first fetch that found nothing leaves it (read-only
    commands never create one: tests of a home without a database use `hermetic`)."""
    from h2h.store import Store

    Store.open(hermetic / "h2h.db").close()
    return hermetic
