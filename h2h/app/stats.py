"""The figures of `h2h stats`, computed from the records the store returns. Pure:
records in, one plain dict out (the `--json` document); no clock, no I/O.

Definitions (the README's "Stats" section says the same to users):
- A conversation counts in the window when its person's first message in it falls in
  [since, until). Its *first response* is the earliest of our (or a teammate's)
  messages after that one, as fetched from the thread, and the replies sent
  through h2h (`replies.sent_at`). Outcomes are judged with everything known now.
- Median and p90 interpolate linearly between the closest ranks (as numpy's
  default and Excel's PERCENTILE.INC do).
- Within the SLA: answered in at most `sla` seconds. Missed: answered later, or
  still waiting after more than `sla`. Still waiting under the SLA, or closed
  (done, ignored) without an answer: not counted either way.
- Overall and per-source figures leave out the `noise` section; the per-section
  table shows every section.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Sequence

from h2h.clock import from_iso, iso
from h2h.models import SECTIONS, BacklogEntry, DailyCount, StatsConversation

HOUR, DAY = 3600, 86400
AGE_BUCKETS: tuple[tuple[str, float, float | None], ...] = (
    ("< 1h", 0, HOUR),
    ("1h-4h", HOUR, 4 * HOUR),
    ("4h-1d", 4 * HOUR, DAY),
    ("1d-7d", DAY, 7 * DAY),
    (">= 7d", 7 * DAY, None),
)


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation between closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def first_response_s(row: StatsConversation) -> float | None:
    """Seconds from the person's first message to our first answer, or None if none yet."""
    answers = [a for a in (row.first_reply_at, row.first_sent_at) if a]
    if not answers:
        return None
    return max(0.0, (from_iso(min(answers)) - from_iso(row.first_at)).total_seconds())


def _outcome(row: StatsConversation, now: datetime, sla_s: float) -> tuple[str, float | None, str | None]:
    """(answered|waiting|closed, response seconds, met|missed|None)."""
    response = first_response_s(row)
    if response is not None:
        return "answered", response, "met" if response <= sla_s else "missed"
    if row.state in ("done", "ignored", "answered"):
        return "closed", None, None
    waited = (now - from_iso(row.first_at)).total_seconds()
    return "waiting", None, "missed" if waited > sla_s else None


def _summary(outcomes: Iterable[tuple[str, float | None, str | None]]) -> dict[str, Any]:
    counts = {"answered": 0, "waiting": 0, "closed": 0}
    times: list[float] = []
    sla = {"met": 0, "missed": 0}
    n = 0
    for kind, response, verdict in outcomes:
        n += 1
        counts[kind] += 1
        if response is not None:
            times.append(response)
        if verdict:
            sla[verdict] += 1
    judged = sla["met"] + sla["missed"]
    return {
        "conversations": n, **counts,
        "first_response": {"count": len(times), "median_s": _round(quantile(times, 0.5)),
                           "p90_s": _round(quantile(times, 0.9))},
        "sla": {**sla, "share": round(sla["met"] / judged, 4) if judged else None},
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def compute(conversations: Sequence[StatsConversation], backlog: Sequence[BacklogEntry],
            daily: Sequence[DailyCount], *, since: datetime, until: datetime, now: datetime,
            sla_s: float, top: int = 5) -> dict[str, Any]:
    judged = [(row, _outcome(row, now, sla_s)) for row in conversations]
    counted = [(row, out) for row, out in judged if row.section != "noise"]
    sources = sorted({row.source for row, _ in counted})
    return {
        "since": iso(since), "until": iso(until), "sla_s": sla_s,
        "overall": _summary(out for _, out in counted),
        "by_source": [{"source": s, **_summary(out for row, out in counted if row.source == s)} for s in sources],
        "by_section": [{"section": s, **_summary(out for row, out in judged if row.section == s)}
                       for s in SECTIONS],
        "backlog": _backlog(backlog, now, sla_s),
        "per_day": _per_day(daily, since, until),
        "waiting_longest": _longest(backlog, now, sla_s, top),
    }


def _waiting(row: BacklogEntry, now: datetime) -> float:
    since = row.waiting_since or row.last_at
    return max(0.0, (now - from_iso(since)).total_seconds())


def _backlog(rows: Sequence[BacklogEntry], now: datetime, sla_s: float) -> dict[str, Any]:
    work = [r for r in rows if r.section != "noise"]
    ages = [_waiting(r, now) for r in work]
    return {
        "total": len(work),
        "past_sla": sum(1 for a in ages if a > sla_s),
        "noise": len(rows) - len(work),
        "by_age": [{"label": label, "min_s": low, "max_s": high,
                    "count": sum(1 for a in ages if a >= low and (high is None or a < high))}
                   for label, low, high in AGE_BUCKETS],
        "by_section": {s: sum(1 for r in work if r.section == s) for s in SECTIONS if s != "noise"},
    }


def _per_day(rows: Sequence[DailyCount], since: datetime, until: datetime) -> list[dict[str, Any]]:
    first: date = since.date()
    last: date = (until - timedelta(microseconds=1)).date() if until > since else first
    days = {first + timedelta(days=i): {"from_people": 0, "from_us": 0} for i in range((last - first).days + 1)}
    for row in rows:
        day = date.fromisoformat(row.day)
        if day in days:
            days[day]["from_people" if row.role == "person" else "from_us"] += row.n
    return [{"date": d.isoformat(), **v} for d, v in days.items()]


def _longest(rows: Sequence[BacklogEntry], now: datetime, sla_s: float, top: int) -> list[dict[str, Any]]:
    work = sorted((r for r in rows if r.section != "noise"), key=lambda r: -_waiting(r, now))
    return [{"id": r.key, "section": r.section, "source": r.source, "platform": r.platform,
             "handle": r.handle, "name": r.name, "waiting_s": int(_waiting(r, now)),
             "past_sla": _waiting(r, now) > sla_s} for r in work[:top]]
