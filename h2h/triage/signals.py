"""Per-message signals from the text alone, in English and French (and any
language the character n-grams carry).

One small logistic regression per signal over the message's words, word
pairs, lexicon tags and character 4-grams (h2h/data/signals.tsv, trained by
scripts/train_signals.py on redistributable data only), in pure Python: a
dictionary lookup per feature and a sum per signal. The words that pushed a
signal up the most are its evidence, which becomes the reason's label
("asks a question ('how do i')"). Three rules sit on top where a model trained
on a few thousand messages cannot be trusted alone: urgent words; swearing
(offensive to many readers even when it insults no one); and sarcasm markers
("/s", an eye-roll), which turn praise into its opposite. Who wrote the message (bot accounts, our own) is decided in
score.py, not here.
"""

from __future__ import annotations

import math
import struct
from functools import lru_cache
from importlib.resources import files
from typing import Mapping, Sequence

from h2h.models import SIGNAL_NAMES, Signals
from h2h.triage import features, lang as langid
from h2h.triage.text import MAX_CHARS

ENGINE = "linear-5"

EVIDENCE_MIN = 0.4      # a word must add at least this much (log-odds) to be named as evidence
EVIDENCE_FROM = 0.2     # signals below this probability name no evidence
_N = len(SIGNAL_NAMES)
_U = SIGNAL_NAMES.index("urgent")
_T = SIGNAL_NAMES.index("toxic")
_P = SIGNAL_NAMES.index("positive")
_NEG = SIGNAL_NAMES.index("negative")
SWEAR_FLOOR = 0.4

# Words that carry weight in a model but would make a poor reason ("reports a problem ('and')").
_BLAND = frozenset("""
a an the and or but so to of in on at for from by with as is are was were be been it its this that these
those i i' me my we our you your he she they them their his her there here then than just also very really
not no yes ok do does did have has had will would can could should my le la les l' un une des de d' du et ou
mais donc a au aux en dans sur pour par avec ce c' cet cette ces je j' moi me m' tu te t' il elle on nous vous
ils elles leur leurs son sa ses mon ma mes ton ta tes qui que qu' quoi ne n' pas plus y se s' est sont
ca si tout tous toute bien fait faire ai as avez avons suis es etre avoir ete get got one all any some out up
about after before now them what' it' that' there' i'm im i've ive
""".split())

# Rules: words and phrases whose meaning does not depend on context, as floors under
# the model: single words matched against the folded words, phrases inside the folded text.
URGENT_WORDS = frozenset((
    "urgent", "urgently", "asap", "emergency", "immediately", "critical", "hacked", "outage",
    "urgence", "urgente", "urgemment", "immediatement", "critique", "pirate", "piratee", "faille",
))
URGENT_PHRASES = ("right now", "as soon as possible", "data loss", "production is down", "prod is down",
                  "security breach", "au plus vite", "des que possible", "perte de donnees", "la prod est")


# Each feature's nine weights (thousandths in the file) are packed into one
# integer, 32 bits a signal, shifted to be positive: summing a message's features
# is then one C-level `sum` of integers instead of nine Python loops.
_SCALE = 1000
_OFFSET = 1 << 15
_BITS = 32
_MASK = (1 << _BITS) - 1
_PACK = struct.Struct(f"<{_N}I")
_SHIFTS = tuple(_BITS * i for i in range(_N))
_shift = _OFFSET.__add__


def _pack(milli: Sequence[int]) -> int:
    return int.from_bytes(_PACK.pack(*map(_shift, milli)), "little")


@lru_cache(maxsize=1)
def _model() -> tuple[dict[str, int], dict[str, int], tuple[float, ...], dict[str, tuple[float, ...]]]:
    raw = files("h2h").joinpath("data/signals.tsv").read_text(encoding="utf-8")
    words: dict[str, int] = {}
    readable: dict[str, tuple[float, ...]] = {}   # words that can be evidence: their weights as floats
    chars: dict[str, int] = {}
    bias: tuple[float, ...] = (0.0,) * _N
    least = EVIDENCE_MIN * _SCALE
    for line in raw.split("\n"):
        if not line or line[0] == "#":
            continue
        name, values = line.split("\t")
        milli = list(map(int, values.split(" ")))
        if name[0] == "~":
            chars[name[1:]] = _pack(milli)
        elif name == "<bias>":
            bias = tuple(v / _SCALE for v in milli)
        else:
            words[name] = _pack(milli)
            if max(milli) >= least and (name[0] == "<" or _telling(name)):
                readable[name] = tuple(v / _SCALE for v in milli)
    return words, chars, bias, readable


def analyze(text: str, *, languages: Sequence[str] = ("en", "fr"), lang: str | None = None) -> Signals:
    return _analyze(text[:MAX_CHARS], tuple(languages), lang)


@lru_cache(maxsize=4096)
def _analyze(text: str, languages: tuple[str, ...], lang: str | None) -> Signals:
    words, chars, bias, readable = _model()
    f = features.extract(text)
    # A packed row is never 0 (every field carries the offset): filter(None) keeps the hits.
    packed = list(filter(None, map(words.get, f.words)))
    packed.extend(filter(None, map(chars.get, f.chars)))
    total, offset = sum(packed), len(packed) * _OFFSET / _SCALE
    # The logistic function of each unpacked sum, clamped so exp() never overflows.
    values = [1.0 / (1.0 + math.exp(max(-30.0, min(30.0, offset - ((total >> shift) & _MASK) / _SCALE - b))))
              for shift, b in zip(_SHIFTS, bias)]
    hits = [(w, r) for w, r in zip(f.words, map(readable.get, f.words)) if r]
    evidence = _evidence(values, hits, f.tagged)

    if values[_P] > values[_NEG] and "<sarcasm>" in f.words:
        # "/s" or an eye-roll turns the praise around it into its opposite.
        values[_NEG], values[_P] = values[_P], values[_NEG]
        marker = features.SARCASM.search(text)
        evidence["negative"] = (marker.group().strip() if marker else "/s",)
        evidence.pop("positive", None)
    swear = f.tagged.get("<bad>") or f.tagged.get("<prof2>")
    if swear and values[_T] < SWEAR_FLOOR:
        # Swearing is offensive to many readers even when it insults no one: ranked
        # above clean text, below the careful section's threshold.
        values[_T] = SWEAR_FLOOR
        evidence["toxic"] = (swear[0],)
    urgent = URGENT_WORDS.intersection(f.words) or {p for p in URGENT_PHRASES if p in f.folded}
    if urgent and values[_U] < 0.7:
        values[_U] = 0.7
        word = min(urgent)
        evidence["urgent"] = (word,) + tuple(e for e in evidence.get("urgent", ()) if e != word)[:1]
    detected = lang or langid.detect_cleaned(f.cleaned, languages)
    return Signals(**dict(zip(SIGNAL_NAMES, values)), lang=detected, evidence=evidence)


def _telling(word: str) -> bool:
    """A word a person would accept as the reason: not a function word, a number or a letter."""
    if word in ("?", "!"):
        return True
    parts = word.split(" ")
    return (not all(p in _BLAND for p in parts)
            and all(len(p.strip("'")) >= 2 and not p.strip("'").isdigit() for p in parts))


_TELLING: dict[str, bool] = {}


def _display(word: str) -> str:
    return word.replace("' ", "'").rstrip("'")


def _evidence(values: list[float], hits: list[tuple[str, tuple[float, ...]]],
              tagged: Mapping[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """For each signal that fired, the (at most two) words that raised it most; a
    lexicon tag's weight counts for each word that earned it."""
    fired = [i for i, v in enumerate(values) if v >= EVIDENCE_FROM]
    if not fired:
        return {}
    expanded: list[tuple[str, tuple[float, ...]]] = []
    for feature, row in hits:
        if feature[0] != "<":
            expanded.append((feature, row))   # `readable` holds telling words only
            continue
        for word in tagged.get(feature, ()):
            ok = _TELLING.get(word)
            if ok is None:
                ok = _TELLING[word] = _telling(word)
            if ok:
                expanded.append((word, row))
    evidence: dict[str, tuple[str, ...]] = {}
    for i in fired:
        weight: dict[str, float] = {}
        for word, row in expanded:
            w = row[i]
            if w > 0:
                weight[word] = weight.get(word, 0.0) + w
        # Words before punctuation; a pair that contains a word already shown says it twice.
        ranked = sorted((k for k, w in weight.items() if w >= EVIDENCE_MIN),
                        key=lambda k: (not k[0].isalnum(), -weight[k], k))
        shown: list[str] = []
        for word in ranked:
            if any(word in s or s in word for s in shown):
                continue
            shown.append(word)
            if len(shown) == 2:
                break
        if shown:
            evidence[SIGNAL_NAMES[i]] = tuple(_display(w) for w in shown)
    return evidence


@lru_cache(maxsize=1)
def version() -> str:
    """The code's ENGINE and the shipped data's version (first line of signals.tsv,
    written by scripts/train_signals.py): stored with each message's signals."""
    with files("h2h").joinpath("data/signals.tsv").open("r", encoding="utf-8") as f:
        first = f.readline()
    data = first.split(":", 1)[1].strip() if first.startswith("# version:") else "unversioned"
    return f"{ENGINE}/{data}"
