"""The record of drafts and replies: what we wrote, what we sent, and when.

A reply row is written (status 'pending') before the network call and keyed by
an idempotency key, so a retry after a crash finds it and reuses the key
instead of posting twice. Mixed into `Store`; all SQL stays in store/.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterable, Mapping, Sequence

Row = sqlite3.Row

MIGRATION = [
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


class ReplyRecords:
    """Methods of `Store` (self._q is Store's query helper)."""

    def _q(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:  # pragma: no cover
        raise NotImplementedError

    # --- drafts ----------------------------------------------------------------
    def add_draft(self, *, conversation: str, text: str, backend: str, lang: str | None, intent: str,
                  lint: Iterable[Mapping[str, Any]], edited: bool, variants: Sequence[str] = (),
                  note: str | None = None, created_at: str) -> int:
        row = self._q(
            """INSERT INTO drafts (conversation, text, backend, lang, intent, lint, edited, variants, note, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            (conversation, text, backend, lang, intent, json.dumps(list(lint), ensure_ascii=False), int(edited),
             json.dumps(list(variants)), note or None, created_at)).fetchone()
        return row[0]

    def draft(self, draft_id: int) -> Row | None:
        return self._q("SELECT * FROM drafts WHERE id = ?", (draft_id,)).fetchone()

    def latest_draft(self, conversation: str) -> Row | None:
        return self._q("SELECT * FROM drafts WHERE conversation = ? ORDER BY id DESC LIMIT 1",
                       (conversation,)).fetchone()

    def drafts_of(self, conversation: str) -> list[Row]:
        """Every draft of the conversation, oldest first (none is ever deleted)."""
        return self._q("SELECT * FROM drafts WHERE conversation = ? ORDER BY id", (conversation,)).fetchall()

    def recent_draft_variants(self, *, exclude: str | None = None, limit: int = 10) -> list[list[str]]:
        """Template lines of the latest drafts for other conversations, most recent first."""
        rows = self._q("""SELECT variants FROM drafts WHERE conversation IS NOT ? AND variants != '[]'
                          ORDER BY id DESC LIMIT ?""", (exclude, limit)).fetchall()
        return [json.loads(r[0]) for r in rows]

    # --- replies ---------------------------------------------------------------
    def reply_by_key(self, key: str) -> Row | None:
        return self._q("SELECT * FROM replies WHERE key = ?", (key,)).fetchone()

    def replies(self, conversation: str) -> list[Row]:
        return self._q("SELECT * FROM replies WHERE conversation = ? ORDER BY id", (conversation,)).fetchall()

    def begin_reply(self, *, key: str, conversation: str, source: str, platform: str, in_reply_to: str,
                    target: str, text: str, draft_id: int | None, now: str) -> Row:
        """Record an attempt before the network call; a retry bumps `attempts` on the same row."""
        return self._q(
            """INSERT INTO replies (conversation, source, platform, in_reply_to, target, key, text, status,
                                    draft_id, attempts, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, 1, ?, ?)
               ON CONFLICT (key) DO UPDATE SET status = 'pending', attempts = replies.attempts + 1,
                                               error = NULL, updated_at = excluded.updated_at
               RETURNING *""",
            (conversation, source, platform, in_reply_to, target, key, text, draft_id, now, now)).fetchone()

    def fail_reply(self, key: str, error: str, now: str) -> None:
        self._q("UPDATE replies SET status = 'failed', error = ?, updated_at = ? WHERE key = ? AND status = 'pending'",
                (error, now, key))

    def finish_reply(self, key: str, *, status: str, remote_id: str | None, url: str | None, sent_at: str,
                     response_s: float | None, now: str) -> None:
        self._q("""UPDATE replies SET status = ?, remote_id = ?, url = ?, sent_at = ?, response_s = ?, error = NULL,
                                      updated_at = ? WHERE key = ?""",
                (status, remote_id, url, sent_at, response_s, now, key))
