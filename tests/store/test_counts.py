"""count_active (the queue's section counts) reads two indexes instead of every row;
it must count exactly what the plain definition counts."""

from __future__ import annotations

import random

from h2h.store import Store
from h2h.store.sqlite import SQLiteStore


def _plain(store: Store, section: str, now: str, source: str | None = None) -> int:
    sql = ("SELECT count(*) FROM conversations WHERE active = 1 AND section = ? "
           "AND (state = 'open' OR snooze_until <= ?)")
    params = [section, now]
    if source:
        sql += " AND source = ?"
        params.append(source)
    return store.conn.execute(sql, params).fetchone()[0]


def test_counts_match_the_definition() -> None:
    rng = random.Random(3)
    store = SQLiteStore.open(":memory:")
    with store.transaction():
        store.conn.execute("INSERT INTO persons (source, remote_id, platform, handle, first_seen, last_seen) "
                           "VALUES ('s', 'p', 'x', 'h', 'a', 'a')")
        for i in range(600):
            state = rng.choice(["open", "open", "snoozed", "done", "answered", "ignored"])
            until = rng.choice([None, "2026-11-20T11:00:00Z", "2026-11-20T13:00:00Z"]) if state == "snoozed" else None
            store.conn.execute(
                "INSERT INTO conversations (key, source, platform, person_id, thread_root, first_at, last_at, state, "
                "active, snooze_until, section) VALUES (?, ?, 'x', 1, ?, 'a', 'a', ?, ?, ?, ?)",
                (f"k{i}", rng.choice(["s", "t"]), f"r{i}", state, int(state in ("open", "snoozed")), until,
                 rng.choice(["reply", "thanks", "careful", "noise"])))
    now = "2026-11-20T12:00:00Z"
    for section in ("reply", "thanks", "careful", "noise"):
        assert store.count_active(section, now) == _plain(store, section, now)
        assert store.count_active(section, now, "t") == _plain(store, section, now, "t")
    plan = " ".join(str(tuple(r)) for r in store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM conversations WHERE state = 'snoozed' AND section = 'reply' "
        "AND active = 1 AND (snooze_until > 'x' OR snooze_until IS NULL)"))
    assert "conversations_snoozed" in plan
