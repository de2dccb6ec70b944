"""The one interface to the database. Every SQL statement h2h runs is in store/.

Rows come back as mappings (sqlite3.Row); callers read columns by name, so a
second backend only has to return the same names.
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from h2h import clock
from h2h.digest import sha1
from h2h.errors import NotFound, UsageError
from h2h.models import Mention, Person
from h2h.store import db, migrations
from h2h.store.batches import RECENT_MESSAGES, BatchQueries
from h2h.store.chunks import by_source as _by_source
from h2h.store.chunks import chunks as _chunks
from h2h.store.chunks import marks as _marks
from h2h.store.memory import MemoryQueries
from h2h.store.people import GROUP_IDS, PeopleQueries
from h2h.store.stats import StatsQueries
from h2h.store.replies import ReplyRecords
from h2h.store.search import SearchQueries
from h2h.store.threads import ThreadQueries

Row = sqlite3.Row

_B32 = "abcdefghijklmnopqrstuvwxyz234567"


def conversation_key(source: str, thread_root: str, person_remote_id: str, length: int = 8) -> str:
    """A short id that is the same in every database for the same conversation."""
    digest = sha1(f"{source}\0{thread_root}\0{person_remote_id}".encode("utf-8", "replace")).digest()
    bits = int.from_bytes(digest, "big")
    return "".join(_B32[(bits >> (155 - 5 * i)) & 31] for i in range(length))


class Encoded(str):
    """A value already in its stored JSON form (encoded once, possibly in another process)."""


_SURROGATE = re.compile("[\ud800-\udfff]")


# json.dumps with options builds an encoder at every call: a third of the cost of a small value.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
_ENCODE_ASCII = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), default=str).encode


def _json(value: Any) -> str | None:
    if value is None or isinstance(value, Encoded):
        return value
    text = _ENCODE(value)
    if _SURROGATE.search(text):
        # A lone surrogate (a platform's broken JSON, kept in raw) cannot be stored as
        # UTF-8; escaped as \udxxx it can, and reads back as the same value.
        return _ENCODE_ASCII(value)
    return text


def encode(value: Any) -> Encoded | None:
    """The stored JSON form of a value, marked so the store does not encode it again."""
    text = _json(value)
    return None if text is None else Encoded(text)


def _narrowed(source: str | None, since: str | None) -> tuple[str, list[Any]]:
    """The queue's filters (`--source`, `--since`) as SQL on conversations `c`, and their values."""
    sql, params = "", []
    if source:
        sql, params = sql + " AND c.source = ?", params + [source]
    if since:
        sql, params = sql + " AND c.last_at > ?", params + [since]
    return sql, params


class Store(PeopleQueries, StatsQueries, ReplyRecords, BatchQueries, MemoryQueries, ThreadQueries, SearchQueries):
    def __init__(self, conn: sqlite3.Connection, path: Path | str):
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path | str) -> "Store":
        conn = db.connect(path)
        try:
            migrations.migrate(conn, path)
        except BaseException:
            conn.close()
            raise
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def bulk(self, lock_wait_s: float = 60.0, checkpoint_pages: int = 16384) -> Iterator["Store"]:
        """For a batch job such as a large import: wait longer for another writer, and
        copy the WAL back into the database every `checkpoint_pages` pages instead of
        every 1,000 (pages rewritten in between are copied once; fewer syncs). Durability
        is unchanged: a commit is as safe as before."""
        self._q(f"PRAGMA busy_timeout = {int(lock_wait_s * 1000)}")
        self._q(f"PRAGMA wal_autocheckpoint = {int(checkpoint_pages)}")
        try:
            yield self
        finally:
            self._q(f"PRAGMA busy_timeout = {db.BUSY_TIMEOUT_MS}")
            self._q("PRAGMA wal_autocheckpoint = 1000")
            try:
                self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                pass  # a reader holds it: the next commit's checkpoint will do it

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator["Store"]:
        with db.transaction(self.conn, self.path):
            yield self

    def _q(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise db.translate(exc, self.path) from None

    def _many(self, sql: str, rows: Iterable[Sequence[Any] | Mapping[str, Any]]) -> None:
        try:
            self.conn.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise db.translate(exc, self.path) from None

    # --- meta ------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._q("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._q("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value))

    # --- persons ---------------------------------------------------------------
    _UPSERT_PERSON = """INSERT INTO persons (source, remote_id, platform, handle, name, url, bot, followers,
                                    created_at, raw, first_seen, last_seen)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (source, remote_id) DO UPDATE SET
                 handle = excluded.handle,
                 name = CASE WHEN excluded.name != '' THEN excluded.name ELSE persons.name END,
                 url = COALESCE(excluded.url, persons.url),
                 bot = COALESCE(excluded.bot, persons.bot),
                 followers = COALESCE(excluded.followers, persons.followers),
                 created_at = COALESCE(excluded.created_at, persons.created_at),
                 raw = COALESCE(excluded.raw, persons.raw),
                 first_seen = MIN(persons.first_seen, excluded.first_seen),
                 last_seen = MAX(persons.last_seen, excluded.last_seen)"""

    @staticmethod
    def _person_params(p: Person, platform: str, seen_at: str, raw: Any) -> tuple[Any, ...]:
        return (p.source, p.remote_id, platform, p.handle, p.name, p.url, None if p.bot is None else int(p.bot),
                p.followers, clock.iso(p.created_at) if p.created_at else None, _json(raw), seen_at, seen_at)

    def upsert_person(self, p: Person, platform: str, seen_at: str) -> int:
        params = self._person_params(p, platform, seen_at, p.raw)
        return self._q(self._UPSERT_PERSON + " RETURNING id", params).fetchone()[0]

    def upsert_persons(self, items: Sequence[tuple[Person, str, str, Any]]) -> None:
        """(person, platform, seen_at, raw) in order: the same rows, and ids, as one upsert_person each."""
        self._many(self._UPSERT_PERSON, [self._person_params(p, platform, seen, raw) for p, platform, seen, raw in items])

    def person_ids(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """(source, remote_id) -> id, for those that exist."""
        found: dict[tuple[str, str], int] = {}
        for source, part, marks in _by_source(keys):
            for remote_id, pid in self._q(f"SELECT remote_id, id FROM persons WHERE source = ? "
                                          f"AND remote_id IN ({marks})", [source, *part]):
                found[(source, remote_id)] = pid
        return found

    def _by_ids(self, table: str, ids: Iterable[int]) -> dict[int, Row]:
        found: dict[int, Row] = {}
        for part in _chunks(sorted(set(ids))):
            for row in self._q(f"SELECT * FROM {table} WHERE id IN ({_marks(part)})", list(part)):
                found[row["id"]] = row
        return found

    def persons_by_ids(self, ids: Iterable[int]) -> dict[int, Row]:
        return self._by_ids("persons", ids)

    def person(self, person_id: int) -> Row:
        row = self._q("SELECT * FROM persons WHERE id = ?", (person_id,)).fetchone()
        if row is None:
            raise NotFound(f"no person {person_id}")
        return row

    def person_flags_many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Row]:
        found: dict[tuple[str, str], Row] = {}
        for source, part, marks in _by_source(keys):
            for row in self._q(f"SELECT * FROM person_flags WHERE source = ? AND remote_id IN ({marks})",
                               [source, *part]):
                found[(source, row["remote_id"])] = row
        return found

    def set_person_flags(self, source: str, remote_id: str, *, vip: bool | None = None,
                         muted: bool | None = None, note: str | None = None) -> None:
        now = clock.iso(clock.now())
        self._q("""INSERT INTO person_flags (source, remote_id, vip, muted, note, updated_at)
                   VALUES (?, ?, COALESCE(?, 0), COALESCE(?, 0), ?, ?)
                   ON CONFLICT (source, remote_id) DO UPDATE SET
                     vip = COALESCE(?, vip), muted = COALESCE(?, muted),
                     note = COALESCE(?, note), updated_at = excluded.updated_at""",
                (source, remote_id, vip, muted, note, now, vip, muted, note))

    def person_conversations(self, person_id: int) -> list[Row]:
        """This human's conversations, on every platform linked to them."""
        return self._q(f"SELECT * FROM conversations WHERE person_id IN ({GROUP_IDS}) ORDER BY first_at",
                       {"pid": person_id}).fetchall()

    def previous_conversations(self, person_id: int, before: str) -> int:
        """Earlier conversations with this human, on every platform linked to them."""
        row = self._q(f"SELECT count(*) FROM conversations WHERE person_id IN ({GROUP_IDS}) AND first_at < :before",
                      {"pid": person_id, "before": before}).fetchone()
        return row[0]

    # --- mentions --------------------------------------------------------------
    def mention(self, source: str, remote_id: str) -> Row | None:
        return self._q("SELECT * FROM mentions WHERE source = ? AND remote_id = ?", (source, remote_id)).fetchone()

    _MENTION_STATE = ("id, source, remote_id, person_id, conversation_id, thread_root, role, text, url, lang, to_me, "
                      "from_me")

    def mentions_by_key(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """What ingest needs to know of already stored mentions, as plain (mutable) dicts."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for source, part, marks in _by_source(keys):
            for row in self._q(f"SELECT {self._MENTION_STATE} FROM mentions WHERE source = ? "
                               f"AND remote_id IN ({marks})", [source, *part]):
                found[(source, row["remote_id"])] = dict(row)
        return found

    def insert_mentions(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rows as ingest builds them (see ingest/ingest.py), inserted in order; an `id` of None
        is SQLite's to choose."""
        self._many("""INSERT INTO mentions (id, source, remote_id, platform, person_id, conversation_id, role, text,
                                            url, created_at, created_us, in_reply_to, thread, thread_root, to_me,
                                            from_me, lang, raw, signals, evidence, engine, ingested_at)
                      VALUES (:id, :source, :remote_id, :platform, :person_id, :conversation_id, :role, :text, :url,
                              :created_at, :created_us, :in_reply_to, :thread, :thread_root, :to_me, :from_me, :lang,
                              :raw, :signals, :evidence, :engine, :ingested_at)""", rows)

    def insert_mention(self, m: Mention, *, person_id: int, conversation_id: int | None, role: str,
                       thread_root: str, signals: Mapping[str, Any], evidence: Mapping[str, Any],
                       engine: str, ingested_at: str) -> int:
        row = self._q(
            """INSERT INTO mentions (source, remote_id, platform, person_id, conversation_id, role, text, url,
                                     created_at, created_us, in_reply_to, thread, thread_root, to_me, from_me, lang,
                                     raw, signals, evidence, engine, ingested_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            (m.source, m.remote_id, m.platform, person_id, conversation_id, role, m.text, m.url,
             clock.iso(m.created_at), clock.micros(m.created_at), m.in_reply_to, m.thread, thread_root, int(m.to_me), int(m.from_me),
             m.lang, _json(m.raw), _json(signals), _json(evidence), engine, ingested_at)).fetchone()
        return row[0]

    def update_mention(self, mention_id: int, m: Mention, *, role: str, signals: Mapping[str, Any],
                       evidence: Mapping[str, Any], engine: str, raw: Any = None) -> None:
        """`raw`, when given, stands for m.raw (ingest may have encoded it already)."""
        self._q("""UPDATE mentions SET text = ?, url = ?, lang = ?, raw = ?, role = ?, to_me = ?, from_me = ?,
                                      signals = ?, evidence = ?, engine = ? WHERE id = ?""",
                (m.text, m.url, m.lang, _json(m.raw if raw is None else raw), role, int(m.to_me), int(m.from_me),
                 _json(signals), _json(evidence), engine, mention_id))

    def set_mention_signals(self, mention_id: int, signals: Mapping[str, Any], evidence: Mapping[str, Any],
                            engine: str) -> None:
        self._q("UPDATE mentions SET signals = ?, evidence = ?, engine = ? WHERE id = ?",
                (_json(signals), _json(evidence), engine, mention_id))

    def mentions_needing_signals(self, engine: str, limit: int, after: int = 0) -> list[Row]:
        """Stale mentions in id order after `after`: each call resumes where the last one
        stopped instead of scanning past every row already recomputed."""
        return self._q("SELECT id, text, lang FROM mentions WHERE id > ? AND engine IS NOT ? ORDER BY id LIMIT ?",
                       (after, engine, limit)).fetchall()

    def set_mentions_signals(self, rows: Sequence[tuple[Any, Any, str, int]]) -> None:
        """(signals, evidence, engine, mention id), already encoded or not."""
        self._many("UPDATE mentions SET signals = ?, evidence = ?, engine = ? WHERE id = ?",
                   [(_json(s), _json(e), engine, i) for s, e, engine, i in rows])

    def conversation_messages(self, conv: Row) -> list[Row]:
        """The person's messages, and the answers to them: ours and teammates', and other
        people's in the thread; by time (app/order.py gives the platform's order)."""
        return self._q(
            """SELECT m.*, p.handle, p.name, p.bot AS person_bot FROM mentions m JOIN persons p ON p.id = m.person_id
               WHERE m.conversation_id = :id
                  OR (m.source = :source AND m.thread_root = :root
                      AND (m.role != 'person' OR (m.conversation_id IS NULL AND m.person_id != :person))
                      AND m.in_reply_to IN (SELECT remote_id FROM mentions
                                            WHERE conversation_id = :id AND role = 'person'))
               ORDER BY m.created_at, m.id""",
            {"id": conv["id"], "source": conv["source"], "root": conv["thread_root"],
             "person": conv["person_id"]}).fetchall()

    def person_recent(self, person_id: int, limit: int = RECENT_MESSAGES) -> list[Row]:
        """A person's latest messages, newest first: what their behaviour is judged on."""
        return self._q("SELECT created_at, text FROM mentions WHERE person_id = ? ORDER BY created_at DESC, id DESC "
                       "LIMIT ?",
                       (person_id, limit)).fetchall()

    def person_mentions(self, person_id: int, limit: int = 50) -> list[Row]:
        return self._q("SELECT * FROM mentions WHERE person_id = ? ORDER BY created_at DESC LIMIT ?",
                       (person_id, limit)).fetchall()

    # --- conversations ---------------------------------------------------------
    def find_conversation(self, source: str, thread_root: str, person_id: int) -> Row | None:
        return self._q("SELECT * FROM conversations WHERE source = ? AND thread_root = ? AND person_id = ?",
                       (source, thread_root, person_id)).fetchone()

    def latest_standalone(self, source: str, person_id: int) -> Row | None:
        return self._q("""SELECT * FROM conversations WHERE source = ? AND person_id = ? AND standalone = 1
                          ORDER BY last_at DESC, id DESC LIMIT 1""", (source, person_id)).fetchone()

    def thread_conversations(self, source: str, thread_root: str) -> list[Row]:
        return self._q("""SELECT c.* FROM conversations c WHERE c.source = ? AND c.thread_root = ?
                          ORDER BY c.last_at DESC""", (source, thread_root)).fetchall()

    def create_conversation(self, *, source: str, platform: str, person_id: int, person_remote_id: str,
                            thread_root: str, standalone: bool, first_at: str) -> Row:
        length = 8
        while True:
            key = conversation_key(source, thread_root, person_remote_id, length)
            row = self._q(
                """INSERT INTO conversations (key, source, platform, person_id, thread_root, standalone,
                                              first_at, last_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING *""",
                (key, source, platform, person_id, thread_root, int(standalone), first_at, first_at)).fetchone()
            if row is not None:
                return row
            length += 2  # vanishingly rare; a longer key stays stable for this conversation

    def conversations_by_ids(self, ids: Iterable[int]) -> dict[int, Row]:
        return self._by_ids("conversations", ids)

    def conversation_by_id(self, conv_id: int) -> Row:
        return self._q("SELECT * FROM conversations WHERE id = ?", (conv_id,)).fetchone()

    def conversation(self, ident: str) -> Row:
        """By full key or an unambiguous prefix of at least 4 characters."""
        ident = ident.strip().lower()
        row = self._q("SELECT * FROM conversations WHERE key = ?", (ident,)).fetchone()
        if row:
            return row
        if len(ident) >= 4 and all(c in _B32 for c in ident):
            rows = self._q("SELECT * FROM conversations WHERE key >= ? AND key < ? LIMIT 6",
                           (ident, ident + "\x7f")).fetchall()
            if len(rows) == 1:
                return rows[0]
            if len(rows) > 1:
                raise UsageError(f"{ident!r} matches several conversations: "
                                 + ", ".join(r["key"] for r in rows[:5]),
                                 hint="Type more characters of the id.")
        raise NotFound(f"no conversation {ident!r}")

    def save_conversation(self, conv_id: int, values: Mapping[str, Any]) -> None:
        cols = ", ".join(f"{k} = :{k}" for k in values)
        self._q(f"UPDATE conversations SET {cols} WHERE id = :_id", {**values, "_id": conv_id})

    def conversation_ids(self, after: int = 0, limit: int = 1000) -> list[int]:
        return [r[0] for r in self._q("SELECT id FROM conversations WHERE id > ? ORDER BY id LIMIT ?",
                                      (after, limit))]

    def has_source(self, source: str) -> bool:
        return self._q("SELECT 1 FROM conversations WHERE source = ? LIMIT 1", (source,)).fetchone() is not None

    def source_names(self) -> list[str]:
        return [r[0] for r in self._q("SELECT DISTINCT source FROM conversations ORDER BY source")]

    # --- the queue ---------------------------------------------------------------
    def queue_scan(self, section: str, *, source: str | None = None, since: str | None = None) -> Iterator[Row]:
        """Active conversations of a section, best base score first (the index order)."""
        sql = """SELECT c.id, c.key, c.base_score, c.state, c.snooze_until, c.waiting_since, c.last_at,
                        c.person_id, c.source, c.active, c.section
                 FROM conversations c WHERE c.active = 1 AND c.section = ?"""
        extra, params = _narrowed(source, since)
        yield from self._q(sql + extra + " ORDER BY c.base_score DESC", [section, *params])

    # The index walk per identity stops after `most` + 2 rows: enough to tell "more than
    # `most`" apart, and a bot with thousands of open conversations costs no more than anyone.
    # Neither noise nor hostility counts: a troll's insults elsewhere are not someone chasing us.
    _WAITING = """SELECT j.value, (SELECT count(*) FROM (SELECT 1 FROM conversations
                                                       WHERE person_id = j.value AND active = 1
                                                         AND section NOT IN ('noise', 'careful') LIMIT ?))
                  FROM json_each(?) j"""
    _EARLIEST_OTHER = """SELECT min(COALESCE(waiting_since, last_at)) FROM conversations
                         WHERE person_id IN ({}) AND active = 1 AND section NOT IN ('noise', 'careful')
                           AND id != ?"""

    def waiting_elsewhere(self, convs: Sequence[Mapping[str, Any]], most: int = 100) -> dict[int, tuple[int, str | None]]:
        """For each given conversation (a row with its id, person_id, active and section) whose
        person (every identity linked to them) also waits in other active conversations outside
        `noise` and `careful`: how many (exact up to `most`, and `most` + 1 for more), and when there is
        exactly one, since when it waits. Counted in the conversations_waiting index alone."""
        groups = self.person_group_ids_many(sorted({c["person_id"] for c in convs}))
        waiting = dict(self._q(self._WAITING, (most + 2, json.dumps(sorted({m for g in groups.values() for m in g})))))
        out: dict[int, tuple[int, str | None]] = {}
        for conv in convs:
            conv_id, members = conv["id"], groups[conv["person_id"]]
            n = sum(waiting[m] for m in members) - (conv["active"] == 1 and conv["section"] not in ("noise", "careful"))
            if n <= 0:
                continue
            since = None
            if n == 1:  # which one is worth saying: the person waits longer there, or wrote there since
                since = self._q(self._EARLIEST_OTHER.format(_marks(members)), [*members, conv_id]).fetchone()[0]
            out[conv_id] = (min(n, most + 1), since)
        return out

    def queue_details(self, conv_ids: Sequence[int]) -> dict[int, Row]:
        if not conv_ids:
            return {}
        marks = _marks(conv_ids)
        rows = self._q(
            f"""SELECT c.*, p.handle, p.name, p.url AS person_url, p.remote_id AS person_remote_id,
                       p.platform AS person_platform, m.text, m.url AS mention_url, m.remote_id AS mention_remote_id,
                       COALESCE(l.root_source, p.source) || ':' || COALESCE(l.root_remote_id, p.remote_id) AS person_key
                FROM conversations c
                JOIN persons p ON p.id = c.person_id
                LEFT JOIN person_links l ON l.source = p.source AND l.remote_id = p.remote_id
                LEFT JOIN mentions m ON m.id = c.latest_mention_id
                WHERE c.id IN ({marks})""", list(conv_ids)).fetchall()
        return {r["id"]: r for r in rows}

    def unanswered_mentions(self, conv_id: int, since: str | None) -> list[Row]:
        """The person's messages of the conversation since `since` (all when None), oldest first."""
        return self.unanswered_mentions_many([(conv_id, since)])[conv_id]

    def unanswered_mentions_many(self, convs: Sequence[tuple[int, str | None]]) -> dict[int, list[Row]]:
        """unanswered_mentions() of each (conversation id, since), in one statement per 500."""
        found: dict[int, list[Row]] = {conv_id: [] for conv_id, _ in convs}
        for part in _chunks(convs):
            for row in self._q("""SELECT json_extract(j.value, '$[0]') AS conversation_id, m.source, m.remote_id,
                                         m.created_at, m.created_us, m.in_reply_to, m.id
                                  FROM json_each(?) j JOIN mentions m ON m.conversation_id = json_extract(j.value, '$[0]')
                                   AND m.role = 'person' AND (json_extract(j.value, '$[1]') IS NULL
                                                              OR m.created_at >= json_extract(j.value, '$[1]'))
                                  ORDER BY j.key, m.created_at, m.id""", (json.dumps(list(part)),)):
                found[row["conversation_id"]].append(row)
        return found

    def count_active(self, section: str, now: str, source: str | None = None, since: str | None = None) -> int:
        """Open conversations, and snoozed ones whose time has come.

        Without filters, counted as all active ones (read from the queue index alone) minus
        those still snoozed (a small partial index): with a million conversations, reading
        each row to look at its state took seconds."""
        if source or since:
            sql = """SELECT count(*) FROM conversations c WHERE c.active = 1 AND c.section = ?
                     AND (c.state = 'open' OR c.snooze_until <= ?)"""
            extra, params = _narrowed(source, since)
            return self._q(sql + extra, [section, now, *params]).fetchone()[0]
        return self._q(
            """SELECT (SELECT count(*) FROM conversations WHERE active = 1 AND section = :section)
                    - (SELECT count(*) FROM conversations WHERE state = 'snoozed' AND section = :section
                       AND active = 1 AND (snooze_until > :now OR snooze_until IS NULL))""",
            {"section": section, "now": now}).fetchone()[0]

    # --- the user's record -------------------------------------------------------
    def record_action(self, conversation: str, action: str, at: str, until: str | None = None,
                      detail: Mapping[str, Any] | None = None) -> None:
        self._q("INSERT INTO actions (conversation, action, at, until, detail) VALUES (?, ?, ?, ?, ?)",
                (conversation, action, at, until, _json(detail)))

    def last_undoable_action(self, actions: Sequence[str]) -> Row | None:
        """The latest of these decisions that records what it changed and is not undone yet."""
        return self._q(f"""SELECT * FROM actions a WHERE a.action IN ({_marks(actions)})
                             AND json_extract(a.detail, '$.before') IS NOT NULL
                             AND NOT EXISTS (SELECT 1 FROM actions u WHERE u.action = 'undo'
                                             AND json_extract(u.detail, '$.undid') = a.id)
                           ORDER BY a.id DESC LIMIT 1""", list(actions)).fetchone()

    def put_away(self, state: str, now: str, *, source: str | None = None, since: str | None = None,
                 limit: int | None = None) -> list[Row]:
        """Conversations in a state out of the queue (`snoozed`: still snoozed), the latest
        decided first, with the queue's columns (see queue_scan)."""
        sql = """SELECT c.id, c.key, c.base_score, c.state, c.snooze_until, c.waiting_since, c.last_at,
                        c.person_id, c.source, c.active, c.section, c.state_mark
                 FROM conversations c WHERE c.state = ?"""
        params: list[Any] = [state]
        if state == "snoozed":
            sql, params = sql + " AND c.snooze_until > ?", params + [now]
        extra, more = _narrowed(source, since)
        sql = sql + extra + " ORDER BY COALESCE(c.state_mark, c.last_at) DESC, c.id DESC"
        if limit:
            sql, more = sql + " LIMIT ?", more + [limit]
        return self._q(sql, [*params, *more]).fetchall()

    def section_conversations_of(self, section: str, person_ids: Sequence[int], *, source: str | None = None,
                                 since: str | None = None) -> list[Row]:
        """Active conversations of these persons in a section, with queue_scan's columns."""
        if not person_ids:
            return []
        sql = f"""SELECT c.id, c.key, c.base_score, c.state, c.snooze_until, c.waiting_since, c.last_at,
                         c.person_id, c.source, c.active, c.section
                  FROM conversations c WHERE c.person_id IN ({_marks(person_ids)}) AND c.active = 1
                  AND c.section = ?"""
        extra, params = _narrowed(source, since)
        return self._q(sql + extra, [*person_ids, section, *params]).fetchall()

    def actions(self, conversation: str) -> list[Row]:
        return self._q("SELECT * FROM actions WHERE conversation = ? ORDER BY at, id", (conversation,)).fetchall()

    # --- cursors ---------------------------------------------------------------
    def get_cursor(self, source: str) -> str | None:
        row = self._q("SELECT cursor FROM cursors WHERE source = ?", (source,)).fetchone()
        return row[0] if row else None

    def set_cursor(self, source: str, cursor: str | None) -> None:
        self._q("""INSERT INTO cursors (source, cursor, updated_at) VALUES (?, ?, ?)
                   ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at""",
                (source, cursor, clock.iso(clock.now())))

    # --- sources: what each fetch did --------------------------------------------
    def record_fetch(self, source: str, type_: str, *, at: str, ok: bool, duration_s: float, fetched: int,
                     new: int, error: tuple[str, str, str] | None = None,
                     rate_limit: Mapping[str, Any] | None = None) -> None:
        """One fetch's outcome; `error` is (code, message, hint). A failure keeps the last success."""
        code, message, hint = error or (None, None, None)
        self._q("""INSERT INTO source_status (source, type, last_attempt_at, last_success_at, last_duration_s,
                                              last_fetched, last_new, failures, last_error_code, last_error,
                                              last_error_hint, last_error_at, rate_limit, rate_seen_at)
                   VALUES (:source, :type, :at, CASE WHEN :ok THEN :at END, :duration, :fetched, :new,
                           CASE WHEN :ok THEN 0 ELSE 1 END, :code, :message, :hint, CASE WHEN :ok THEN NULL ELSE :at END,
                           :rate, CASE WHEN :rate IS NULL THEN NULL ELSE :at END)
                   ON CONFLICT (source) DO UPDATE SET
                     type = excluded.type, last_attempt_at = excluded.last_attempt_at,
                     last_success_at = COALESCE(excluded.last_success_at, source_status.last_success_at),
                     last_duration_s = excluded.last_duration_s, last_fetched = excluded.last_fetched,
                     last_new = excluded.last_new,
                     failures = CASE WHEN :ok THEN 0 ELSE source_status.failures + 1 END,
                     last_error_code = COALESCE(excluded.last_error_code, source_status.last_error_code),
                     last_error = COALESCE(excluded.last_error, source_status.last_error),
                     last_error_hint = COALESCE(excluded.last_error_hint, source_status.last_error_hint),
                     last_error_at = COALESCE(excluded.last_error_at, source_status.last_error_at),
                     rate_limit = COALESCE(excluded.rate_limit, source_status.rate_limit),
                     rate_seen_at = COALESCE(excluded.rate_seen_at, source_status.rate_seen_at)""",
                {"source": source, "type": type_, "at": at, "ok": int(ok), "duration": round(duration_s, 3),
                 "fetched": fetched, "new": new, "code": code, "message": message, "hint": hint,
                 "rate": _json(dict(rate_limit)) if rate_limit else None})

    def record_account(self, source: str, type_: str, account: str | None,
                       rate_limit: Mapping[str, Any] | None = None) -> None:
        now = clock.iso(clock.now())
        self._q("""INSERT INTO source_status (source, type, account, rate_limit, rate_seen_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (source) DO UPDATE SET type = excluded.type,
                     account = COALESCE(excluded.account, source_status.account),
                     rate_limit = COALESCE(excluded.rate_limit, source_status.rate_limit),
                     rate_seen_at = COALESCE(excluded.rate_seen_at, source_status.rate_seen_at)""",
                (source, type_, account, _json(dict(rate_limit)) if rate_limit else None,
                 now if rate_limit else None))

    def source_statuses(self) -> dict[str, Row]:
        return {r["source"]: r for r in self._q("SELECT * FROM source_status ORDER BY source")}

    def source_counts(self) -> dict[str, dict[str, int]]:
        """Per source: messages stored, conversations, and open ones in the reply section."""
        out: dict[str, dict[str, int]] = {}
        for r in self._q("SELECT source, count(*) FROM mentions GROUP BY source"):
            out.setdefault(r[0], {"mentions": 0, "conversations": 0, "open": 0})["mentions"] = r[1]
        for r in self._q("""SELECT source, count(*), sum(active = 1 AND section = 'reply' AND state = 'open')
                            FROM conversations GROUP BY source"""):
            entry = out.setdefault(r[0], {"mentions": 0, "conversations": 0, "open": 0})
            entry["conversations"], entry["open"] = r[1], r[2] or 0
        return out

    def mention_for_source(self, source: str, remote_id: str) -> Row | None:
        """A message with its author's columns (person_*), enough to rebuild the Mention."""
        return self._q(
            """SELECT m.*, p.remote_id AS person_remote_id, p.handle AS person_handle, p.name AS person_name,
                      p.url AS person_url, p.bot AS person_bot, p.followers AS person_followers,
                      p.created_at AS person_created_at
               FROM mentions m JOIN persons p ON p.id = m.person_id
               WHERE m.source = ? AND m.remote_id = ?""", (source, remote_id)).fetchone()

    # --- threads read on the platform ----------------------------------------------
    def mark_thread_checked(self, source: str, remote_ids: Iterable[str], at: str) -> None:
        for remote_id in remote_ids:
            self._q("""INSERT INTO thread_checks (source, remote_id, checked_at) VALUES (?, ?, ?)
                       ON CONFLICT (source, remote_id) DO UPDATE SET checked_at = excluded.checked_at""",
                    (source, remote_id, at))

    def threads_to_recheck(self, source: str, before: str, limit: int) -> list[Row]:
        """The latest message of open conversations whose thread was not read since `before`:
        the user may have answered on the platform itself."""
        return self._q(
            """SELECT m.*, p.remote_id AS person_remote_id, p.handle AS person_handle, p.name AS person_name,
                      p.url AS person_url, p.bot AS person_bot, p.followers AS person_followers,
                      p.created_at AS person_created_at
               FROM conversations c
               JOIN mentions m ON m.id = c.latest_mention_id
               JOIN persons p ON p.id = m.person_id
               LEFT JOIN thread_checks t ON t.source = m.source AND t.remote_id = m.remote_id
               WHERE c.source = ? AND c.active = 1 AND c.state = 'open' AND m.role = 'person'
                 AND COALESCE(t.checked_at, m.ingested_at) < ?
               ORDER BY c.last_at DESC LIMIT ?""", (source, before, limit)).fetchall()

    # --- counts for status lines -------------------------------------------------
    def totals(self) -> dict[str, int]:
        row = self._q("""SELECT (SELECT count(*) FROM mentions) AS mentions,
                                (SELECT count(*) FROM conversations) AS conversations,
                                (SELECT count(*) FROM persons) AS persons""").fetchone()
        return dict(row)
