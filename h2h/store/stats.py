"""The rows `h2h stats` is computed from (the figures themselves: h2h/app/stats.py)."""

from __future__ import annotations

import sqlite3
from typing import Any, Sequence

Row = sqlite3.Row

# Replies sent through h2h count once: a sent reply that came back in a fetch is
# already a mention of ours.
_SENT = "r.status IN ('sent', 'manual') AND r.sent_at IS NOT NULL"


class StatsQueries:
    def _q(self, sql: str, params: Any = ()) -> sqlite3.Cursor:  # provided by Store
        raise NotImplementedError

    def stats_conversations(self, since: str, until: str, person_ids: Sequence[int] | None = None) -> list[Row]:
        """Conversations a person started in [since, until), with the first answer each got:
        our (or a teammate's) first message after theirs, and the first reply sent through h2h."""
        params: list[Any] = [since, until]
        only = ""
        if person_ids is not None:
            only = f" AND c.person_id IN ({','.join('?' * len(person_ids))})"
            params += list(person_ids)
        return self._q(
            f"""SELECT c.id, c.key, c.source, c.platform, c.section, c.state, c.first_at, p.handle, p.name,
                  (SELECT min(m.created_at) FROM mentions m
                   WHERE m.role != 'person' AND m.created_at >= c.first_at
                     AND (m.conversation_id = c.id
                          OR (m.source = c.source AND m.thread_root = c.thread_root
                              AND m.in_reply_to IN (SELECT remote_id FROM mentions
                                                    WHERE conversation_id = c.id AND role = 'person')))
                  ) AS first_reply_at,
                  (SELECT min(r.sent_at) FROM replies r
                   WHERE r.conversation = c.key AND {_SENT} AND r.sent_at >= c.first_at) AS first_sent_at
                FROM conversations c JOIN persons p ON p.id = c.person_id
                WHERE c.first_at >= ? AND c.first_at < ?{only}
                  AND EXISTS (SELECT 1 FROM mentions m WHERE m.conversation_id = c.id AND m.role = 'person')
                ORDER BY c.first_at, c.id""", params).fetchall()

    def stats_backlog(self, now: str) -> list[Row]:
        """What the queue holds now (open, or snoozed until a time that has passed)."""
        return self._q(
            """SELECT c.key, c.source, c.platform, c.section, c.waiting_since, c.last_at, p.handle, p.name
               FROM conversations c JOIN persons p ON p.id = c.person_id
               WHERE c.active = 1 AND (c.state = 'open' OR c.snooze_until <= ?)
               ORDER BY COALESCE(c.waiting_since, c.last_at), c.id""", (now,)).fetchall()

    def stats_daily(self, since: str, until: str) -> list[Row]:
        """Messages per UTC day, source and role ('person', 'me', 'team')."""
        return self._q(
            f"""SELECT substr(created_at, 1, 10) AS day, source, role, count(*) AS n FROM mentions
                WHERE created_at >= :since AND created_at < :until GROUP BY day, source, role
                UNION ALL
                SELECT substr(r.sent_at, 1, 10) AS day, r.source, 'me' AS role, count(*) AS n FROM replies r
                WHERE {_SENT} AND r.sent_at >= :since AND r.sent_at < :until
                  AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.source = r.source AND m.remote_id = r.remote_id)
                GROUP BY day, r.source
                ORDER BY day""", {"since": since, "until": until}).fetchall()
