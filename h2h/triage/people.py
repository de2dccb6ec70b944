"""Who wrote a message, as far as triage cares: us, a teammate, or a person;
a VIP, a muted account, an automated one, a brand or a media outlet. Pure
functions over plain data (the store hands in a person's recent messages).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Mapping, Sequence

_BOT_HANDLE = re.compile(r"(\[bot\]$|[-_.]bot$|^bot[-_.]|bot$|^no-?reply|^notifications?$|^alerts?$)", re.I)


# Behaviour no person shows: thresholds high enough that an impatient human who writes
# "any update?" three times is not taken for a machine.
RATE_PER_DAY = 20          # messages within 24 hours
REPEATS = 5                # the same text (handles, links and numbers aside)
LINK_ONLY = 4              # posts that are a link and nothing else, all of the latest ones

# Platforms whose "authors" are sites and names typed into forms (feeds): how often one turns up in a
# feed says how busy the site or the search is, not whether a machine writes.
UNRATED_PLATFORMS = frozenset({"rss"})

_NOISE = re.compile(r"https?://\S+|www\.\S+|(?<!\w)@[\w.@-]+|\d+")
_BRAND_WORDS = frozenset((
    "news", "media", "medias", "magazine", "mag", "journal", "actu", "actus", "info", "infos", "tv", "radio",
    "press", "presse", "official", "officiel", "officielle", "store", "shop", "deals", "promo", "jobs", "univers",
    "blog", "hebdo", "daily", "weekly", "support", "help", "care", "customer", "service", "hq", "team",
))
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def behaviour_hints(recent: Sequence[Mapping[str, object]], *, platform: str = "") -> list[str]:
    """What an account's recent messages (newest first; `created_at` ISO and `text`)
    give away about automation: posting rate, identical texts, links and nothing else."""
    return hints_of([when(r["created_at"]) for r in recent], [shape(str(r["text"])) for r in recent],
                    [str(r["text"]) for r in recent[:LINK_ONLY]], by_rate=platform not in UNRATED_PLATFORMS)


def shape(text: str) -> str:
    """A message with its handles, links and numbers taken out: what repeats when a machine posts."""
    return _NOISE.sub("", text).lower().split("\n")[0][:60].strip()


def hints_of(times: Sequence[datetime], shapes: Sequence[str], latest: Sequence[str], *,
             by_rate: bool = True) -> list[str]:
    """behaviour_hints() from each message's time and shape (newest first) and the latest
    texts: for a caller that keeps those from one judgement to the next."""
    hints = []
    times = sorted(times, reverse=True)
    if times and by_rate:
        day = sum(1 for t in times if times[0] - t <= timedelta(days=1))
        if day >= RATE_PER_DAY:
            hints.append(f"{day} posts in a day")
    found, n = max(Counter(shapes).items(), key=lambda kv: kv[1], default=("", 0))
    if n >= REPEATS and len(found) >= 8:
        hints.append(f"posted the same text {n} times")
    if len(latest) >= LINK_ONLY and all(_is_link_only(t) for t in latest[:LINK_ONLY]):
        hints.append("posts only links")
    return hints


def when(value: object) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _is_link_only(text: str) -> bool:
    return bool(re.search(r"https?://|www\.", text)) and len(_NOISE.sub("", text).strip()) < 15


_ADDRESSEE = re.compile(r"(?<![\w/])@[\w.@-]+")


def addressees(text: str) -> int:
    """How many accounts a message names: a dozen means a crowd, not a conversation with us."""
    return len(set(_ADDRESSEE.findall(text[:2000])))


def brand_hints(handle: str, name: str) -> list[str]:
    """An account that presents itself as a brand, a shop or a media outlet."""
    local = handle.strip().lstrip("@").split("@", 1)[0].split(".", 1)[0]
    words = {w.lower() for w in _CAMEL.findall(local.replace("_", " ").replace("-", " "))}
    words |= {w.lower() for w in re.findall(r"\w+", name)}
    found = sorted(words & _BRAND_WORDS)
    return [f"calls itself '{found[0]}'"] if found else []


def bot_hints(handle: str, name: str) -> list[str]:
    """What the account's own name gives away. Behaviour (rate, repeats) comes from the store."""
    hints = []
    if _BOT_HANDLE.search(handle.strip().lstrip("@").split("@", 1)[0]):
        hints.append("bot-like handle")
    if re.search(r"\bbot\b|\(automated\)|\bautomated\b", name, re.I):
        hints.append("says it is automated")
    return hints
