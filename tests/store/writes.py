"""Writes (and one read) one row at a time, on a SQLite store: what the reference ingest
(tests/ingest/reference_ingest.py) and a few fixtures build with. h2h itself writes in
batches; the batch methods must leave what these would."""

from __future__ import annotations

from typing import Any, Mapping

from h2h import clock
from h2h.models import Conversation, Mention, Person
from h2h.store.common import conversation_key, to_json
from h2h.store.sqlite import SQLiteStore, rows


def upsert_person(store: SQLiteStore, p: Person, platform: str, seen_at: str) -> int:
    """The person's id, inserted or updated as one item of `upsert_persons`."""
    store.upsert_persons([(p, platform, seen_at, p.raw)])
    return store.person_ids([(p.source, p.remote_id)])[(p.source, p.remote_id)]


def create_conversation(store: SQLiteStore, *, source: str, platform: str, person_id: int, person_remote_id: str,
                        thread_root: str, standalone: bool, first_at: str) -> Conversation:
    length = 8
    while True:
        key = conversation_key(source, thread_root, person_remote_id, length)
        row = store.conn.execute(
            f"""INSERT INTO conversations (key, source, platform, person_id, thread_root, standalone, first_at, last_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING {rows.columns(Conversation)}""",
            (key, source, platform, person_id, thread_root, int(standalone), first_at, first_at)).fetchone()
        if row is not None:
            return Conversation._make(row)
        length += 2


def insert_mention(store: SQLiteStore, m: Mention, *, person_id: int, conversation_id: int | None, role: str,
                   thread_root: str, signals: Mapping[str, Any], evidence: Mapping[str, Any], engine: str,
                   ingested_at: str) -> int:
    row = store.conn.execute(
        """INSERT INTO mentions (source, remote_id, platform, person_id, conversation_id, role, text, url,
                                 created_at, created_us, in_reply_to, thread, thread_root, to_me, from_me, lang,
                                 raw, signals, evidence, engine, ingested_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        (m.source, m.remote_id, m.platform, person_id, conversation_id, role, m.text, m.url,
         clock.iso(m.created_at), clock.micros(m.created_at), m.in_reply_to, m.thread, thread_root, int(m.to_me), int(m.from_me),
         m.lang, to_json(m.raw), to_json(signals), to_json(evidence), engine, ingested_at)).fetchone()
    return int(row[0])


def set_mention_signals(store: SQLiteStore, mention_id: int, signals: Mapping[str, Any], evidence: Mapping[str, Any],
                        engine: str) -> None:
    store.set_mentions_signals([(signals, evidence, engine, mention_id)])


def person_recent(store: SQLiteStore, person_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """A person's latest messages, newest first: what their behaviour is judged on."""
    return [{"created_at": r[0], "text": r[1]} for r in store.conn.execute(
        "SELECT created_at, text FROM mentions WHERE person_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
        (person_id, limit))]
