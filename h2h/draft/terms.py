"""Text to search terms, the same way for what we index and what we look for.

    terms("Comment j'exporte toutes mes notes ?", "fr")  ->  ["export", "not"]

Lowercase, accents folded, elisions dropped, stop words out, a light stem per
language (English: plurals, -ing, -ed, -ly, a final e; French: plurals, verb
and noun endings), then the words of h2h/data/search.toml's [same] table put
under one term, so "synchro hors ligne" and "sync offline" meet. No model and no
network: a support question names its subject in a few plain words, and BM25
over these terms finds it (measured in bench/bench_retrieval.py).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache

from h2h import paths

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_NOISE = re.compile(r"https?://\S+|www\.\S+|(?<![\w])@[\w.@-]+|\bu/\w+")
_ELISION = re.compile(r"\b(?:l|d|j|qu|n|s|c|m|t|jusqu|lorsqu|puisqu)['’]", re.I)
_WORD = re.compile(r"[a-z0-9]+")
_EN_SUFFIXES = ("ations", "ation", "ingly", "edly", "ing", "ed", "ly")
_FR_SUFFIXES = ("issements", "issement", "ements", "ement", "ations", "ation", "ateurs", "ateur", "atrices",
                "atrice", "euses", "euse", "ences", "ence", "ismes", "isme", "istes", "iste", "ables", "able",
                "erions", "eriez", "eront", "erons", "erez", "erai", "eras", "era", "aient", "ait", "ais", "ant",
                "ent", "ons", "iez", "ez", "ees", "ee", "er", "es", "e")


def fold(text: str) -> str:
    """Lowercase without accents: "Réglages" -> "reglages"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("œ", "oe").replace("æ", "ae")


def stem(word: str, lang: str) -> str:
    if word.isdigit() or len(word) <= 3:
        return word
    if lang == "fr":
        if word.endswith("aux") and len(word) > 5:
            return word[:-3] + "al"
        for suffix in _FR_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
        if word.endswith(("s", "x")) and len(word) > 4:
            word = word[:-1]
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        word = word[:-1]
    for suffix in _EN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("at" if suffix.startswith("ation") else "")
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
                word = word[:-1]   # "setting" -> "set"
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]           # "share", "sharing", "shared" -> "shar"
    return word


class Vocabulary:
    """Stop words of every language and the [same] table, analysed once."""

    def __init__(self, stop: frozenset[str], same: dict[tuple[str, ...], str]):
        self.stop = stop
        self.same = same
        self.longest = max((len(k) for k in same), default=1)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    doc = tomllib.loads(paths.DATA.joinpath("search.toml").read_text(encoding="utf-8"))
    stop: set[str] = set()
    for words in doc.get("stop", {}).values():
        for word in words.split():
            stop.update(_WORD.findall(fold(_ELISION.sub("", word))))
    same: dict[tuple[str, ...], str] = {}
    for canonical, variants in doc.get("same", {}).items():
        for variant in variants:
            for lang in ("en", "fr"):
                key = phrase(variant, lang)
                if key:
                    same.setdefault(key, canonical)
    return Vocabulary(frozenset(stop), same)


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(_ELISION.sub(" ", _NOISE.sub(" ", text))))


def phrase(text: str, lang: str = "en") -> tuple[str, ...]:
    """The stems of every word of `text`, stop words included: what a [same] variant or one
    of our names is matched against."""
    return tuple(stem(w, lang) for w in _words(text))


def terms(text: str, lang: str | None = None, *, stop: frozenset[tuple[str, ...]] = frozenset()) -> list[str]:
    """The search terms of `text`, in order (repeats kept). `stop`: phrases to leave out
    (made by `names`), such as the product's own name, which every question carries."""
    vocab = vocabulary()
    lang = lang if lang in ("en", "fr") else guess_lang(text)
    words = _words(text)
    stems = [stem(w, lang) for w in words]
    longest = max(vocab.longest, max((len(p) for p in stop), default=1))
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            key = tuple(stems[i:i + n])
            if key in stop:
                i += n
                break
            canonical = vocab.same.get(key)
            if canonical:
                out.append(canonical)
                i += n
                break
        else:
            word = words[i]
            if word not in vocab.stop and len(word) > 1:   # one letter or digit: a version's part, "x"
                out.append(stems[i])
            i += 1
    return out


def names(*phrases: str) -> frozenset[tuple[str, ...]]:
    """Our own names ("Acme Notes", "@acme@mastodon.social", "acme.bsky.social") as phrases for
    `terms(stop=...)`: each name whole, and an account's first word on its own ("acme")."""
    out: set[tuple[str, ...]] = set()
    for text in phrases:
        text = text.strip().lstrip("@")
        if not text:
            continue
        if "@" in text or "." in text:
            first = _WORD.findall(fold(re.split(r"[@.]", text)[0]))
            if first:
                out.add(tuple(stem(w, lang) for w in first for lang in ("en",)))
            continue
        for lang in ("en", "fr"):
            key = phrase(text, lang)
            if key:
                out.add(key)
    return frozenset(out)


_FR_HINTS = frozenset(fold(w) for w in "le la les des du est une pour avec dans sur vous nous je mes mon ma pas que qui "
                      "quoi comment quand où ça c on peut oui non et au aux ce cette sont très".split())
_EN_HINTS = frozenset("the is are and you your my how what when can does do for with this that it not".split())


def guess_lang(text: str) -> str:
    words = _WORD.findall(fold(text))
    fr = sum(w in _FR_HINTS for w in words)
    en = sum(w in _EN_HINTS for w in words)
    return "fr" if fr > en else "en"
