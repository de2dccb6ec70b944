"""When each message arrived and in what order the platform put it, when each decision
was made, and the statements that put a message that arrived before its parent back in
its conversation once the parent is stored (ingest/rehome.py).

- `mentions.created_us`: the message's time at full precision (microseconds since 1970);
  NULL for messages stored before it existed, whose time is the whole seconds of
  `created_at` (all that was kept).
- `mentions.id` grows with every message stored: it is the arrival order.
- `conversations.seen_upto`: the newest message id stored when the user made the
  conversation's current decision (done, snooze, ignore, reopen).

Mixed into `Store`; all SQL stays in store/.
"""

from __future__ import annotations

import bisect
import sqlite3
from typing import Any, Iterable, Sequence

from h2h.store.chunks import by_source as _by_source
from h2h.store.chunks import chunks as _chunks
from h2h.store.chunks import marks as _marks

Row = sqlite3.Row


def migrate_arrival_order(conn: sqlite3.Connection) -> None:
    """Adds both columns. A decision made before them saw every message stored by its time
    (`state_mark`); a message stored in that same second counts as seen."""
    conn.execute("ALTER TABLE mentions ADD COLUMN created_us INTEGER")
    conn.execute("ALTER TABLE conversations ADD COLUMN seen_upto INTEGER")
    # One stored time per ingest transaction: a few thousand, however many messages.
    stamps, newest = [], []
    for at, top in conn.execute("SELECT ingested_at, max(id) FROM mentions GROUP BY ingested_at ORDER BY ingested_at"):
        stamps.append(at)
        newest.append(max(top, newest[-1]) if newest else top)
    seen = []
    for conv_id, mark in conn.execute("SELECT id, state_mark FROM conversations WHERE state_mark IS NOT NULL"):
        i = bisect.bisect_right(stamps, mark)
        seen.append((newest[i - 1] if i else 0, conv_id))
    conn.executemany("UPDATE conversations SET seen_upto = ? WHERE id = ?", seen)


_ROOTED = ("id, source, remote_id, person_id, conversation_id, role, in_reply_to, thread_root, signals")


class ThreadQueries:
    def _q(self, sql: str, params: Any = ()) -> sqlite3.Cursor:  # provided by Store
        raise NotImplementedError

    def _many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:  # provided by Store
        raise NotImplementedError

    def mentions_rooted_at(self, keys: Iterable[tuple[str, str]]) -> list[Row]:
        """Messages whose thread root is one of these (source, remote id), in id order."""
        found: list[Row] = []
        for source, part, marks in _by_source(keys):
            found += self._q(f"SELECT {_ROOTED} FROM mentions WHERE source = ? AND thread_root IN ({marks})",
                             [source, *part]).fetchall()
        return sorted(found, key=lambda r: r["id"])

    def conversations_rooted_at_many(self, keys: Iterable[tuple[str, str]]) -> list[Row]:
        """Conversations whose thread root is one of these (source, remote id)."""
        found: list[Row] = []
        for source, part, marks in _by_source(keys):
            found += self._q(f"SELECT id, source, thread_root FROM conversations WHERE source = ? "
                             f"AND thread_root IN ({marks})", [source, *part]).fetchall()
        return found

    def conversations_rooted_at(self, source: str, root: str) -> list[Row]:
        return self._q("SELECT * FROM conversations WHERE source = ? AND thread_root = ? ORDER BY id",
                       (source, root)).fetchall()

    def conversation_mentions(self, conv_id: int) -> list[Row]:
        return self._q(f"SELECT {_ROOTED} FROM mentions WHERE conversation_id = ? ORDER BY id", (conv_id,)).fetchall()

    def place_mentions(self, rows: Sequence[tuple[int | None, str, int]]) -> None:
        """(conversation id, thread root, message id) for each message moved."""
        self._many("UPDATE mentions SET conversation_id = ?, thread_root = ? WHERE id = ?", rows)

    def delete_conversations(self, ids: Sequence[int]) -> None:
        """Conversations left without a message (their messages joined another)."""
        for part in _chunks(list(ids)):
            self._q(f"DELETE FROM conversations WHERE id IN ({_marks(part)})", list(part))

    def newest_mention_id(self) -> int:
        """The newest message stored (0 when none): what a decision made now has seen."""
        return self._q("SELECT max(id) FROM mentions").fetchone()[0] or 0
