"""Reading an adapter's own keys from its `[sources.NAME]` table.

Each reader names the exact key in its error (`sources.hn.page_size`) so the
user knows which line to fix; config.py has already checked `type`, `url`,
`token_env` and `token_cmd`.
"""

from __future__ import annotations

from typing import Any, Mapping

from h2h.clock import parse_duration
from h2h.errors import ConfigError


def _key(name: str, key: str) -> str:
    return f"sources.{name}.{key}"


def text(name: str, table: Mapping[str, Any], key: str, default: str | None = None, *,
         required: bool = False, example: str = "") -> str | None:
    value = table.get(key, default)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # ids written as numbers (user_id = 12345)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigError(f"{_key(name, key)} is required" + (f", e.g. {key} = {example}" if example else ""),
                              hint="Add it to the source's table; config.example.toml shows one.")
        return default
    if not isinstance(value, str):
        raise ConfigError(f"{_key(name, key)} must be a string, not {value!r}")
    return value.strip()


def strings(name: str, table: Mapping[str, Any], key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    value = table.get(key)
    if value is None:
        return default
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{_key(name, key)} must be a list of non-empty strings, not {value!r}")
    return tuple(v.strip() for v in value)


def integer(name: str, table: Mapping[str, Any], key: str, default: int, *, low: int, high: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{_key(name, key)} must be a whole number from {low} to {high}, not {value!r}")
    return value


def flag(name: str, table: Mapping[str, Any], key: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{_key(name, key)} must be true or false, not {value!r}")
    return value


def duration(name: str, table: Mapping[str, Any], key: str, default: str) -> float:
    """A positive duration in seconds (`"7d"`, `"12h"`, `"1h30m"`)."""
    value = table.get(key, default)
    try:
        seconds = parse_duration(value).total_seconds() if isinstance(value, str) else 0.0
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise ConfigError(f"{_key(name, key)} must be a duration such as \"7d\" or \"12h\", not {value!r}")
    return seconds


BACKFILL = "7d"  # every source's default: the first fetch brings the last week


def lookback(name: str, table: Mapping[str, Any], default: str = BACKFILL) -> float:
    """How far back the very first fetch reaches, in seconds (`backfill = "7d"`)."""
    return duration(name, table, "backfill", default)


def url(name: str, table: Mapping[str, Any], default: str | None = None) -> str:
    """The API base; required when the platform has no public default (self-hosted forums)."""
    from urllib.parse import urlsplit

    value = text(name, table, "url", default, required=default is None, example='"https://forum.example.com"')
    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{_key(name, 'url')} must start with https:// (or http:// for a local server), "
                          f"not {value!r}", hint="Write it in full, e.g. https://forum.example.com.")
    return (value or "").rstrip("/")


def backfill(name: str, table: Mapping[str, Any], problems: list[tuple[str, str]], default: str = BACKFILL) -> "timedelta":
    """How far back the first fetch reaches (`backfill = "7d"`); a bad value joins `problems`."""
    from datetime import timedelta

    try:
        return timedelta(seconds=duration(name, table, "backfill", default))
    except ConfigError as exc:
        problems.append((_key(name, "backfill"), exc.message.split(" ", 1)[1]))
        return timedelta(seconds=duration(name, {}, "backfill", default))
