"""Replies: what we sent, or are sending, and when.

A reply row is written (status 'pending') before the network call and keyed by
an idempotency key, so a retry after a crash finds it and reuses the key
instead of posting twice. A row stays 'pending' while its outcome is unknown
(a lost answer, a kill); a conversation has at most one such row (the
`replies_unsettled` index), and every later attempt, whatever its text, goes
on that row and its key.
"""

from __future__ import annotations

from h2h.models import Reply
from h2h.store.sqlite import rows
from h2h.store.sqlite.base import Base

_REPLY = rows.columns(Reply)
_reply = rows.maker(Reply)


class ReplyQueries(Base):
    def reply_by_key(self, key: str) -> Reply | None:
        return self._one(_reply, f"SELECT {_REPLY} FROM replies WHERE key = ?", (key,))

    def replies(self, conversation: str) -> list[Reply]:
        return self._all(_reply, f"SELECT {_REPLY} FROM replies WHERE conversation = ? ORDER BY id", (conversation,))

    def begin_reply(self, *, key: str, conversation: str, source: str, platform: str, in_reply_to: str,
                    target: str, text: str, draft_id: int | None, now: str) -> Reply:
        begun = self._one(_reply, f"""
            INSERT INTO replies (conversation, source, platform, in_reply_to, target, key, text, status,
                                 draft_id, attempts, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, 1, ?, ?)
            ON CONFLICT (key) DO UPDATE SET status = 'pending', attempts = replies.attempts + 1,
                                            in_reply_to = excluded.in_reply_to, text = excluded.text,
                                            draft_id = excluded.draft_id, error = NULL,
                                            updated_at = excluded.updated_at
            RETURNING {_REPLY}""", (conversation, source, platform, in_reply_to, target, key, text, draft_id, now, now))
        assert begun is not None  # RETURNING gives the row inserted or updated
        return begun

    def unsettled_reply(self, conversation: str) -> Reply | None:
        return self._one(_reply, f"SELECT {_REPLY} FROM replies WHERE conversation = ? AND status = 'pending'",
                         (conversation,))

    def unknown_reply(self, key: str, error: str, now: str) -> None:
        self._q("UPDATE replies SET error = ?, updated_at = ? WHERE key = ? AND status = 'pending'", (error, now, key))

    def fail_reply(self, key: str, error: str, now: str) -> None:
        self._q("UPDATE replies SET status = 'failed', error = ?, updated_at = ? WHERE key = ? AND status = 'pending'",
                (error, now, key))

    def finish_reply(self, key: str, *, status: str, remote_id: str | None, url: str | None, sent_at: str,
                     response_s: float | None, now: str) -> None:
        self._q("""UPDATE replies SET status = ?, remote_id = ?, url = ?, sent_at = ?, response_s = ?, error = NULL,
                                      updated_at = ? WHERE key = ?""",
                (status, remote_id, url, sent_at, response_s, now, key))
