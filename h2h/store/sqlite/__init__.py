"""The SQLite store: one file, WAL, one writer at a time (store/protocol.py says what
every store does; this package is how SQLite does it)."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from h2h.errors import H2HError
from h2h.store.sqlite import db, migrations
from h2h.store.sqlite.conversations import ConversationQueries
from h2h.store.sqlite.cursors import CursorQueries
from h2h.store.sqlite.drafts import DraftQueries
from h2h.store.sqlite.memory import MemoryQueries
from h2h.store.sqlite.mentions import MentionQueries
from h2h.store.sqlite.people import PeopleQueries
from h2h.store.sqlite.replies import ReplyQueries
from h2h.store.sqlite.stats import StatsQueries

if TYPE_CHECKING:
    from h2h.store.protocol import Store


class SQLiteStore(MentionQueries, ConversationQueries, PeopleQueries, ReplyQueries, DraftQueries, CursorQueries,
                  StatsQueries, MemoryQueries):
    def __init__(self, conn: sqlite3.Connection, path: Path | str):
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path | str) -> SQLiteStore:
        conn = db.connect(path)
        try:
            migrations.migrate(conn, path)
        except BaseException:
            conn.close()
            raise
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[SQLiteStore]:
        with db.transaction(self.conn, self.path):
            yield self

    @contextmanager
    def bulk(self, lock_wait_s: float = 60.0, checkpoint_pages: int = 16384) -> Iterator[SQLiteStore]:
        """The search index is fed once at the end (store/sqlite/search.py).
        Also copies the WAL back into the database every `checkpoint_pages` pages instead
        of every 1,000 (pages rewritten in between are copied once; fewer syncs)."""
        self._q(f"PRAGMA busy_timeout = {int(lock_wait_s * 1000)}")
        self._q(f"PRAGMA wal_autocheckpoint = {int(checkpoint_pages)}")
        self.defer_search()
        try:
            yield self
        finally:
            try:
                self.catch_up_search()
            except H2HError:
                pass  # still marked: the next import or search indexes them
            self._q(f"PRAGMA busy_timeout = {db.BUSY_TIMEOUT_MS}")
            self._q("PRAGMA wal_autocheckpoint = 1000")
            try:
                self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                pass  # a reader holds it: the next commit's checkpoint will do it

    def data_version(self) -> int:
        return int(self._value("PRAGMA data_version"))

    def get_meta(self, key: str) -> str | None:
        value: str | None = self._value("SELECT value FROM meta WHERE key = ?", (key,))
        return value

    def set_meta(self, key: str, value: str) -> None:
        self._q("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value))


def _implements(store: SQLiteStore) -> Store:
    return store  # the type checker holds SQLiteStore to the protocol here
