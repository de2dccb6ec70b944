"""The rows `h2h stats` and `h2h sources` count (the figures themselves: h2h/app/stats.py)."""

from __future__ import annotations

from typing import Any, Sequence

from h2h.models import BacklogEntry, DailyCount, StatsConversation
from h2h.store.sqlite import rows
from h2h.store.sqlite.base import Base
from h2h.store.sqlite.chunks import marks

# Replies sent through h2h count once: a sent reply that came back in a fetch is
# already a mention of ours.
_SENT = "r.status IN ('sent', 'manual') AND r.sent_at IS NOT NULL"
_stats, _backlog, _daily = rows.maker(StatsConversation), rows.maker(BacklogEntry), rows.maker(DailyCount)


class StatsQueries(Base):
    def stats_conversations(self, since: str, until: str,
                            person_ids: Sequence[int] | None = None) -> list[StatsConversation]:
        params: list[Any] = [since, until]
        only = ""
        if person_ids is not None:
            only = f" AND c.person_id IN ({marks(person_ids)})"
            params += list(person_ids)
        return self._all(_stats, f"""
            SELECT c.id, c.key, c.source, c.platform, c.section, c.state, c.first_at, p.handle, p.name,
              (SELECT min(m.created_at) FROM mentions m
               WHERE m.role != 'person' AND m.created_at >= c.first_at
                 AND (m.conversation_id = c.id
                      OR (m.source = c.source AND m.thread_root = c.thread_root
                          AND m.in_reply_to IN (SELECT remote_id FROM mentions
                                                WHERE conversation_id = c.id AND role = 'person')))),
              (SELECT min(r.sent_at) FROM replies r WHERE r.conversation = c.key AND {_SENT} AND r.sent_at >= c.first_at)
            FROM conversations c JOIN persons p ON p.id = c.person_id
            WHERE c.first_at >= ? AND c.first_at < ?{only}
              AND EXISTS (SELECT 1 FROM mentions m WHERE m.conversation_id = c.id AND m.role = 'person')
            ORDER BY c.first_at, c.id""", params)

    def stats_backlog(self, now: str) -> list[BacklogEntry]:
        return self._all(_backlog, """
            SELECT c.key, c.source, c.platform, c.section, c.waiting_since, c.last_at, p.handle, p.name
            FROM conversations c JOIN persons p ON p.id = c.person_id
            WHERE c.active = 1 AND (c.state = 'open' OR c.snooze_until <= ?)
            ORDER BY COALESCE(c.waiting_since, c.last_at), c.id""", (now,))

    def stats_daily(self, since: str, until: str) -> list[DailyCount]:
        return self._all(_daily, f"""
            SELECT substr(created_at, 1, 10) AS day, source, role, count(*) AS n FROM mentions
            WHERE created_at >= :since AND created_at < :until GROUP BY day, source, role
            UNION ALL
            SELECT substr(r.sent_at, 1, 10) AS day, r.source, 'me' AS role, count(*) AS n FROM replies r
            WHERE {_SENT} AND r.sent_at >= :since AND r.sent_at < :until
              AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.source = r.source AND m.remote_id = r.remote_id)
            GROUP BY day, r.source
            ORDER BY day""", {"since": since, "until": until})

    def source_counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for source, n in self._q("SELECT source, count(*) FROM mentions GROUP BY source"):
            out.setdefault(source, {"mentions": 0, "conversations": 0, "open": 0})["mentions"] = n
        for source, n, waiting in self._q("""SELECT source, count(*), sum(active = 1 AND section = 'reply'
                                                                          AND state = 'open')
                                             FROM conversations GROUP BY source"""):
            entry = out.setdefault(source, {"mentions": 0, "conversations": 0, "open": 0})
            entry["conversations"], entry["open"] = n, waiting or 0
        return out
