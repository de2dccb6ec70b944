"""The platform's order of a conversation's messages: the reply chain first (a message
never comes before the one it answers), then the full-precision time, then the
platform's own id where ids grow with time, then the order they arrived in.

Never by whole seconds alone: an import or a platform without fractions of a second
puts a question, our answer and their follow-up in the same second, and only the chain
or the ids tell them apart.

Pure: rows in (mappings with `remote_id`, `in_reply_to`, `created_us`, `id`, and
`created_at` where `created_us` is NULL), the same rows out, ordered.
"""

from __future__ import annotations

import heapq
import re
from typing import Any, Mapping, Sequence, TypeVar

from h2h import clock

R = TypeVar("R", bound=Mapping[str, Any])

# Platforms whose ids grow with time: Mastodon's and X's are snowflakes (decimal, a
# millisecond time in their high bits; Pleroma's and Akkoma's flake ids sort as text),
# Bluesky's record keys are TIDs (base32, microseconds since 1970, then a clock id).
TIME_ORDERED = frozenset({"mastodon", "x", "twitter", "bluesky"})
_TID = re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}")


def id_key(platform: str, remote_id: str) -> tuple[int, str]:
    """What orders two ids of the platform by time; (0, '') when its ids say nothing of time."""
    if platform not in TIME_ORDERED:
        return (0, "")
    if platform == "bluesky":
        rkey = remote_id.rsplit("/", 1)[-1]  # at://did/app.bsky.feed.post/<TID>
        return (1, rkey) if _TID.fullmatch(rkey) else (0, "")
    return (len(remote_id), remote_id)  # decimal ids of growing length compare as numbers


def key(row: Mapping[str, Any], platform: str) -> tuple[int, tuple[int, str], int]:
    us = row["created_us"]
    if us is None:  # stored before full precision was kept: its whole seconds are all there is
        us = clock.micros(clock.from_iso(row["created_at"]))
    return (us, id_key(platform, row["remote_id"]), row["id"] or 0)


def ordered(rows: Sequence[R], platform: str) -> list[R]:
    """The rows in the platform's order. A reply waits for the message it answers when
    that message is among the rows; otherwise (and between branches) time decides."""
    if len(rows) < 2:
        return list(rows)
    keys = [key(r, platform) for r in rows]
    by_remote = {r["remote_id"]: i for i, r in enumerate(rows)}
    children: dict[int, list[int]] = {}
    ready: list[tuple[tuple[int, tuple[int, str], int], int]] = []
    for i, r in enumerate(rows):
        parent = by_remote.get(r["in_reply_to"]) if r["in_reply_to"] else None
        if parent is None or parent == i:
            ready.append((keys[i], i))
        else:
            children.setdefault(parent, []).append(i)
    heapq.heapify(ready)
    out: list[R] = []
    placed = [False] * len(rows)
    while ready:
        _, i = heapq.heappop(ready)
        placed[i] = True
        out.append(rows[i])
        for child in children.get(i, ()):
            heapq.heappush(ready, (keys[child], child))
    if len(out) < len(rows):  # a cycle of replies (broken data): by time, after the rest
        out += [rows[i] for i in sorted((i for i in range(len(rows)) if not placed[i]), key=keys.__getitem__)]
    return out
