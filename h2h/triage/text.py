"""Short social text made comparable: folded, tokenized, turned into n-grams.

The same functions feed training (scripts/train_signals.py) and inference
(signals.py), so a model never sees features built differently from the ones
it was trained on. Speed matters: every message of every fetch goes through
here, so the work is done by str.translate, compiled regexes and C-level
comprehensions, never a Python loop per character.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 1000  # enough to judge a message; a 10 MB body costs no more than this

URL = re.compile(r"https?://\S+|www\.\S+|\b[\w-]+\.(?:com|io|org|net|ly|fr|co|me)/\S*", re.I)
HANDLE = re.compile(r"(?<![\w/])@[\w.@-]+")
_RT = re.compile(r"^\s*rt\b\s*@?[\w.]*\s*:?\s*", re.I)
_REPEAT = re.compile(r"([a-z!?.])\1\1+")   # after folding, letters are ASCII
_TRIPLE = re.compile(r"(.)\1\1")           # cheaper to look for (few messages have one)
# Words (with a French elided particle kept whole: "j'", "qu'"), '?' and '!',
# emoji and a few emoticons: each is a token.
_TOKEN = re.compile(r"[a-z0-9]+'?|[?!]|:-?[()dp]|<3|[\u2600-\u27bf\U0001f300-\U0001faff]")


def _fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in range(0xC0, 0x250):
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base != ch and base.isascii():
            table[code] = base.lower()
    table.update({ord("œ"): "oe", ord("Œ"): "oe", ord("æ"): "ae", ord("Æ"): "ae", ord("ß"): "ss",
                  ord("’"): "'", ord("‘"): "'", ord("`"): "'", ord("´"): "'", ord("#"): " ",
                  ord("«"): " ", ord("»"): " ", ord("\u2028"): " ", ord("\u2029"): " ",
                  ord("\ufe0f"): None, ord("\u200d"): None})
    return table


_FOLD = _fold_table()


def clean(text: str) -> str:
    """The message without a retweet prefix, URLs or @handles, lowercased (accents kept)."""
    return clean_count(text)[0]


def clean_count(text: str) -> tuple[str, int]:
    """`clean`, and how many links the text had."""
    text = _RT.sub("", text[:MAX_CHARS])
    links = 0
    if "/" in text or "www." in text:   # most messages have no link: skip the costly pattern
        text, links = URL.subn(" ", text)
    if "@" in text:
        text = HANDLE.sub(" ", text)
    return text.lower(), links


def fold(text: str) -> str:
    """`clean`, then accents removed and letter runs shortened ("sooooo" -> "soo")."""
    return fold_clean(clean(text))


def fold_clean(cleaned: str) -> str:
    folded = cleaned.translate(_FOLD)
    return _REPEAT.sub(r"\1\1", folded) if _TRIPLE.search(folded) else folded


def tokens(folded: str) -> list[str]:
    return _TOKEN.findall(folded)


def word_features(toks: list[str]) -> list[str]:
    """Words and word pairs ("how do"); a pair has a space, so never equals a word."""
    words = [t for t in toks if t != "?" and t != "!"]
    return toks + list(map(" ".join, zip(words, words[1:])))


def char_grams(toks: list[str], n: int = 4) -> list[str]:
    """Character n-grams across word boundaries ("_how", "ow_d"): robust to typos and
    missing accents, and to words never seen in training."""
    s = "_" + "_".join([t for t in toks if t[0].isalnum()]) + "_"  # words only: no '?', no emoji
    if n == 4:   # the shipped models' size, sliced in C: zip the string with itself shifted
        return list(map("".join, zip(s, s[1:], s[2:], s[3:])))
    return [s[i:i + n] for i in range(len(s) - n + 1)]
