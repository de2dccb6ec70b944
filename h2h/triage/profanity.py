"""alt-profanity-check's linear model, in pure Python from plain data.

The model (MIT; a TF-IDF of single words, l2-normalized, and a linear SVM, trained
by its authors on Davidson et al.'s hate and offensive tweets and the Jigsaw toxic
comments) is shipped as each word's inverse document frequency and coefficient
(h2h/data/profanity.tsv, written by scripts/train_signals.py). Its decision value
is one input of the English toxic model (the "=prof" row of its weights): a blend,
its weight learned with the rest.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Sequence

from h2h.paths import DATA


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, tuple[float, float]], float]:
    """word -> (idf, idf * coefficient), and the intercept."""
    words: dict[str, tuple[float, float]] = {}
    intercept = 0.0
    for line in DATA.joinpath("profanity.tsv").read_text(encoding="utf-8").split("\n"):
        if not line or line[0] == "#":
            continue
        word, idf, coef = line.split("\t")
        if word == "<intercept>":
            intercept = float(coef)
        else:
            words[word] = (float(idf), float(idf) * float(coef))
    return words, intercept


def decision(tokens: Sequence[str]) -> tuple[float, str | None]:
    """The model's decision value for a message's tokens (text.tokens of the folded text),
    and the word that raised it most (None when none did)."""
    table, intercept = _table()
    counts: dict[str, int] = {}
    for t in tokens:
        w = t.rstrip("'")
        if w in table:
            counts[w] = counts.get(w, 0) + 1
    if not counts:
        return intercept, None
    num = den = 0.0
    top, best = None, 0.0
    for w, n in counts.items():
        idf, weighted = table[w]
        num += n * weighted
        den += (n * idf) ** 2
        if n * weighted > best:
            top, best = w, n * weighted
    return num / math.sqrt(den) + intercept, top
