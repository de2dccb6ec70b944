"""Language detection restricted to the languages the user configured.

A naive Bayes over character trigrams (accents kept) with per-language
log-probabilities shipped in h2h/data/lang.tsv (derived from the language
profiles of the `langdetect` package, Apache-2.0; see that file's header).
Choosing among the two or three languages a user answers in is a much easier
problem than choosing among fifty, and fast: only the configured languages are
loaded, their log-probabilities packed into one integer per trigram, so a
message costs one C-level `sum` (bench/README.md compares this with py3langid
and lingua).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

from h2h.paths import DATA
from h2h.triage.text import clean

_SCALE = 100          # log-probabilities to fixed point, 0.01 nat
_BITS = 32
_MASK = (1 << _BITS) - 1
_MIN_GRAMS = 2        # fewer trigrams than this say nothing about the language


@lru_cache(maxsize=1)
def _lines() -> dict[str, str]:
    raw = DATA.joinpath("lang.tsv").read_text(encoding="utf-8")
    return {line[:line.index("\t")]: line for line in raw.split("\n") if line and not line.startswith("#")}


def known() -> frozenset[str]:
    return frozenset(_lines())


@lru_cache(maxsize=8)
def _table(languages: tuple[str, ...]) -> tuple[dict[str, int], int]:
    """trigram -> the configured languages' costs (negated log-probabilities, an unseen
    trigram costing the language's floor) packed 32 bits each; and the packed floors."""
    costs: dict[str, list[int | None]] = {}
    floors = []
    lines = _lines()
    for i, lang in enumerate(languages):
        _, floor, *pairs = lines[lang].split("\t")
        floors.append(-round(float(floor) * _SCALE))
        for pair in pairs:
            gram, value = pair.rsplit("=", 1)
            costs.setdefault(gram, [None] * len(languages))[i] = -round(float(value) * _SCALE)
    packed: dict[str, int] = {}
    for gram, row in costs.items():
        packed[gram] = sum((floors[i] if c is None else c) << (_BITS * i) for i, c in enumerate(row))
    return packed, sum(f << (_BITS * i) for i, f in enumerate(floors))


# Punctuation and apostrophes separate words, as in the profiles ("d'escrocs" -> "d escrocs").
_SEPARATE = str.maketrans({c: " " for c in "'’`.,;:!?()[]{}\"«»“”/\\|*_+=<>~^&%$#@-–—…0123456789"})


_ENOUGH = 300   # characters: more text does not change the answer, only the cost


def grams(cleaned: str) -> list[str]:
    s = " " + " ".join(cleaned[:_ENOUGH].translate(_SEPARATE).split()) + " "
    return list(map("".join, zip(s, s[1:], s[2:])))   # the trigrams, sliced in C


def detect(text: str, languages: Sequence[str]) -> str | None:
    return detect_cleaned(clean(text), languages)


def detect_cleaned(cleaned: str, languages: Sequence[str]) -> str | None:
    """The most likely of `languages` (those h2h has a profile for), or None when the
    text has too few letters to judge by. Ties go to the first configured language."""
    lines = _lines()
    candidates = tuple(lang for lang in languages if lang in lines)
    if not candidates:
        return None
    g = grams(cleaned)
    if len(g) < _MIN_GRAMS:
        return None
    if len(candidates) == 1:
        return candidates[0]
    table, floors = _table(candidates)
    total = sum(filter(None, map(table.get, g)))
    if not total:
        return None
    cost = [(total >> (_BITS * i)) & _MASK for i in range(len(candidates))]
    return candidates[cost.index(min(cost))]
