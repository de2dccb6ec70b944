"""Numbers from outside, checked and clamped where they come in: a count of 2^63 stops
SQLite's writer (OverflowError), a pause of 1e10 seconds stops a source for centuries and
1e999 (infinity, to Python's JSON) or "nan" crash whatever does arithmetic with it."""

from __future__ import annotations

import math
import time
from typing import Any

MAX_COUNT = 10**12             # followers and the like: more than anyone has
MAX_PAUSE_S = 24 * 3600.0       # the longest wait a server may ask for; a day, then ask again


def count(value: Any) -> int | None:
    """A count an answer gives (followers): a whole number in 0..MAX_COUNT, else None."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return min(value, MAX_COUNT)


def number(value: Any) -> float | None:
    """A finite number, from a number or its text; None for anything else (nan, inf, words)."""
    if isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return result if math.isfinite(result) else None


def pause(value: Any) -> float | None:
    """A wait in seconds a server asks for: finite, at least 0, at most MAX_PAUSE_S."""
    seconds = number(value)
    return None if seconds is None else min(max(seconds, 0.0), MAX_PAUSE_S)


def moment(value: Any, now: float | None = None) -> float | None:
    """A Unix time a server names for the near future (a rate-limit reset): at most MAX_PAUSE_S ahead."""
    at = number(value)
    if at is None:
        return None
    now = time.time() if now is None else now
    # A time past is harmless (nothing to wait for); one before 1970 or beyond a day is not a reset.
    return min(max(at, 0.0), now + MAX_PAUSE_S)
