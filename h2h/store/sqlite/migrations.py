"""Named, ordered, forward-only schema migrations.

Each runs in one transaction together with its row in `_h2h_migrations`. A
database that already holds data is copied (`VACUUM INTO`) before a migration
touches it, because it holds the user's decisions, not just a cache.
Never edit a migration that has shipped: add a new one.
"""

from __future__ import annotations

import bisect
import os
import sqlite3
from pathlib import Path
from typing import Callable, Sequence

from h2h import clock, files
from h2h.errors import SchemaTooNew, StoreError
from h2h.store.sqlite.db import MEMORY, transaction, translate

Migration = tuple[str, Sequence[str] | Callable[[sqlite3.Connection], None]]

INITIAL = [
    # --- derived: refetchable or recomputable -------------------------------
    """CREATE TABLE persons (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        platform TEXT NOT NULL,
        handle TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        url TEXT,
        bot INTEGER,
        followers INTEGER,
        created_at TEXT,
        raw TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        UNIQUE (source, remote_id))""",
    "CREATE INDEX persons_handle ON persons (handle COLLATE NOCASE)",
    """CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        platform TEXT NOT NULL,
        person_id INTEGER NOT NULL REFERENCES persons (id),
        thread_root TEXT NOT NULL,
        standalone INTEGER NOT NULL DEFAULT 0,
        first_at TEXT NOT NULL,
        last_at TEXT NOT NULL,
        last_reply_at TEXT,
        waiting_since TEXT,
        latest_mention_id INTEGER,
        unanswered INTEGER NOT NULL DEFAULT 0,
        messages INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'open'
            CHECK (state IN ('open', 'answered', 'done', 'snoozed', 'ignored')),
        active INTEGER NOT NULL DEFAULT 1,
        state_mark TEXT,
        snooze_until TEXT,
        section TEXT NOT NULL DEFAULT 'reply',
        base_score REAL NOT NULL DEFAULT 0,
        reasons TEXT NOT NULL DEFAULT '[]',
        lang TEXT,
        engine TEXT,
        UNIQUE (source, thread_root, person_id))""",
    "CREATE INDEX conversations_queue ON conversations (active, section, base_score DESC)",
    "CREATE INDEX conversations_person ON conversations (person_id, first_at)",
    "CREATE INDEX conversations_standalone ON conversations (source, person_id, standalone, last_at)",
    """CREATE TABLE mentions (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        platform TEXT NOT NULL,
        person_id INTEGER NOT NULL REFERENCES persons (id),
        conversation_id INTEGER REFERENCES conversations (id),
        role TEXT NOT NULL CHECK (role IN ('person', 'me', 'team')),
        text TEXT NOT NULL,
        url TEXT,
        created_at TEXT NOT NULL,
        in_reply_to TEXT,
        thread TEXT,
        thread_root TEXT NOT NULL,
        to_me INTEGER NOT NULL,
        from_me INTEGER NOT NULL,
        lang TEXT,
        raw TEXT,
        signals TEXT,
        evidence TEXT,
        engine TEXT,
        ingested_at TEXT NOT NULL,
        UNIQUE (source, remote_id))""",
    "CREATE INDEX mentions_conversation ON mentions (conversation_id, created_at)",
    "CREATE INDEX mentions_thread ON mentions (source, thread_root)",
    "CREATE INDEX mentions_reply ON mentions (source, in_reply_to)",
    "CREATE INDEX mentions_person ON mentions (person_id, created_at)",
    # --- record: the user's work; keyed by stable text ids, never by rowid ---
    """CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        conversation TEXT NOT NULL,
        action TEXT NOT NULL,
        at TEXT NOT NULL,
        until TEXT,
        detail TEXT)""",
    "CREATE INDEX actions_conversation ON actions (conversation, at)",
    """CREATE TABLE drafts (
        id INTEGER PRIMARY KEY,
        conversation TEXT NOT NULL,
        text TEXT NOT NULL,
        backend TEXT NOT NULL,
        lang TEXT,
        intent TEXT,
        lint TEXT NOT NULL DEFAULT '[]',
        edited INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL)""",
    "CREATE INDEX drafts_conversation ON drafts (conversation, id)",
    """CREATE TABLE replies (
        id INTEGER PRIMARY KEY,
        conversation TEXT NOT NULL,
        source TEXT NOT NULL,
        in_reply_to TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        text TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'manual')),
        remote_id TEXT,
        url TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT)""",
    "CREATE INDEX replies_conversation ON replies (conversation, id)",
    """CREATE TABLE cursors (
        source TEXT PRIMARY KEY,
        cursor TEXT,
        updated_at TEXT NOT NULL)""",
    """CREATE TABLE person_flags (
        source TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        vip INTEGER NOT NULL DEFAULT 0,
        muted INTEGER NOT NULL DEFAULT 0,
        note TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (source, remote_id))""",
    """CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT)""",
]

# What each source's last fetch did (for `h2h sources`), and when a thread was last read
# (so a conversation answered on the platform itself leaves the queue). Both are derived.
SOURCES = [
    """CREATE TABLE source_status (
        source TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        account TEXT,
        last_attempt_at TEXT,
        last_success_at TEXT,
        last_duration_s REAL,
        last_fetched INTEGER NOT NULL DEFAULT 0,
        last_new INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        last_error_code TEXT,
        last_error TEXT,
        last_error_hint TEXT,
        last_error_at TEXT,
        rate_limit TEXT,
        rate_seen_at TEXT)""",
    """CREATE TABLE thread_checks (
        source TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        PRIMARY KEY (source, remote_id))""",
]

# What a draft was made of (its template lines, why another backend wrote it), and each
# reply's attempts: the row written before the network call is the one a retry reuses.
REPLIES = [
    "ALTER TABLE drafts ADD COLUMN variants TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE drafts ADD COLUMN note TEXT",
    "ALTER TABLE replies ADD COLUMN draft_id INTEGER",
    "ALTER TABLE replies ADD COLUMN platform TEXT",
    "ALTER TABLE replies ADD COLUMN target TEXT",
    "ALTER TABLE replies ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE replies ADD COLUMN response_s REAL",
    "ALTER TABLE replies ADD COLUMN updated_at TEXT",
    "CREATE INDEX replies_status ON replies (status, conversation)",
]

# The same human on several platforms: each linked identity points at its group's
# root identity (the root has no row). Keyed by (source, remote_id), never rowid.
PEOPLE_LINKS = [
    """CREATE TABLE person_links (
        source TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        root_source TEXT NOT NULL,
        root_remote_id TEXT NOT NULL,
        linked_at TEXT NOT NULL,
        PRIMARY KEY (source, remote_id))""",
    "CREATE INDEX person_links_root ON person_links (root_source, root_remote_id)",
]

# Our past answers and the knowledge file, searched with FTS5 (store/sqlite/memory.py).
_ANSWERS_FTS = "USING fts5(question, answer, tokenize = 'unicode61 remove_diacritics 2')"

ANSWER_MEMORY = [
    """CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        mention_id INTEGER NOT NULL UNIQUE,
        source TEXT NOT NULL,
        platform TEXT NOT NULL,
        conversation TEXT,
        lang TEXT,
        role TEXT NOT NULL,
        author TEXT NOT NULL,
        person TEXT NOT NULL,
        person_name TEXT NOT NULL DEFAULT '',
        answered TEXT NOT NULL DEFAULT '[]',
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        url TEXT,
        created_at TEXT NOT NULL)""",
    f"CREATE VIRTUAL TABLE answers_fts {_ANSWERS_FTS}",
    "CREATE VIRTUAL TABLE answers_vocab USING fts5vocab(answers_fts, 'col')",
    """CREATE TABLE knowledge (
        id INTEGER PRIMARY KEY,
        entry TEXT NOT NULL,
        lang TEXT NOT NULL,
        question TEXT NOT NULL,
        also TEXT NOT NULL DEFAULT '',
        answer TEXT NOT NULL,
        link TEXT,
        origin TEXT NOT NULL,
        line INTEGER NOT NULL)""",
    "CREATE INDEX knowledge_entry ON knowledge (entry, lang)",
    f"CREATE VIRTUAL TABLE knowledge_fts {_ANSWERS_FTS}",
    "CREATE VIRTUAL TABLE knowledge_vocab USING fts5vocab(knowledge_fts, 'col')",
    # Which knowledge entry or past answer a draft starts from (JSON), shown again with it.
    "ALTER TABLE drafts ADD COLUMN grounding TEXT",
]

# `h2h search`: every message's words and its author's handle and name, in an FTS5 index
# of its own (answer memory has separate tables). It holds no copy of the text: its content
# is a view over mentions and persons, and triggers keep it in step with both (a new or
# edited message, a person's new name), giving FTS5 the old values it needs to remove a row.
SEARCH = [
    """CREATE VIEW mention_search_rows AS
         SELECT m.id AS id, m.text AS text, p.handle || ' ' || p.name AS who
         FROM mentions m JOIN persons p ON p.id = m.person_id""",
    # remove_diacritics 2: "exporter" finds "exportér", as people type without accents.
    """CREATE VIRTUAL TABLE mention_search USING fts5(text, who, content='mention_search_rows',
         content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER mention_search_insert AFTER INSERT ON mentions BEGIN
         INSERT INTO mention_search (rowid, text, who)
         SELECT new.id, new.text, p.handle || ' ' || p.name FROM persons p WHERE p.id = new.person_id;
       END""",
    """CREATE TRIGGER mention_search_delete AFTER DELETE ON mentions BEGIN
         INSERT INTO mention_search (mention_search, rowid, text, who)
         SELECT 'delete', old.id, old.text, p.handle || ' ' || p.name FROM persons p WHERE p.id = old.person_id;
       END""",
    """CREATE TRIGGER mention_search_update AFTER UPDATE OF text, person_id ON mentions BEGIN
         INSERT INTO mention_search (mention_search, rowid, text, who)
         SELECT 'delete', old.id, old.text, p.handle || ' ' || p.name FROM persons p WHERE p.id = old.person_id;
         INSERT INTO mention_search (rowid, text, who)
         SELECT new.id, new.text, p.handle || ' ' || p.name FROM persons p WHERE p.id = new.person_id;
       END""",
    # The upsert of every fetch touches persons; only a real change of handle or name re-indexes.
    """CREATE TRIGGER mention_search_person AFTER UPDATE OF handle, name ON persons
       WHEN old.handle IS NOT new.handle OR old.name IS NOT new.name BEGIN
         INSERT INTO mention_search (mention_search, rowid, text, who)
         SELECT 'delete', m.id, m.text, old.handle || ' ' || old.name FROM mentions m WHERE m.person_id = old.id;
         INSERT INTO mention_search (rowid, text, who)
         SELECT m.id, m.text, new.handle || ' ' || new.name FROM mentions m WHERE m.person_id = new.id;
       END""",
    "INSERT INTO mention_search (mention_search) VALUES ('rebuild')",
]

# A bulk import leaves the search index to the end: FTS5 fed one row at a time, with a
# segment flushed at every commit, cost as much as every other write of the import
# together (55 of 110 us a message at 100,000). While `meta.search_deferred_after` holds
# an id, messages above it are not in the index yet (store/sqlite/search.py catches up);
# the triggers leave them alone, since removing from FTS5 a row it never held corrupts it.
_DEFERRED = "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'search_deferred_after')"
_INDEXED = "{id} <= COALESCE(" + _DEFERRED + ", {id})"
SEARCH_DEFERRED = [
    "DROP TRIGGER mention_search_insert",
    "DROP TRIGGER mention_search_delete",
    "DROP TRIGGER mention_search_update",
    "DROP TRIGGER mention_search_person",
    f"""CREATE TRIGGER mention_search_insert AFTER INSERT ON mentions WHEN {_DEFERRED} IS NULL BEGIN
         INSERT INTO mention_search (rowid, text, who)
         SELECT new.id, new.text, p.handle || ' ' || p.name FROM persons p WHERE p.id = new.person_id;
       END""",
    f"""CREATE TRIGGER mention_search_delete AFTER DELETE ON mentions WHEN {_INDEXED.format(id='old.id')} BEGIN
         INSERT INTO mention_search (mention_search, rowid, text, who)
         SELECT 'delete', old.id, old.text, p.handle || ' ' || p.name FROM persons p WHERE p.id = old.person_id;
       END""",
    f"""CREATE TRIGGER mention_search_update AFTER UPDATE OF text, person_id ON mentions
       WHEN {_INDEXED.format(id='old.id')} BEGIN
         INSERT INTO mention_search (mention_search, rowid, text, who)
         SELECT 'delete', old.id, old.text, p.handle || ' ' || p.name FROM persons p WHERE p.id = old.person_id;
         INSERT INTO mention_search (rowid, text, who)
         SELECT new.id, new.text, p.handle || ' ' || p.name FROM persons p WHERE p.id = new.person_id;
       END""",
    f"""CREATE TRIGGER mention_search_person AFTER UPDATE OF handle, name ON persons
       WHEN old.handle IS NOT new.handle OR old.name IS NOT new.name BEGIN
         INSERT INTO mention_search (mention_search, rowid, text, who)
         SELECT 'delete', m.id, m.text, old.handle || ' ' || old.name FROM mentions m
         WHERE m.person_id = old.id AND {_INDEXED.format(id='m.id')};
         INSERT INTO mention_search (rowid, text, who)
         SELECT m.id, m.text, new.handle || ' ' || new.name FROM mentions m
         WHERE m.person_id = new.id AND {_INDEXED.format(id='m.id')};
       END""",
]


def arrival_order(conn: sqlite3.Connection) -> None:
    """`mentions.created_us`, a message's time at full precision (NULL for those stored
    before: their whole seconds are all that was kept), and `conversations.seen_upto`, the
    newest message id stored when the user made the conversation's current decision. A
    decision made before it saw every message stored by its time (`state_mark`); one
    stored in that same second counts as seen."""
    conn.execute("ALTER TABLE mentions ADD COLUMN created_us INTEGER")
    conn.execute("ALTER TABLE conversations ADD COLUMN seen_upto INTEGER")
    # One stored time per ingest transaction: a few thousand, however many messages.
    stamps: list[str] = []
    newest: list[int] = []
    for at, top in conn.execute("SELECT ingested_at, max(id) FROM mentions GROUP BY ingested_at ORDER BY ingested_at"):
        stamps.append(at)
        newest.append(max(top, newest[-1]) if newest else top)
    seen: list[tuple[int, int]] = []
    for conv_id, mark in conn.execute("SELECT id, state_mark FROM conversations WHERE state_mark IS NOT NULL"):
        i = bisect.bisect_right(stamps, mark)
        seen.append((newest[i - 1] if i else 0, conv_id))
    conn.executemany("UPDATE conversations SET seen_upto = ? WHERE id = ?", seen)


MIGRATIONS: list[Migration] = [
    ("0001_initial", INITIAL),
    ("0002_sources", SOURCES),
    ("0004_replies_drafts", REPLIES),
    ("0005_people_links", PEOPLE_LINKS),
    # Counting the queue's sections subtracts the snoozed conversations: few, so a
    # small partial index finds them without reading every conversation.
    ("0006_snoozed_index", ["CREATE INDEX conversations_snoozed ON conversations (active, section, snooze_until) "
                            "WHERE state = 'snoozed'"]),
    # Whether a person also waits elsewhere, read from the index alone: a prolific
    # account has thousands of active conversations, too many to visit row by row.
    ("0007_waiting_index", ["CREATE INDEX conversations_waiting ON conversations "
                            "(person_id, active, section, waiting_since, last_at) WHERE active = 1"]),
    # Our past answers and the knowledge file, searched with FTS5 (store/sqlite/memory.py).
    ("0008_answer_memory", ANSWER_MEMORY),
    # When each message arrived and each decision was made, and messages' full-precision
    # time: a message stored after a decision reopens, whenever it was written.
    ("0009_arrival_order", arrival_order),
    ("0010_mention_search", SEARCH),
    # A reply whose outcome is unknown stays pending, bound to its conversation: one such
    # attempt per conversation, which every later attempt (reworded or not) reuses. Older
    # versions may have left several; the newest stands for them.
    ("0011_unsettled_reply", [
        "UPDATE replies SET status = 'failed', error = 'outcome unknown; superseded by a later attempt' "
        "WHERE status = 'pending' AND id NOT IN (SELECT MAX(id) FROM replies WHERE status = 'pending' "
        "GROUP BY conversation)",
        "CREATE UNIQUE INDEX replies_unsettled ON replies (conversation) WHERE status = 'pending'"]),
    ("0012_search_deferred", SEARCH_DEFERRED),
]


def _ensure_table(conn: sqlite3.Connection) -> None:
    conn.execute("""CREATE TABLE IF NOT EXISTS _h2h_migrations (
        name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)""")


def applied(conn: sqlite3.Connection) -> list[str]:
    _ensure_table(conn)
    return [r[0] for r in conn.execute("SELECT name FROM _h2h_migrations ORDER BY name")]


def _has_data(conn: sqlite3.Connection) -> bool:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '_h2h_migrations'")]
    return any(conn.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone() for t in tables)


def backup(conn: sqlite3.Connection, path: Path, before: str) -> Path:
    """A copy of the database, written under a temporary name created 0600 (it holds what the
    database holds) and renamed when complete: a kill leaves no half backup under a backup's
    name, and what a killed one left is removed here."""
    for left in files.stale(path.parent, f"{path.name}.bak-"):
        files.discard(left)
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.bak-{stamp}-before-{before}")
    n = 1
    while target.exists() or target.is_symlink():
        n += 1
        target = path.with_name(f"{path.name}.bak-{stamp}-{n}-before-{before}")
    tmp = files.temporary(target)
    try:
        files.discard(tmp)  # this process's own, from an attempt that failed
        files.create_new(tmp)  # VACUUM INTO fills an empty file, keeping its mode
        conn.execute("VACUUM INTO ?", (str(tmp),))
        files.refuse_link(target)
        os.replace(tmp, target)
    except (sqlite3.Error, OSError) as exc:
        files.discard(tmp)
        raise StoreError(f"could not back up the database before migrating it: {exc}",
                         hint="Free some disk space next to the database, then run again; nothing was changed.") from None
    return target


def migrate(conn: sqlite3.Connection, path: Path | str, migrations: Sequence[Migration] = MIGRATIONS) -> list[str]:
    """Apply what is missing, in order; returns the names applied."""
    try:
        done = set(applied(conn))
    except sqlite3.Error as exc:
        raise translate(exc, path) from None
    known = {name for name, _ in migrations}
    unknown = sorted(done - known)
    if unknown:
        raise SchemaTooNew(f"the database has migrations this h2h does not know: {', '.join(unknown)}")
    pending = [(name, step) for name, step in migrations if name not in done]
    if not pending:
        return []
    if str(path) != MEMORY and _has_data(conn):
        backup(conn, Path(path), pending[0][0])
    names = []
    for name, step in pending:
        with transaction(conn, path):
            # Two h2h started at once on a new database both saw it pending; the write
            # lock serializes them, and the second finds it done.
            if conn.execute("SELECT 1 FROM _h2h_migrations WHERE name = ?", (name,)).fetchone():
                continue
            if callable(step):
                step(conn)
            else:
                for statement in step:
                    conn.execute(statement)
            conn.execute("INSERT INTO _h2h_migrations (name, applied_at) VALUES (?, ?)",
                         (name, clock.iso(clock.now())))
        names.append(name)
    return names
