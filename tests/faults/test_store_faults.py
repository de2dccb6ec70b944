"""A locked database, a full disk, a read-only one, a damaged one, a broken config:
each ends with a consistent database (or none touched), a message saying what
happened and a hint saying what to do, and the documented exit code."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest

from h2h.cli import io as cli_io
from h2h.ingest import bulk, ingest
from h2h.store import db as dbmod
from h2h.store.queries import Store
from tests.clirun import run
from tests.faults.helpers import check_consistent, snapshot, synth_lines, write_lines


def _error(result) -> dict:
    return json.loads(result.out.splitlines()[-1])["error"]


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return write_lines(tmp_path / "small.jsonl", synth_lines(300, seed=3))


def test_locked_database(home: Path, small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(bulk, "BULK_LOCK_WAIT_S", 0.3)
    assert run("import", str(small)).code == 0
    key = json.loads(run("queue", "--jsonl", "--limit", "1").out.splitlines()[0])["id"]
    before = snapshot(home / "h2h.db")
    holder = sqlite3.connect(home / "h2h.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        for args in (["--json", "done", key], ["--json", "import", str(small)]):
            r = run(*args)
            assert r.code == 1, r.err
            err = _error(r)
            assert err["code"] == "database_locked" and "locked" in err["message"]
            assert "wait" in err["hint"] and "retry" in err["hint"]
            assert "hint:" in r.err
        assert run("queue", "--jsonl").code == 0  # readers are not blocked (WAL)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert snapshot(home / "h2h.db") == before
    check_consistent(home / "h2h.db")
    assert run("done", key).code == 0  # what the hint says works


def _fail_on_call(n: int):
    calls = {"n": 0}
    original = Store.insert_mentions

    def insert(self, rows):
        calls["n"] += 1
        if calls["n"] == n:
            raise dbmod.translate(sqlite3.OperationalError("database or disk is full"), self.path)
        return original(self, rows)

    return insert


@pytest.mark.parametrize("workers", ["0", "2"])
def test_disk_full_injected(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str) -> None:
    src = write_lines(tmp_path / "in.jsonl", synth_lines(5000, seed=4))
    monkeypatch.setenv("H2H_WORKERS", workers)
    monkeypatch.setattr(Store, "insert_mentions", _fail_on_call(5))
    monkeypatch.setattr(cli_io, "IMPORT_BATCHES_PER_TRANSACTION", 2)
    r = run("--json", "import", str(src))
    assert r.code == 1
    err = _error(r)
    assert err["code"] == "database_unwritable" and "full" in err["message"]
    assert "disk space" in err["hint"]
    counts = check_consistent(home / "h2h.db")
    assert counts["mentions"] == 2000  # the two whole transactions (2 batches of 500) before the failure
    monkeypatch.undo()
    monkeypatch.setenv("H2H_HOME", str(home))
    monkeypatch.setenv("H2H_NOW", "2026-11-20T12:00:00Z")
    assert run("import", str(src)).code == 0
    assert check_consistent(home / "h2h.db")["mentions"] == 5000


def _mount_tmpfs(where: Path, size: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "h2h-test", str(where)],
                          capture_output=True)
    return done.returncode == 0


def _remount(where: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(where)], check=True, capture_output=True)


@pytest.fixture
def small_fs(tmp_path: Path):
    where = Path("/tmp") / f"h2h-full-{uuid.uuid4().hex[:8]}"
    if not _mount_tmpfs(where, "1500k"):
        pytest.skip("needs root and tmpfs to fill a real filesystem (the injected test covers the rest)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)
        shutil.rmtree(where, ignore_errors=True)


def test_disk_full_for_real(small_fs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = write_lines(tmp_path / "in.jsonl", synth_lines(4000, seed=5))
    db = small_fs / "h2h.db"
    r = run("--db", str(db), "--json", "import", str(src))
    assert r.code == 1, r.err
    err = _error(r)
    assert err["code"] in ("database_unwritable", "store") and ("full" in err["message"] or "disk" in err["message"])
    assert err["hint"]
    check_consistent(db)
    _remount(small_fs, "size=64m")
    r = run("--db", str(db), "import", str(src))
    assert r.code == 0, r.err
    assert check_consistent(db)["mentions"] == 4000


def test_read_only_filesystem(small_fs: Path, small: Path) -> None:
    db = small_fs / "h2h.db"
    assert run("--db", str(db), "import", str(small)).code == 0
    key = json.loads(run("--db", str(db), "queue", "--jsonl", "--limit", "1").out.splitlines()[0])["id"]
    _remount(small_fs, "ro")
    r = run("--db", str(db), "--json", "done", key)
    assert r.code == 1
    err = _error(r)
    assert "Read-only" in err["message"] and "cannot open the database" in err["message"]
    assert err["code"] == "database_unwritable" and "writable" in err["hint"]


def test_damaged_database(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "h2h.db").write_bytes(b"this is not sqlite" * 100)
    r = run("--json", "queue")
    assert r.code == 1
    err = _error(r)
    assert err["code"] == "database_corrupt" and "Move it aside" in err["hint"]
    assert (home / "h2h.db").read_bytes() == b"this is not sqlite" * 100  # left as it was


def test_database_path_is_a_folder(hermetic: Path) -> None:
    (hermetic / "h2h.db").mkdir(parents=True)
    r = run("--json", "queue")
    assert r.code == 1
    assert "cannot open the database" in _error(r)["message"] and "--db" in _error(r)["hint"]


def test_database_from_a_newer_h2h(home: Path, small: Path) -> None:
    assert run("import", str(small)).code == 0
    conn = sqlite3.connect(home / "h2h.db")
    conn.execute("INSERT INTO _h2h_migrations VALUES ('9999_future', 'x')")
    conn.commit()
    conn.close()
    r = run("--json", "queue")
    assert r.code == 1
    assert _error(r)["code"] == "schema_too_new" and "upgrade" in _error(r)["hint"]


@pytest.mark.parametrize("content,needle", [
    (b"[me\nname = ", "not valid TOML"),
    (b"[me]\nname = 3\nlanguages = [\"english\"]\n[triage]\nsla = \"soon\"\nbogus = 1\n", "problems"),
    (b"\xff\xfe[me]", "not UTF-8"),
    (b"[sources.x]\nurl = \"https://a\"\n", "type"),
    (b"[sources.x]\ntype = \"mastodonn\"\n", "did you mean"),
])
def test_broken_config(home: Path, small: Path, content: bytes, needle: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_bytes(content)
    for args in (["--json", "queue"], ["--json", "import", str(small)]):
        r = run(*args)
        assert r.code == 3, r.err
        err = _error(r)
        assert err["code"] == "config" and needle in err["message"] and err["hint"]
    db = home / "h2h.db"
    if db.exists():
        assert check_consistent(db)["mentions"] == 0  # nothing half-imported


def test_missing_or_unreadable_config(home: Path, tmp_path: Path) -> None:
    r = run("--config", str(tmp_path / "nope.toml"), "--json", "queue")
    assert r.code == 3 and "does not exist" in _error(r)["message"] and "h2h init" in _error(r)["hint"]
    (tmp_path / "dir.toml").mkdir()
    r = run("--config", str(tmp_path / "dir.toml"), "--json", "queue")
    assert r.code == 3 and "cannot read" in _error(r)["message"] and _error(r)["hint"]


def test_bad_clock(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H2H_NOW", "teatime")
    r = run("--json", "queue")
    assert r.code == 2 and "H2H_NOW" in _error(r)["message"] and _error(r)["hint"]


def test_interrupt_inside_a_command_is_reported(home: Path, small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """typer turns ^C inside a command into a silent exit 130: h2h must still say so."""
    from h2h.app import inbox

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(inbox, "build_queue", interrupted)
    r = run("--json", "queue")
    assert r.code == 130
    assert _error(r)["code"] == "interrupted" and _error(r)["hint"]
    assert "interrupted" in r.err
