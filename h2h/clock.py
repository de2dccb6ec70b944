"""Time: the one place h2h reads the clock, and how it reads and writes times.

`H2H_NOW` freezes the clock (tests, reproducible demos). Stored times are
ISO 8601 UTC strings with a `Z`, which sort as text.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone

from h2h.errors import UsageError

UTC = timezone.utc
MAX_DURATION = timedelta(days=100 * 365)   # a snooze, a backfill, a window: longer is a typo
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def now() -> datetime:
    frozen = os.environ.get("H2H_NOW")
    if frozen:
        try:
            at = parse_time(frozen)
        except ValueError:
            raise UsageError(f"H2H_NOW={frozen!r} is not an ISO 8601 time",
                             hint="Use a form like 2026-11-20T10:00:00Z, or unset H2H_NOW.") from None
        # Windows reach MAX_DURATION either side of now: a year 1 or 9999 clock would leave the calendar.
        if not EARLIEST <= at <= LATEST:
            raise UsageError(f"H2H_NOW={frozen!r} is outside the years {EARLIEST.year}-{LATEST.year - 1} h2h works in",
                             hint="Use a form like 2026-11-20T10:00:00Z, or unset H2H_NOW.")
        return at
    return datetime.now(UTC)


def parse_time(value: str | int | float) -> datetime:
    """Read an ISO 8601 string (any offset; naive means UTC), an RFC 2822 date (as feeds
    send), or a Unix time. Anything else, or a time UTC cannot hold, is a ValueError."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"{value!r} is not a time")
    if isinstance(value, (int, float)):
        return _from_epoch(value)
    text = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return _from_epoch(float(text))
    parsed = _iso(text) or _rfc2822(text)
    if parsed is None:
        raise ValueError(f"{value!r} is not an ISO 8601 time")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value!r} is out of range once in UTC") from None


def _iso(text: str) -> datetime | None:
    if text[-1:] in ("z", "Z"):
        text = text[:-1] + "+00:00"
    if len(text) > 10 and text[10] == "t":
        text = text[:10] + "T" + text[11:]
    # More than microseconds (nanoseconds from some APIs): keep six digits.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _rfc2822(text: str) -> datetime | None:
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _from_epoch(seconds: float) -> datetime:
    if seconds > 1e11:  # milliseconds, as some APIs send
        seconds /= 1000.0
    if seconds != seconds:  # NaN
        raise ValueError("NaN is not a time")
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{seconds!r} is out of range for a time") from None


def iso(moment: datetime) -> str:
    """The stored and shown form: UTC, seconds precision, `Z`. What orders messages keeps
    every digit the platform gave: micros()."""
    m = moment.astimezone(UTC)
    # Formatted by hand: strftime writes year 1 as "1", which neither sorts nor parses back.
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """Microseconds since 1970 (UTC), negative before: a moment at full precision, as an
    integer that sorts (stored beside a message's time, `mentions.created_us`)."""
    return (moment.astimezone(UTC) - _EPOCH) // _US


def from_iso(text: str) -> datetime:
    """The inverse of iso(); fromisoformat is ten times faster than strptime."""
    if len(text) != 20 or text[-1] != "Z":
        raise ValueError(f"{text!r} is not a stored time (YYYY-MM-DDTHH:MM:SSZ)")
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")


def parse_duration(text: str) -> timedelta:
    """'90s', '30m', '4h', '2d', '1w', '1h30m'."""
    cleaned = str(text).strip().lower().replace(" ", "")
    if not cleaned or not re.fullmatch(r"(?:\d+(?:\.\d+)?[smhdw])+", cleaned):
        raise ValueError(f"{text!r} is not a duration; use forms like 90s, 30m, 4h, 2d, 1w or 1h30m")
    seconds = sum(float(n) * _UNITS[u] for n, u in _DURATION.findall(cleaned))
    if not seconds <= MAX_DURATION.total_seconds():  # also inf and nan, from 400 digits
        raise ValueError(f"{text!r} is longer than 100 years")
    return timedelta(seconds=seconds)


def human_duration(seconds: float) -> str:
    """A short, rounded age: '45s', '12m', '3h 5m', '2d 4h', '3w'."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        h, m = divmod(s // 60, 60)
        return f"{h}h {m}m" if m else f"{h}h"
    if s < 14 * 86400:
        d, h = divmod(s // 3600, 24)
        return f"{d}d {h}h" if h else f"{d}d"
    return f"{s // 604800}w"


def parse_when(text: str, *, at: datetime | None = None) -> datetime:
    """A moment for --since/--until: a duration back from now ('2h', '7d') or a time
    ('2026-11-20', '2026-11-20T10:00:00Z')."""
    try:
        return (at or now()) - parse_duration(text)
    except ValueError as exc:
        if "longer than" in str(exc):
            raise
    try:
        return parse_time(text)
    except ValueError:
        raise ValueError(f"{text!r} is neither a duration (30m, 4h, 7d) nor a time (2026-11-20, "
                         "2026-11-20T10:00:00Z)") from None
