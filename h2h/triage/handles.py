"""Whose handle is it: ours, a teammate's, someone else's. Apart from people.py so
that commands which only compare handles (every `h2h queue`) skip its regular
expressions.

Our accounts (`[me] handles`, `team`) are matched by platform and handle, exactly: a
handle is only unique on its own platform (anyone may be "acme" on Hacker News or name
a feed " @ACME"). An entry names its place as `PLACE:handle` (PLACE a source name or a
platform), or by its form: `@user@instance` (the fediverse), `name.domain` (Bluesky).
"""

from __future__ import annotations

import re
from typing import Iterable

FEDIVERSE = frozenset({"mastodon", "lemmy"})
_PLACE = re.compile(r"([a-z0-9][a-z0-9_.-]*):(\S+)")


def norm_handle(handle: str) -> str:
    """'@Alice@Example.Social' -> 'alice@example.social'; 'Octocat' -> 'octocat'."""
    return handle.strip().lstrip("@").lower()


def handle_set(handles: Iterable[str]) -> frozenset[str]:
    return frozenset(norm_handle(h) for h in handles if h.strip())


def account_set(entries: Iterable[str]) -> frozenset[str]:
    """Config entries for our own and our team's accounts, each as `place:handle` or a full handle."""
    out = set()
    for entry in entries:
        text = entry.strip().lower()
        placed = _PLACE.fullmatch(text)
        if placed and placed.group(1) != "did":
            out.add(f"{placed.group(1)}:{placed.group(2).removeprefix('@')}")
        elif text:
            out.add(text.lstrip("@"))
    return frozenset(out)


def unplaced(entries: Iterable[str]) -> list[str]:
    """Entries that name no place and whose form names none either: they match nothing."""
    return [e for e in entries if e.strip() and not _places(e.strip().lower().lstrip("@"))
            and not (_PLACE.fullmatch(e.strip().lower()))]


def _places(handle: str) -> frozenset[str]:
    if "@" in handle:
        return FEDIVERSE
    if "." in handle:
        return frozenset({"bluesky"})
    return frozenset()


def matches(handle: str, handles: frozenset[str]) -> bool:
    # Exact on the normalized form: adapters give full handles (@user@instance), and a
    # looser match would take a stranger on another instance for one of us.
    return norm_handle(handle) in handles


def is_account(handle: str, source: str, platform: str, accounts: frozenset[str]) -> bool:
    """Whether `handle`, seen on `source` (a `platform` source), is one of `accounts`."""
    if not accounts or not handle or handle != handle.strip():
        return False
    h = handle.lower().removeprefix("@")  # GitHub's "@acme" is "acme"; "@u@host" is "u@host"
    if f"{source.lower()}:{h}" in accounts or f"{platform.lower()}:{h}" in accounts:
        return True
    return h in accounts and platform.lower() in _places(h)


def role(handle: str, from_me: bool, me: frozenset[str], team: frozenset[str], *, source: str,
         platform: str) -> str:
    if from_me or is_account(handle, source, platform, me):
        return "me"
    if is_account(handle, source, platform, team):
        return "team"
    return "person"
