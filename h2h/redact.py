"""Secrets never leave the process: every secret h2h reads is registered here,
and every message, log line and error passes through `redact()`.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_secrets: set[str] = set()
MASK = "***"


def register(secret: str | None) -> None:
    # Very short values would mask ordinary words; real tokens are longer.
    if secret and len(secret) >= 6:
        with _lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    if not _secrets:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def clip(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, redacted before it is cut: cutting first would
    leave a secret that straddles the cut unrecognised, and shown but for its tail."""
    return redact(text)[:limit]
