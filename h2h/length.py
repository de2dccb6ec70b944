"""Text length as platforms count it: grapheme clusters (what people see as one
character, UAX #29 through `regex`), Mastodon's count, and X's weighted length.
Used by the drafter (fit a reply) and by adapters (refuse what the platform would).

X's weighted post length (twitter-text v3):

The rules (twitter-text config/v3.json): text is NFC-normalised; each code point
weighs 2, except U+0000-U+10FF, U+2000-U+200D, U+2010-U+201F and U+2032-U+2037,
which weigh 1; an emoji sequence (ZWJ families, skin tones, flags, keycaps, tag
sequences) weighs 2 whatever its length; a URL weighs 23 whatever its length.
The limit is 280.

Where this module cannot be sure of what X does it counts more, never less: a
draft it accepts is never refused for its length.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_regex: Any = None


def _re() -> Any:
    # `regex` implements Unicode's grapheme cluster rules (UAX #29) with current tables;
    # imported on first use so that commands which never count pay nothing.
    global _regex
    if _regex is None:
        import regex

        _regex = regex
    return _regex


def graphemes(text: str) -> list[str]:
    """User-perceived characters: "👍🏽", "🇫🇷" and e + U+0301 are one each."""
    return _re().findall(r"\X", text)


def count_graphemes(text: str) -> int:
    return len(graphemes(text))


def cut(text: str, limit: int) -> str:
    """The first `limit` grapheme clusters of `text`, never half a character."""
    return "".join(graphemes(text)[:max(0, limit)])


MASTODON_URL_WEIGHT = 23
_MASTODON_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]}'»]", re.I)
# Mastodon's own mention pattern: a remote mention counts only up to its first "@" part.
_MASTODON_MENTION = re.compile(r"(?<![=/\w])@(\w+(?:[\w.-]+\w)?)(?:@[\w.-]+\w)?", re.I)


def mastodon_length(text: str) -> int:
    """Mastodon's StatusLengthValidator: graphemes, a URL as 23, `@user@domain` as `@user`."""
    rewritten = _MASTODON_URL.sub("x" * MASTODON_URL_WEIGHT, text)
    rewritten = _MASTODON_MENTION.sub(lambda m: "@" + m.group(1), rewritten)
    return count_graphemes(rewritten)


# --- X ------------------------------------------------------------------------

MAX_WEIGHTED = 280
URL_WEIGHT = 23
_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))

# --- emoji -------------------------------------------------------------------
# Code points that start an emoji. U+00A9/U+00AE are counted as emoji even when
# X might not (2 instead of 1): the safe side.
_BASE = ("[\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf"
         "\u23e9-\u23f3\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u27bf"
         "\u2934\u2935\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299\U0001F000-\U0001FAFF]")
_MOD = "[\ufe0e\ufe0f\U0001F3FB-\U0001F3FF]"
_EMOJI = re.compile(
    r"[0-9#*]\ufe0f?\u20e3"                                   # keycaps
    r"|[\U0001F1E6-\U0001F1FF]{2}"                            # flags
    rf"|{_BASE}{_MOD}*[\U000E0020-\U000E007F]*(?:\u200d{_BASE}{_MOD}*)*"  # sequences, tags, ZWJ
)

# --- URLs --------------------------------------------------------------------
_SCHEME_URL = re.compile(r"(?i)\bhttps?://([^\s/?#<>\"'\u2066-\u2069\u202a-\u202e]+)([/?#][^\s<>\"\u2066-\u2069\u202a-\u202e]*)?")
_BARE_URL = re.compile(r"(?<![\w@#$./:-])((?:[^\W_][\w-]*\.)+([^\W\d_]{2,}))(/[^\s<>\"]*)?(?![\w@-])")
_TRAILING = ".,;:!?'\")]}"
# Generic TLDs X links without a scheme (2-letter country codes follow their own rule below).
_GTLDS = frozenset("""com net org info biz edu gov mil int name pro aero coop museum mobi asia tel travel jobs cat
xyz app dev io ai online site tech store blog cloud page shop club live news top icu vip link social systems digital
email agency website space world today network solutions software tools studio media design company group team zone
global work life art fun games guru help host ink land ltd market money one plus press run services support wiki""".split())
# Country-code TLDs X links even as a bare `name.tld` (otherwise it needs a path or a subdomain).
_SPECIAL_CC = frozenset({"co", "tv"})


def _host_ok(host: str) -> bool:
    host = host.rsplit("@", 1)[-1]
    if host.startswith("["):
        return host.endswith("]") or "]:" in host
    host = re.sub(r":\d+$", "", host)
    labels = host.split(".")
    if len(labels) < 2 or not all(labels):
        return False
    if re.fullmatch(r"[\d.]+", host):
        return len(labels) == 4 and all(0 <= int(x) <= 255 for x in labels)
    for i, label in enumerate(labels):
        if label.startswith("-") or label.endswith("-") or "%" in label:
            return False
        if "_" in label and i >= len(labels) - 2:   # underscores only in subdomains
            return False
        try:
            label.encode("idna")                  # 63 octets at most once punycoded
        except UnicodeError:
            if len(label) > 63 or not label.isascii():
                return False
    return not any(ch.isdigit() for ch in labels[-1])


def _trim(url: str) -> str:
    while url and url[-1] in _TRAILING:
        url = url[:-1]
    return url


def _url_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in _SCHEME_URL.finditer(text):
        if _host_ok(m.group(1)):
            spans.append((m.start(), m.start() + len(_trim(m.group()))))
    taken = [range(a, b) for a, b in spans]
    for m in _BARE_URL.finditer(text):
        if any(m.start() in r for r in taken):
            continue
        domain, tld, path = m.group(1), m.group(2).lower(), m.group(3)
        if not _host_ok(domain):
            continue
        if len(tld) == 2:
            if not (path or domain.count(".") >= 2 or tld in _SPECIAL_CC):
                continue
        elif tld not in _GTLDS:
            continue
        spans.append((m.start(), m.start() + len(_trim(m.group()))))
    return sorted(spans)


def _char_weight(ch: str) -> int:
    cp = ord(ch)
    return 1 if any(lo <= cp <= hi for lo, hi in _LIGHT) else 2


def _plain_weight(text: str) -> int:
    total, pos = 0, 0
    for m in _EMOJI.finditer(text):
        total += sum(_char_weight(ch) for ch in text[pos:m.start()]) + 2
        pos = m.end()
    return total + sum(_char_weight(ch) for ch in text[pos:])


def weighted_length(text: str) -> int:
    """The length X counts against its 280 limit."""
    text = unicodedata.normalize("NFC", text)
    total, pos = 0, 0
    for start, end in _url_spans(text):
        total += _plain_weight(text[pos:start]) + URL_WEIGHT
        pos = end
    return total + _plain_weight(text[pos:])


def fits(text: str, limit: int = MAX_WEIGHTED) -> bool:
    return 0 < weighted_length(text) <= limit
