"""Who wrote a message, as far as triage cares: us, a teammate, or a person;
a VIP, a muted account, an automated one. Pure functions over plain data.
"""

from __future__ import annotations

import re
from typing import Iterable

_BOT_HANDLE = re.compile(r"(\[bot\]$|[-_.]bot$|^bot[-_.]|bot$|^no-?reply|^notifications?$|^alerts?$)", re.I)


def norm_handle(handle: str) -> str:
    """'@Alice@Example.Social' -> 'alice@example.social'; 'Octocat' -> 'octocat'."""
    return handle.strip().lstrip("@").lower()


def handle_set(handles: Iterable[str]) -> frozenset[str]:
    return frozenset(norm_handle(h) for h in handles if h.strip())


def matches(handle: str, handles: frozenset[str]) -> bool:
    # Exact on the normalized form: adapters give full handles (@user@instance), and a
    # looser match would take a stranger on another instance for one of us.
    return norm_handle(handle) in handles


def role(handle: str, from_me: bool, me: frozenset[str], team: frozenset[str]) -> str:
    if from_me or (me and matches(handle, me)):
        return "me"
    if team and matches(handle, team):
        return "team"
    return "person"


def bot_hints(handle: str, name: str) -> list[str]:
    """What the account's own name gives away. Behaviour (rate, repeats) comes from the store."""
    hints = []
    if _BOT_HANDLE.search(handle.strip().lstrip("@").split("@", 1)[0]):
        hints.append("bot-like handle")
    if re.search(r"\bbot\b|\(automated\)|\bautomated\b", name, re.I):
        hints.append("says it is automated")
    return hints
