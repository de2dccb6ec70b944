"""The search index's deferred rows (migration 0012_search_deferred).

A bulk import marks the newest message id before it starts; messages stored above it
skip the per-row trigger, and are indexed here in large slices once the import ends,
or by the first search after an import that was killed. Marking and catching up are
each one transaction and idempotent, so an import that dies, or a search that runs
between two of an import's transactions, leaves the index whole.
"""

from __future__ import annotations

from h2h.store.sqlite import db
from h2h.store.sqlite.base import Base

_KEY = "search_deferred_after"
SLICE = 50_000   # messages indexed per transaction: the write lock is held about a second


class SearchQueries(Base):
    def defer_search(self) -> None:
        with db.transaction(self.conn, self.path):
            self._q("""INSERT INTO meta (key, value) SELECT ?, COALESCE(max(id), 0) FROM mentions
                       WHERE true ON CONFLICT (key) DO NOTHING""", (_KEY,))

    def catch_up_search(self) -> int:
        """Index the messages a bulk import left out; how many there were."""
        done = 0
        while True:
            with db.transaction(self.conn, self.path):
                after = self._value("SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?", (_KEY,))
                if after is None:
                    return done
                upto = self._value("SELECT max(id) FROM (SELECT id FROM mentions WHERE id > ? ORDER BY id LIMIT ?)",
                                   (after, SLICE))
                if upto is None:
                    self._q("DELETE FROM meta WHERE key = ?", (_KEY,))
                    return done
                cur = self._q("""INSERT INTO mention_search (rowid, text, who)
                                 SELECT id, text, who FROM mention_search_rows WHERE id > ? AND id <= ?""",
                              (after, upto))
                done += cur.rowcount
                self._q("UPDATE meta SET value = ? WHERE key = ?", (str(upto), _KEY))
