"""Whose handle is it: ours, a teammate's, someone else's. Apart from people.py so
that commands which only compare handles (every `h2h queue`) skip its regular
expressions.
"""

from __future__ import annotations

from typing import Iterable


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
