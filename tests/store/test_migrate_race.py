"""Two processes opening a new database at once both see its migrations pending;
the second must find them applied once it holds the write lock, not fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from h2h.store.sqlite import db, migrations


def test_second_opener_skips_what_the_first_applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "h2h.db"
    first = db.connect(path)
    assert migrations.migrate(first, path) == [name for name, _ in migrations.MIGRATIONS]
    second = db.connect(path)
    monkeypatch.setattr(migrations, "applied", lambda conn: [])  # what it saw before the first committed
    monkeypatch.setattr(migrations, "_has_data", lambda conn: False)
    migrations.migrate(second, path)  # must not raise "table persons already exists"
    names = [r[0] for r in second.execute("SELECT name FROM _h2h_migrations ORDER BY name")]
    assert names == sorted(name for name, _ in migrations.MIGRATIONS)
    first.close()
    second.close()


def test_several_pending_replies_of_one_conversation_become_one(tmp_path: Path) -> None:
    """Earlier versions could leave more than one attempt of unknown outcome per conversation;
    0011 keeps the newest pending (every later attempt goes on it) and settles the others."""
    path = tmp_path / "h2h.db"
    conn = db.connect(path)
    before = [m for m in migrations.MIGRATIONS if m[0] < "0011"]
    migrations.migrate(conn, path, before)
    for i, (conv, status) in enumerate([("c1", "pending"), ("c1", "pending"), ("c1", "sent"), ("c2", "pending")]):
        conn.execute("INSERT INTO replies (conversation, source, in_reply_to, key, text, status, created_at) "
                     "VALUES (?, 'masto', 'm1', ?, 't', ?, '2026-01-01T00:00:00Z')", (conv, f"k{i}", status))
    conn.commit()
    assert migrations.migrate(conn, path)[0] == "0011_unsettled_reply"
    rows = [tuple(r) for r in conn.execute("SELECT key, status FROM replies ORDER BY id")]
    conn.close()
    assert rows == [("k0", "failed"), ("k1", "pending"), ("k2", "sent"), ("k3", "pending")]
