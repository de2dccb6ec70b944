"""What fetching has read of each source: where to resume (cursors), how its last
fetches went (source_status, for `h2h sources`), and when each thread was last read
(so a conversation answered on the platform itself leaves the queue)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from h2h import clock
from h2h.models import Mention, SourceStatus
from h2h.store.common import to_json
from h2h.store.sqlite import rows
from h2h.store.sqlite.base import Base

_STATUS = rows.columns(SourceStatus)
_status = rows.maker(SourceStatus)


class CursorQueries(Base):
    def get_cursor(self, source: str) -> str | None:
        value: str | None = self._value("SELECT cursor FROM cursors WHERE source = ?", (source,))
        return value

    def set_cursor(self, source: str, cursor: str | None) -> None:
        self._q("""INSERT INTO cursors (source, cursor, updated_at) VALUES (?, ?, ?)
                   ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at""",
                (source, cursor, clock.iso(clock.now())))

    def record_fetch(self, source: str, type_: str, *, at: str, ok: bool, duration_s: float, fetched: int,
                     new: int, error: tuple[str, str, str] | None = None,
                     rate_limit: Mapping[str, Any] | None = None) -> None:
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
                 "rate": to_json(dict(rate_limit)) if rate_limit else None})

    def record_account(self, source: str, type_: str, account: str | None,
                       rate_limit: Mapping[str, Any] | None = None) -> None:
        now = clock.iso(clock.now())
        self._q("""INSERT INTO source_status (source, type, account, rate_limit, rate_seen_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (source) DO UPDATE SET type = excluded.type,
                     account = COALESCE(excluded.account, source_status.account),
                     rate_limit = COALESCE(excluded.rate_limit, source_status.rate_limit),
                     rate_seen_at = COALESCE(excluded.rate_seen_at, source_status.rate_seen_at)""",
                (source, type_, account, to_json(dict(rate_limit)) if rate_limit else None,
                 now if rate_limit else None))

    def source_statuses(self) -> dict[str, SourceStatus]:
        return {s.source: s for s in self._rows(_status, f"SELECT {_STATUS} FROM source_status ORDER BY source")}

    def mark_thread_checked(self, source: str, remote_ids: Iterable[str], at: str) -> None:
        self._many("""INSERT INTO thread_checks (source, remote_id, checked_at) VALUES (?, ?, ?)
                      ON CONFLICT (source, remote_id) DO UPDATE SET checked_at = excluded.checked_at""",
                   [(source, remote_id, at) for remote_id in remote_ids])

    def threads_to_recheck(self, source: str, before: str, limit: int) -> list[Mention]:
        return self._all(rows.platform_mention, f"""
            SELECT {rows.PLATFORM_MENTION}
            FROM conversations c
            JOIN mentions m ON m.id = c.latest_mention_id
            JOIN persons p ON p.id = m.person_id
            LEFT JOIN thread_checks t ON t.source = m.source AND t.remote_id = m.remote_id
            WHERE c.source = ? AND c.active = 1 AND c.state = 'open' AND m.role = 'person'
              AND COALESCE(t.checked_at, m.ingested_at) < ?
            ORDER BY c.last_at DESC LIMIT ?""", (source, before, limit))
