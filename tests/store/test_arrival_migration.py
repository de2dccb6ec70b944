"""A database from before arrival order was kept: its decisions learn what they had seen
from their times, its messages keep the whole seconds they had."""

from __future__ import annotations

import os
from pathlib import Path

from h2h.app import inbox
from h2h.ingest.ingest import ingest
from h2h.store import Store, db, migrations
from tests.app.world import ENGINE, msg


def _old_database(path: Path) -> None:
    """Messages as the previous schema stored them, from three fetches, and a decision
    made between the second and the third."""
    os.environ["H2H_NOW"] = "2026-11-20T09:00:00Z"
    with Store.open(path) as store:
        ingest(store, [msg("1", "How do I export?", "2026-11-20T08:00:00Z")], ENGINE)
        os.environ["H2H_NOW"] = "2026-11-20T10:00:00Z"
        ingest(store, [msg("2", "As PDF?", "2026-11-20T08:05:00Z", reply_to="1")], ENGINE)
        conv = store.conversation_by_id(store.mention("masto", "1")["conversation_id"])
        with store.transaction():
            store.save_conversation(conv["id"], {"state": "done", "active": 0, "state_mark": "2026-11-20T10:30:00Z"})
        os.environ["H2H_NOW"] = "2026-11-20T11:00:00Z"
        ingest(store, [msg("3", "Hello?", "2026-11-20T08:10:00Z", reply_to="1")], ENGINE)
    conn = db.connect(path)
    with db.transaction(conn):
        # Back to the previous schema: what 0009 adds did not exist.
        conn.execute("UPDATE conversations SET state = 'done', active = 0")
        conn.execute("ALTER TABLE mentions DROP COLUMN created_us")
        conn.execute("ALTER TABLE conversations DROP COLUMN seen_upto")
        conn.execute("DELETE FROM _h2h_migrations WHERE name = '0009_arrival_order'")
    conn.close()


def test_old_decisions_learn_what_they_had_seen(tmp_path: Path) -> None:
    path = tmp_path / "h2h.db"
    _old_database(path)
    with Store.open(path) as store:
        assert "0009_arrival_order" in migrations.applied(store.conn)
        conv = store.conversation_by_id(store.mention("masto", "1")["conversation_id"])
        # Seen: the two messages stored by 10:30; not the one stored at 11:00.
        assert conv["seen_upto"] == store.mention("masto", "2")["id"]
        assert store.mention("masto", "1")["created_us"] is None
        inbox.ensure_fresh(store, ENGINE)
        ingest(store, [msg("4", "Anyone?", "2026-11-20T08:20:00Z", reply_to="1")], ENGINE)
        conv = store.conversation_by_id(conv["id"])
        assert conv["state"] == "open"  # message 3 (and 4) arrived after the decision
        view = inbox.conversation(store, ENGINE, conv["key"])
        assert [m["id"] for m in view["messages"]] == ["1", "2", "3", "4"]
    assert list(tmp_path.glob("h2h.db.bak-*-before-0009_arrival_order"))
