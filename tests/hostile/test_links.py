"""Links planted where h2h writes a file: a new file is never written through a link (even
a dangling one), and a file that is replaced is refused when it is a link."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from h2h import files
from tests.clirun import run
from tests.helpers import record
from tests.records import write_jsonl


def _matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


needs_matplotlib = pytest.mark.skipif(not _matplotlib() and not os.environ.get("CI"),
                                      reason="matplotlib is not installed (pip install '.[plot]'); CI installs it")


@pytest.fixture
def db(home: Path, tmp_path: Path) -> Path:
    assert run("import", str(write_jsonl(tmp_path / "one.jsonl", [record("1", "How do I export?")]))).code == 0
    return home / "h2h.db"


@needs_matplotlib
def test_stats_png_never_overwrites_a_links_target(db: Path, tmp_path: Path) -> None:
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    link = tmp_path / "stats.png"
    link.symlink_to(victim)
    result = run("stats", "--png", str(link), "--json")
    assert result.code == 1 and result.json()["error"]["code"] == "link_refused"
    assert victim.read_text() == "keep me" and link.is_symlink()
    dangling = tmp_path / "other.png"
    dangling.symlink_to(tmp_path / "nowhere.png")
    assert run("stats", "--png", str(dangling)).code == 1
    assert not (tmp_path / "nowhere.png").exists()


@needs_matplotlib
def test_stats_png_writes_a_new_file_and_replaces_an_old_one(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "stats.png"
    assert run("stats", "--png", str(target)).code == 0
    first = target.read_bytes()
    assert first.startswith(b"\x89PNG")
    target.write_bytes(b"old")
    assert run("stats", "--png", str(target)).code == 0
    assert target.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".stats.png")] == []   # no temporary left


def test_demo_into_never_writes_through_a_dangling_config_link(hermetic: Path, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    target = tmp_path / "elsewhere.toml"
    (folder / "config.toml").symlink_to(target)
    result = run("demo", "--into", str(folder))
    assert result.code == 1 and "config.toml" in result.err
    assert not target.exists()


@pytest.mark.parametrize("companion", ["h2h.db", "h2h.db-wal", "h2h.db-journal"])
def test_demo_into_never_imports_through_a_database_link(hermetic: Path, tmp_path: Path, db: Path,
                                                          companion: str) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    other = tmp_path / "other.db"
    os.replace(db, other)
    (folder / companion).symlink_to(other if companion == "h2h.db" else tmp_path / f"other-{companion}")
    result = run("demo", "--into", str(folder))
    assert result.code == 1 and "already holds" in result.err
    with sqlite3.connect(other) as conn:
        assert conn.execute("SELECT count(*) FROM mentions").fetchone()[0] == 1   # no demo people in it
    assert not (folder / "config.toml").exists()


# The attacker who plants a link between h2h's check and its write: an audit hook (the
# interpreter's own events, not a patch of h2h) acts at the moment h2h touches a path.
_PLANTS: dict[tuple[str, str], Callable[[], None]] = {}
_HOOKED = False


def _attacker(event: str, args: tuple[Any, ...]) -> None:
    if _PLANTS and args and isinstance(args[0], (str, os.PathLike)):
        plant = _PLANTS.pop((event, os.fspath(args[0])), None)
        if plant is not None:
            plant()


def plant_when(event: str, path: Path, plant: Callable[[], None]) -> None:
    global _HOOKED
    if not _HOOKED:
        sys.addaudithook(_attacker)
        _HOOKED = True
    _PLANTS[(event, str(path))] = plant


def test_demo_into_a_config_link_planted_after_the_check(hermetic: Path, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    elsewhere = tmp_path / "elsewhere.toml"
    plant_when("os.mkdir", folder, lambda: (folder / "config.toml").symlink_to(elsewhere))
    result = run("demo", "--into", str(folder))
    _PLANTS.clear()
    assert result.code == 1 and "config.toml" in result.err
    assert not elsewhere.exists()


def test_demo_into_a_database_link_planted_after_the_check(hermetic: Path, tmp_path: Path, db: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    other = tmp_path / "other.db"
    os.replace(db, other)
    plant_when("open", folder / "config.toml", lambda: (folder / "h2h.db").symlink_to(other))
    result = run("demo", "--into", str(folder))
    _PLANTS.clear()
    assert result.code == 1 and "h2h.db" in result.err
    with sqlite3.connect(other) as conn:
        assert conn.execute("SELECT count(*) FROM mentions").fetchone()[0] == 1   # no demo people in it
    assert not (folder / "config.toml").exists()   # nothing half-made left


def test_a_new_file_is_never_created_through_a_link(tmp_path: Path) -> None:
    target = tmp_path / "target"
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(FileExistsError):
        files.create_new(link, b"x")
    assert not target.exists()
    with pytest.raises(files.LinkRefused):
        files.replace(link, b"x")
    assert not target.exists()
    files.create_new(tmp_path / "new", b"data")
    assert (tmp_path / "new").read_bytes() == b"data" and (tmp_path / "new").stat().st_mode & 0o777 == 0o600
