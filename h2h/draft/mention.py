"""The mention a reply needs on each platform, so the person is told we answered.

Mastodon notifies only the accounts a post mentions, so a reply starts with
their full handle (@user@instance). Stack Exchange notifies a commenter only
through @name. Bluesky, X (API v2 fills in reply mentions itself), GitHub,
Reddit, Lemmy, Discourse and Hacker News notify through the reply itself.
"""

from __future__ import annotations

import re

from h2h.textutil import inert

NEEDS_MENTION = frozenset({"mastodon", "stackexchange"})


def mention_for(platform: str, handle: str, name: str = "") -> str:
    """The mention our reply starts with. It is text we send in our name: a handle's
    escapes, controls and bidi overrides are not copied into it."""
    if platform not in NEEDS_MENTION:
        return ""
    handle, name = inert(handle), inert(name)
    if platform == "stackexchange":
        who = re.sub(r"\s+", "", name or handle.lstrip("@"))
        return "@" + who if who else ""
    handle = handle.strip()
    if not handle:
        return ""
    return handle if handle.startswith("@") else "@" + handle


def has_mention(text: str, mention: str) -> bool:
    if not mention:
        return True
    return re.search(r"(?<![\w@])" + re.escape(mention) + r"(?![\w@.-]|\.\w)", text, re.I) is not None
