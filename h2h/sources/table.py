"""Reading a `[sources.NAME]` table: each problem names its key and the fix."""

from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import urlsplit

from h2h.errors import ConfigError


def base_url(name: str, table: Mapping[str, Any], default: str | None = None) -> str:
    value = table.get("url", default)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"sources.{name}.url is required", hint="Set url to the site's address, e.g. https://forum.example.com.")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"sources.{name}.url must be an http(s) address, not {value!r}",
                          hint="Write it in full, e.g. https://forum.example.com.")
    return value.strip().rstrip("/")


def words(name: str, table: Mapping[str, Any], key: str = "keywords") -> tuple[str, ...]:
    """A list of search terms; a single string is one term."""
    value = table.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"sources.{name}.{key} must be a list of strings", hint=f'e.g. {key} = ["acme", "acme.io"]')
    return tuple(v.strip() for v in value if v.strip())


def text(name: str, table: Mapping[str, Any], key: str, default: str | None = None) -> str | None:
    value = table.get(key, default)
    if value is None:
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
        raise ConfigError(f"sources.{name}.{key} must be a non-empty string")
    return str(value).strip()


def whole(name: str, table: Mapping[str, Any], key: str, default: int, *, low: int = 1, high: int = 1000) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"sources.{name}.{key} must be a whole number from {low} to {high}, not {value!r}")
    return value


def flag(name: str, table: Mapping[str, Any], key: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"sources.{name}.{key} must be true or false, not {value!r}")
    return value
