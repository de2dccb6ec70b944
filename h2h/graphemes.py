"""Count user-perceived characters (grapheme clusters), as Bluesky's 300 limit does.

Bluesky counts graphemes (Unicode UAX #29 extended clusters): "👍🏽" is one,
"🇫🇷" is one, "é" written as e + U+0301 is one. Python's len() counts code
points, which would over-count emoji-heavy replies and make drafts look too
long. This is a compact implementation of the rules that matter for text
people write (combining marks, variation selectors, emoji modifiers and ZWJ
sequences, flags, Hangul syllables, CR LF). It differs from UAX #29 only on
rare characters (prepended concatenation marks, a few Indic conjunct rules);
the server's own answer stays the final word (a 400, mapped to SourceError).
"""

from __future__ import annotations

import unicodedata
from typing import Iterator

_ZWJ = 0x200D


def _extend(cp: int, cat: str) -> bool:
    return (cat in ("Mn", "Me", "Mc")
            or 0xFE00 <= cp <= 0xFE0F          # variation selectors
            or 0x1F3FB <= cp <= 0x1F3FF        # emoji skin-tone modifiers
            or 0xE0020 <= cp <= 0xE007F        # emoji tag sequences (subdivision flags)
            or 0xE0100 <= cp <= 0xE01EF        # variation selectors supplement
            or cp == 0x200C)                   # ZWNJ


def _pictographic(cp: int) -> bool:
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2300 <= cp <= 0x23FF
            or 0x2B00 <= cp <= 0x2BFF or cp in (0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D))


def _regional(cp: int) -> bool:
    return 0x1F1E6 <= cp <= 0x1F1FF


def _hangul(cp: int) -> str:
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return "L"
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return "V"
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return "T"
    if 0xAC00 <= cp <= 0xD7A3:
        return "LV" if (cp - 0xAC00) % 28 == 0 else "LVT"
    return ""


def clusters(text: str) -> Iterator[str]:
    """The grapheme clusters of `text`, in order."""
    start = 0
    prev_cp = -1
    prev_hangul = ""
    ri_run = 0            # regional indicators in the current cluster
    pictographic = False  # the cluster started with an emoji (ZWJ may join the next one)
    for i, ch in enumerate(text):
        cp = ord(ch)
        cat = unicodedata.category(ch)
        hangul = _hangul(cp)
        if i == 0:
            join = True
        elif prev_cp == 0x0D and cp == 0x0A:
            join = True
        elif prev_cp in (0x0A, 0x0D) or cat in ("Cc", "Zl", "Zp") and cp != _ZWJ:
            join = False
        elif _extend(cp, cat) or cp == _ZWJ:
            join = True
        elif prev_cp == _ZWJ and pictographic and _pictographic(cp):
            join = True
        elif _regional(cp) and _regional(prev_cp) and ri_run % 2 == 1:
            join = True
        elif prev_hangul == "L" and hangul in ("L", "V", "LV", "LVT"):
            join = True
        elif prev_hangul in ("LV", "V") and hangul in ("V", "T"):
            join = True
        elif prev_hangul in ("LVT", "T") and hangul == "T":
            join = True
        else:
            join = False
        if not join:
            yield text[start:i]
            start = i
            ri_run = 0
            pictographic = False
        if i == start:
            pictographic = _pictographic(cp)
        ri_run = ri_run + 1 if _regional(cp) else ri_run
        if not (_extend(cp, cat) or cp == _ZWJ):
            prev_hangul = hangul
        prev_cp = cp
    if text:
        yield text[start:]


def count(text: str) -> int:
    return sum(1 for _ in clusters(text))


def cut(text: str, limit: int) -> str:
    """The longest prefix of `text` holding at most `limit` clusters (never splits one)."""
    out: list[str] = []
    for n, cluster in enumerate(clusters(text)):
        if n >= limit:
            break
        out.append(cluster)
    return "".join(out)
