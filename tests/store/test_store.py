"""The store: file mode, WAL, named forward-only migrations with a backup, locks."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from h2h.errors import DatabaseLocked, SchemaTooNew, StoreError
from h2h.store import conversation_key
from h2h.store.sqlite import SQLiteStore, migrations
from h2h.store.sqlite import db as dbmod
from tests.clirun import run
from tests.helpers import jsonl, record


def test_a_blank_database_gets_the_whole_schema(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "h2h.db"
    store = SQLiteStore.open(path)
    try:
        names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"persons", "mentions", "conversations", "actions", "drafts", "replies", "cursors",
                "person_flags", "meta", "_h2h_migrations"} <= names
        assert [r[0] for r in store.conn.execute("SELECT name FROM _h2h_migrations")] == \
            [name for name, _ in migrations.MIGRATIONS]
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        plan = " ".join(r[3] for r in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM conversations WHERE active = 1 AND section = 'reply' "
            "ORDER BY base_score DESC"))
        assert "conversations_queue" in plan and "TEMP B-TREE" not in plan, "the queue is an indexed query"
    finally:
        store.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(tmp_path.glob("sub/*.bak-*")), "an empty database needs no backup"


def test_an_upgrade_keeps_user_data_and_backs_up_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "h2h.db"
    run("--db", str(path), "import", "-", stdin=jsonl(record("1", "How do I export?")))
    ident = run("--db", str(path), "queue", "--jsonl").lines()[0]["id"]
    run("--db", str(path), "done", ident)
    step = ("0999_test_add_column", ["ALTER TABLE conversations ADD COLUMN test_flag INTEGER DEFAULT 7"])
    conn = dbmod.connect(path)
    applied = migrations.migrate(conn, path, [*migrations.MIGRATIONS, step])
    conn.close()
    assert applied == ["0999_test_add_column"]
    backups = list(tmp_path.glob("h2h.db.bak-*-before-0999_test_add_column"))
    assert len(backups) == 1 and stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    with sqlite3.connect(backups[0]) as old:
        assert old.execute("SELECT state FROM conversations").fetchone()[0] == "done"
    with sqlite3.connect(path) as new:
        assert new.execute("SELECT state, test_flag FROM conversations").fetchone() == ("done", 7)
        assert new.execute("SELECT count(*) FROM actions").fetchone()[0] == 1


def test_a_failing_migration_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "h2h.db"
    SQLiteStore.open(path).close()
    bad = ("0998_broken", ["CREATE TABLE half_done (x)", "THIS IS NOT SQL"])
    conn = dbmod.connect(path)
    with pytest.raises(StoreError):
        migrations.migrate(conn, path, [*migrations.MIGRATIONS, bad])
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in names
    assert "0998_broken" not in migrations.applied(conn)
    conn.close()


def test_a_database_from_a_newer_h2h_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "h2h.db"
    SQLiteStore.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO _h2h_migrations VALUES ('9999_future', '2030-01-01T00:00:00Z')")
    with pytest.raises(SchemaTooNew):
        SQLiteStore.open(path)
    result = run("--db", str(path), "queue")
    assert result.code == 1 and "newer h2h" in result.err and "upgrade" in result.err


def test_a_locked_database_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "h2h.db"
    SQLiteStore.open(path).close()
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 100)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = run("--db", str(path), "import", "-", stdin=jsonl(record("1", "hi?")))
        assert result.code == 1
        assert "database is locked" in result.err and "Another h2h process" in result.err
        with pytest.raises(DatabaseLocked):
            store = SQLiteStore(dbmod.connect(path), path)
            with store.transaction():
                pass
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert run("--db", str(path), "import", "-", stdin=jsonl(record("1", "hi?"))).code == 0


def test_not_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "h2h.db"
    path.write_bytes(b"this is not sqlite" * 100)
    result = run("--db", str(path), "queue", "--json")
    assert result.code == 1 and result.json()["error"]["code"] == "database_corrupt"


def test_conversation_keys_are_stable_and_short() -> None:
    a = conversation_key("masto", "109", "42")
    assert a == conversation_key("masto", "109", "42") and len(a) == 8 and a.isalnum()
    assert a != conversation_key("masto", "109", "43")


def test_an_in_memory_database_is_migrated_without_a_backup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = SQLiteStore.open(":memory:")
    store.conn.execute("INSERT INTO meta (key, value) VALUES ('probe', '1')")
    step = ("0999_test_add_column", ["ALTER TABLE conversations ADD COLUMN test_flag INTEGER DEFAULT 7"])
    assert migrations.migrate(store.conn, ":memory:", [*migrations.MIGRATIONS, step]) == ["0999_test_add_column"]
    assert not list(tmp_path.iterdir()), "nothing to back up to: an in-memory database has no file"
