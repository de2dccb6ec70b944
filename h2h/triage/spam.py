"""Spam that announces itself: a link, money and urgency in one message that neither asks
us anything nor reports a problem ("Get 1000 followers cheap!!! Visit http://... now $$$",
"Gagnez 1000 abonnés pas cher !!! Visitez http://... maintenant €€€").

A rule on top of the learned signals (signals.py): the models read "visit", "buy",
"click" as a request, and an advertisement's call to action is no request to us. Each
part alone is ordinary (a person pasting a link, a price, "now"); all three together,
with no question (not even a question mark) and no complaint, are an advertisement. Pure.
"""

from __future__ import annotations

import re
from typing import Sequence

# Matched in the folded text (lowercased, accents removed, links and handles taken out),
# and currency signs in the text as written.
_MONEY_SIGNS = re.compile(r"[$€£¥₿]|\b\d+\s?(?:usd|eur|euros?|dollars?|k\$)\b", re.I)
# Selling words, not "free" or "price": a person writes those too ("free for everyone", "the price went up").
_MONEY_WORDS = frozenset("""
cheap cheapest discount discounts deal deals promo promotion earn earning earnings profit profits income cash money
giveaway crypto bitcoin gagnez gagner argent remise rabais soldes promotion
""".split())
_MONEY_PHRASES = ("pas cher", "moins cher", "bon plan", "a petit prix", "% off")
_URGENT_WORDS = frozenset("""
now today hurry limited fast quick quickly immediately instantly tonight expires expiring
maintenant aujourd'hui vite rapidement immediatement ce soir depechez depeche limitee limite
""".split())
_URGENT_PHRASES = ("act fast", "last chance", "don't miss", "dont miss", "only today", "limited time", "while it lasts",
                   "derniere chance", "offre limitee", "ne ratez pas", "temps limite", "dans la limite")
ASKS = 0.5  # a question or a complaint at least this likely: a person may be asking us, not an advertisement


def announced(text: str, folded: str, words: Sequence[str], question: float,
              complaint: float) -> tuple[str, str] | None:
    """The money and the urgency that give the advertisement away, or None. `words` are the
    message's features (features.extract: a link is the `<url>` marker)."""
    if "<url>" not in words or "?" in words or question >= ASKS or complaint >= ASKS:
        return None  # a question mark is enough: better an advertisement in the queue than a person in noise
    money = _first(words, folded, _MONEY_WORDS, _MONEY_PHRASES) or _sign(text)
    if money is None:
        return None
    urgent = _first(words, folded, _URGENT_WORDS, _URGENT_PHRASES) or ("!!!" if text.count("!") >= 3 else None)
    return (money, urgent) if urgent else None


def _first(words: Sequence[str], folded: str, single: frozenset[str], phrases: Sequence[str]) -> str | None:
    found = next((w for w in words if w in single), None)
    return found or next((p for p in phrases if p in folded), None)


def _sign(text: str) -> str | None:
    found = _MONEY_SIGNS.search(text)
    return found.group().strip() if found else None
