"""Opening the SQLite database: file mode 0600, WAL, foreign keys, a busy timeout,
and SQLite's errors turned into h2h's.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from h2h.errors import DatabaseLocked, StoreError

BUSY_TIMEOUT_MS = 5000
# Pages held in memory, allocated only as used. A bulk import's transaction dirties
# pages all over the indexes; they must fit here, or SQLite spills them mid-transaction.
CACHE_KIB = 32 * 1024
MEMORY = ":memory:"


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection in autocommit mode; transactions are explicit (see `transaction`)."""
    if str(path) != MEMORY:
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Create the file ourselves so it is never world-readable, even for a moment.
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
        except OSError as exc:
            verb = "open the database" if path.exists() else "create the database"
            raise StoreError(f"cannot {verb} {path} for writing: {exc.strerror}",
                             hint="h2h writes to its database on every command: check the file, its folder and "
                                  "the filesystem are writable, or pass another path with --db.",
                             code="database_unwritable") from None
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                               timeout=BUSY_TIMEOUT_MS / 1000)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if str(path) != MEMORY:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    except sqlite3.Error as exc:
        raise translate(exc, path) from None
    return conn


def translate(exc: sqlite3.Error, path: Path | str | None = None) -> StoreError:
    text = str(exc)
    where = f" ({path})" if path else ""
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return DatabaseLocked(f"the database is locked{where}")
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        return StoreError(f"the database file is damaged or not an h2h database{where}: {text}",
                          hint="Move it aside and run again; h2h keeps backups next to it (*.bak-*).",
                          code="database_corrupt")
    if "disk" in text or "full" in text or "readonly" in text or "unable to open" in text:
        return StoreError(f"cannot write the database{where}: {text}",
                          hint="Free some disk space or check the file's permissions; nothing was half-written.",
                          code="database_unwritable")
    return StoreError(f"database error{where}: {text}")


@contextmanager
def transaction(conn: sqlite3.Connection, path: Path | str | None = None) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error (KeyboardInterrupt included)."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise translate(exc, path) from None
    try:
        yield conn
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise translate(exc, path) from None
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise translate(exc, path) from None


def inspect(path: Path) -> dict[str, object]:
    """What `h2h doctor` needs to know of a database, read-only (nothing migrated, nothing
    written): SQLite's quick check, and the migrations it has."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        return {"ok": False, "problem": str(exc), "migrations": []}
    try:
        problems = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        try:
            names = [r[0] for r in conn.execute("SELECT name FROM _h2h_migrations ORDER BY name")]
        except sqlite3.Error:
            names = []
        return {"ok": problems == ["ok"], "problem": "; ".join(problems[:3]) if problems != ["ok"] else None,
                "migrations": names}
    except sqlite3.Error as exc:
        return {"ok": False, "problem": str(exc), "migrations": []}
    finally:
        conn.close()
