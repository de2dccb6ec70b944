"""The features one message gives the signal models, in one pass.

Words and word pairs, tags from the shipped lexicons ("<neg>" for a word
VADER or Pattern rate negative, "<bad>" for a swear word), a few shape
markers (a link, shouting, a lone question mark...), and character 4-grams.
Training and inference both call `extract`, so they can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from typing import Mapping

from h2h.paths import DATA
from h2h.triage.text import char_grams, clean_count, fold_clean, tokens, word_features


@dataclass(frozen=True, slots=True)
class Features:
    cleaned: str              # text.clean(): lowercased, accents kept (language detection reads it)
    folded: str               # text.fold(): no accents either (the urgent rule reads it)
    words: list[str]          # words, pairs, lexicon tags and markers
    chars: list[str]          # character 4-grams
    tokens: list[str]         # the folded text's tokens (text.tokens)
    tagged: dict[str, list[str]]  # lexicon tag -> the words that earned it (for evidence)


@lru_cache(maxsize=1)
def lexicon() -> Mapping[str, tuple[str, ...]]:
    raw = DATA.joinpath("lexicon.tsv").read_text(encoding="utf-8")
    table: dict[str, tuple[str, ...]] = {}
    for line in raw.split("\n"):
        if line and not line.startswith("#"):
            word, tags = line.split("\t")
            table[word] = tuple("<" + t + ">" for t in tags.split(","))
    return table


def reload() -> None:
    lexicon.cache_clear()


_GREETINGS = frozenset(("hi", "hey", "hello", "ok", "okay", "so", "and", "oh", "well", "yes", "no", "bonjour",
                        "salut", "coucou", "bonsoir", "alors", "et", "bon", "oui", "non", ",", "!"))
# A sentence's opening words, after a greeting or a filler: "Why not...", "Can I...", "Let's...",
# "Don't worry": the first word decides whether a verb gives an order, the first two (three
# with a contraction: "don't worry") how a sentence acts, which its words alone do not say.
_SENTENCE_START = re.compile(
    r"(?:^\s*|[.!?;:]\s+)(?:(?:hi|hey|hello|ok|okay|so|and|but|oh|well|yes|no|please|now|then|bonjour|salut|alors|"
    r"et|mais|bon|oui|non|ok|donc)\b[ ,]*)*([a-z]+'?)(?: ?([a-z]+'?))?(?: ([a-z]+'?))?")
_TAILS = frozenset(("t", "s", "ll", "re", "ve", "d", "m"))   # "don't", "let's": still the first word
_ASK_FIRST = frozenset((
    "does", "do", "did", "is", "are", "was", "were", "can", "could", "will", "would", "should", "shall", "has",
    "have", "may", "might", "am", "any", "anyone", "anybody", "est", "peut", "peux", "pouvez", "sais", "savez",
    "avez", "as", "y", "faut", "dois", "doit", "vous", "tu", "ya",
))


# Words that aim what follows at someone: "you idiot", "what a clown", "t'es con", "bande d'abrutis".
_AIMED = frozenset((
    "you", "u", "ur", "your", "you'", "yall", "ya", "he", "she", "they", "he'", "she'", "what", "such", "a", "an",
    "ce", "cette", "ces", "t'", "tu", "toi", "ta", "ton", "vous", "espece", "bande", "sale", "quel", "quelle",
    "quels", "pauvre", "gros", "grosse", "un", "une", "des", "d'", "es", "est", "sont", "are", "is",
))
# Words that turn the feeling of the next few words around: "not happy", "pas top", "never good".
_NEGATORS = frozenset((
    "not", "no", "never", "don'", "doesn'", "didn'", "isn'", "wasn'", "aren'", "weren'", "can'", "won'", "couldn'",
    "wouldn'", "shouldn'", "haven'", "hasn'", "dont", "doesnt", "didnt", "isnt", "wasnt", "cant", "wont", "nothing",
    "hardly", "pas", "jamais", "rien", "aucun", "aucune", "ni", "sans",
))
_FLIP = {"<pos>": "<not-pos>", "<neg>": "<not-neg>", "<mpos>": "<not-pos>", "<mneg>": "<not-neg>"}
SARCASM = re.compile(r"(?:^|\s)/s\b|[\U0001f644\U0001f643\U0001f612]|#sarcas|#ironie", re.I)


def _may_be_sarcastic(text: str) -> bool:
    """What SARCASM needs, found by plain substring search (the pattern costs ~5 µs a message)."""
    return ("/s" in text or "/S" in text or "#" in text or "\U0001f644" in text or "\U0001f643" in text
            or "\U0001f612" in text)


def _shape(text: str, toks: list[str], links: int) -> list[str]:
    n = len(toks)
    marks = ["<len0>" if n <= 3 else "<len1>" if n <= 12 else "<len2>" if n <= 30 else "<len3>"]
    if links:
        marks.append("<url>")
        if n <= 3:
            marks.append("<url-only>")
    head = text[:300]
    if len(head) >= 12 and head.isupper():
        marks.append("<caps>")
    if toks and toks[-1] == "?":
        marks.append("<ends?>")
    if text.count("!") >= 3:
        marks.append("<!!!>")
    if _may_be_sarcastic(text) and SARCASM.search(text):
        marks.append("<sarcasm>")   # "/s", an eye-roll: the praise around it means the opposite
    return marks


def _negated(toks: list[str]) -> set[int]:
    """Positions of the (up to three) words after a negation: "not very good", "pas du tout top"."""
    out: set[int] = set()
    for i, t in enumerate(toks):
        if t in _NEGATORS:
            out.update(range(i + 1, min(i + 4, len(toks))))
    return out


def extract(text: str) -> Features:
    cleaned, links = clean_count(text)
    folded = fold_clean(cleaned)
    toks = tokens(folded)
    words = word_features(toks)
    lex = lexicon()
    tagged: dict[str, list[str]] = {}
    marks: list[str] = []
    found = list(map(lex.get, words))
    negated = () if _NEGATORS.isdisjoint(toks) else _negated(toks)
    for i in compress(range(len(found)), found):
        tags = found[i] or ()
        if i in negated:
            tags = tuple(_FLIP.get(t, t) for t in tags)
        marks.extend(tags)      # repeated: three angry words weigh more than one
        for t in tags:
            tagged.setdefault(t, []).append(words[i])
    first = next((t for t in toks if t not in _GREETINGS), "")
    if first in _ASK_FIRST or "<q>" in lex.get(first, ()):
        marks.append("<ask1>")      # "does it...", "est-ce...", "pourquoi...": asks, even without '?'
    openings = _SENTENCE_START.findall(folded)
    for w1, w2, w3 in openings:
        if w2 in _TAILS:
            w1, w2 = w1 + w2, w3
        marks.append("^" + w1)
        if w2:
            marks.append("^" + w1 + " " + w2)
    if "<imp>" in tagged:
        # A verb gives an order only at the start of a sentence ("Take a seat", "OK, but don't
        # tell anyone", "Envoyez-moi"), after a greeting or a filler word.
        starts = [o[0] for o in openings if "<imp>" in lex.get(o[0], ())]
        if starts:
            tagged["<imp>"] = starts
        else:
            tagged.pop("<imp>")
        marks = [m for m in marks if m != "<imp>"] + ["<imp>"] * len(starts)
    if ("<pos>" in tagged or "<mpos>" in tagged) and ("<neg>" in tagged or "<mneg>" in tagged or "<cmp>" in tagged):
        marks.append("<pos+neg>")   # "thanks for losing my bag", "merci pour la panne", "late but a lovely crew"
    if "<bad>" in tagged or "<prof2>" in tagged:
        for i, t in enumerate(toks):
            if i and ("<bad>" in lex.get(t, ()) or "<prof2>" in lex.get(t, ())) and _AIMED.intersection(toks[max(0, i - 3):i]):
                marks.append("<aimed-bad>")   # an insult aimed at someone, not swearing at a thing
                break
    words.extend(marks)
    words.extend(_shape(text, toks, links))
    return Features(cleaned, folded, words, char_grams(toks), toks, tagged)
