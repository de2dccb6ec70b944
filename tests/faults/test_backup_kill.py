"""The backup taken before a migration, under a real `kill -9` while it is written: never
readable by others, even for a moment; a kill leaves no half backup under a backup's name,
and what it left is cleaned up by the next run, which backs up and migrates in full."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

from h2h.store.sqlite import db, migrations

ROOT = Path(__file__).resolve().parents[2]
ROWS, ROW_BYTES = 80, 1 << 20   # 80 MB: the copy takes long enough to be killed half-way


def old_database(path: Path) -> None:
    """A database with data, one migration behind."""
    conn = db.connect(path)
    migrations.migrate(conn, path, migrations.MIGRATIONS[:-1])
    with db.transaction(conn, path):
        for i in range(ROWS):
            conn.execute("INSERT INTO cursors (source, cursor, updated_at) VALUES (?, ?, '2026-01-01T00:00:00Z')",
                         (f"s{i}", os.urandom(ROW_BYTES // 2).hex()))
    conn.close()


def backups(home: Path) -> list[Path]:
    return sorted(p for p in home.iterdir() if ".bak-" in p.name)


def test_a_backup_killed_half_way_leaves_nothing_and_is_never_world_readable(hermetic: Path) -> None:
    home = hermetic
    home.mkdir(parents=True)
    old_database(home / "h2h.db")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    umask = os.umask(0o022)   # the usual one: a file made without a mode of its own would be 0644
    try:
        proc = subprocess.Popen([sys.executable, "-m", "h2h", "queue"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    finally:
        os.umask(umask)
    seen: dict[str, int] = {}
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            for p in backups(home):
                try:
                    seen[p.name] = seen.get(p.name, 0) | stat.S_IMODE(p.lstat().st_mode)
                except FileNotFoundError:
                    continue
            if seen:
                time.sleep(0.05)   # well into the copy
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001)
    finally:
        if proc.poll() is None and not seen:
            proc.kill()
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, "the migration ended before it could be killed"
    assert seen and all(mode == 0o600 for mode in seen.values()), seen
    left = backups(home)
    assert not [p for p in left if not p.name.startswith(".")], f"a half backup under a backup's name: {left}"

    done = subprocess.run([sys.executable, "-m", "h2h", "queue"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    kept = backups(home)
    last = migrations.MIGRATIONS[-1][0]
    assert [p.name.rsplit("-before-", 1)[1] for p in kept] == [last], kept   # nothing else left
    assert stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    with sqlite3.connect(kept[0]) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM cursors").fetchone()[0] == ROWS
    assert not [p for p in home.iterdir() if p.name.endswith("-journal")]
