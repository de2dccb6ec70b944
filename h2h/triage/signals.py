"""Per-message signals from the text alone, in English and French (and any
language the character n-grams carry).

One small logistic regression per signal and language over the message's
words, word pairs, lexicon tags and character 4-grams (h2h/data/signals_en.tsv
and signals_fr.tsv, trained by scripts/train_signals.py on redistributable data
only), in pure Python: a dictionary lookup per feature and a sum per signal.
A message is read with the model of its language (detected among the configured
ones); the two are trained apart because French and English data pulled each
other's weights the wrong way, each with the other language's data as a
lighter prior. The English toxic model also reads alt-profanity-check's
decision value (profanity.py). The words that pushed a
signal up the most are its evidence, which becomes the reason's label
("asks a question ('how do i')"). Rules sit on top where a model trained on a
few thousand messages cannot be trusted alone: urgent words; swearing (offensive
to many readers even when it insults no one); sarcasm markers ("/s", an
eye-roll), which turn praise into its opposite; and spam that announces itself
(spam.py). Who wrote the message (bot accounts, our own) is decided in score.py, not here.
"""

from __future__ import annotations

import math
import struct
from functools import lru_cache
from typing import Mapping, Sequence

from h2h.paths import DATA
from h2h.models import SIGNAL_NAMES, Signals
from h2h.triage import features, lang as langid, profanity, spam, turns
from h2h.triage.text import MAX_CHARS


EVIDENCE_MIN = 0.4      # a word must add at least this much (log-odds) to be named as evidence
EVIDENCE_FROM = 0.2     # signals below this probability name no evidence
EVIDENCE_SHARE = 0.5    # ... nor words that raise another signal more than twice as much
_N = len(SIGNAL_NAMES)
_U = SIGNAL_NAMES.index("urgent")
_T = SIGNAL_NAMES.index("toxic")
_P = SIGNAL_NAMES.index("positive")
_NEG = SIGNAL_NAMES.index("negative")
_Q = SIGNAL_NAMES.index("question")
_C = SIGNAL_NAMES.index("complaint")
_R = SIGNAL_NAMES.index("request")
_S = SIGNAL_NAMES.index("spam")
SWEAR_FLOOR = 0.4
SPAM_FLOOR = 0.9
SARCASM_FLOOR = 0.6

# Words that carry weight in a model but would make a poor reason ("reports a problem ('and')").
_BLAND = frozenset("""
a an the and or but so to of in on at for from by with as is are was were be been it its this that these
those i i' me my we our you your he she they them their his her there here then than just also very really
not no yes ok do does did have has had will would can could should my le la les l' un une des de d' du et ou
mais donc a au aux en dans sur pour par avec ce c' cet cette ces je j' moi me m' tu te t' il elle on nous vous
ils elles leur leurs son sa ses mon ma mes ton ta tes qui que qu' quoi ne n' pas plus y se s' est sont
ca si tout tous toute bien fait faire ai as avez avons suis es etre avoir ete get got one all any some out up
about after before now them what' it' that' there' i'm im i've ive
hey hi hello says said say like left chaque peut bonjour salut us him ours yours mine lui eux only every same
""".split())

# Rules: words and phrases whose meaning does not depend on context, as floors under
# the model: single words matched against the folded words, phrases inside the folded text.
URGENT_WORDS = frozenset((
    "urgent", "urgently", "asap", "emergency", "immediately", "critical", "hacked", "outage",
    "urgence", "urgente", "urgemment", "immediatement", "critique", "pirate", "piratee", "faille",
))
URGENT_PHRASES = ("right now", "as soon as possible", "data loss", "production is down", "prod is down",
                  "security breach", "au plus vite", "des que possible", "perte de donnees", "la prod est")
_URGENT_KEYS = frozenset(max(p.split(), key=len) for p in URGENT_PHRASES)   # one word of each, to look first


# Each feature's nine weights (thousandths in the file) are packed into one
# integer, 32 bits a signal, shifted to be positive: summing a message's features
# is then one C-level `sum` of integers instead of nine Python loops.
_SCALE = 1000
_OFFSET = 1 << 15
_BITS = 32
_PACK = struct.Struct(f"<{_N}I")
_BYTES = _BITS * _N // 8
_UNIT = 16             # the character n-grams' length scale is applied in 16ths (length_16ths)
_DIV = _SCALE * _UNIT
_UNPACK = _PACK.unpack
_exp = math.exp
_shift = _OFFSET.__add__


def _pack(milli: Sequence[int]) -> int:
    return int.from_bytes(_PACK.pack(*map(_shift, milli)), "little")


class Model:
    """One language's weights: packed rows for words and character n-grams, the biases,
    the words that can be evidence, and real-valued inputs ("=prof": another model's
    decision value) with their weights per signal."""

    __slots__ = ("words", "chars", "bias", "readable", "scaled")

    def __init__(self, words: dict[str, int], chars: dict[str, int], bias: tuple[float, ...],
                 readable: dict[str, tuple[str, tuple[float, ...]]], scaled: dict[str, tuple[float, ...]]):
        self.words, self.chars, self.bias, self.readable, self.scaled = words, chars, bias, readable, scaled


@lru_cache(maxsize=1)
def languages_with_models() -> frozenset[str]:
    return frozenset(p.name[len("signals_"):-len(".tsv")] for p in DATA.iterdir()
                     if p.name.startswith("signals_") and p.name.endswith(".tsv"))


@lru_cache(maxsize=8)
def _model(lang: str) -> Model:
    raw = DATA.joinpath(f"signals_{lang}.tsv").read_text(encoding="utf-8")
    words: dict[str, int] = {}
    # Words that can be evidence: themselves and the positive parts of their weights, as floats.
    readable: dict[str, tuple[str, tuple[float, ...]]] = {}
    chars: dict[str, int] = {}
    scaled: dict[str, tuple[float, ...]] = {}
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
        elif name[0] == "=":
            scaled[name[1:]] = tuple(v / _SCALE for v in milli)
        else:
            words[name] = _pack(milli)
            # A sentence's opening ("^why not") is never shown: the same words are features of
            # their own, and a person reads "'why not'", not where it stood.
            if max(milli) >= least and name[0] != "^" and (name[0] == "<" or _telling(name)):
                readable[name] = (name, tuple(max(0, v) / _SCALE for v in milli))
    return Model(words, chars, bias, readable, scaled)


@lru_cache(maxsize=16)
def _pick(detected: str | None, languages: tuple[str, ...]) -> str:
    """The model a message is read with: its language's, else (too short to tell, or a
    language without a model) the first configured language that has one, else English."""
    have = languages_with_models()
    if detected in have:
        return detected
    return next((lang for lang in languages if lang in have), "en")


CHAR_NORM = 25.0   # character n-grams a message has at which their sum counts as is


def length_16ths(n_grams: int) -> int:
    """What a message's summed character n-gram weights are multiplied by, in 16ths: 1/sqrt
    of how many it has (relative to CHAR_NORM), so that a long message's many n-grams, each
    saying little, do not drown the words that decide. Training scales them the same way."""
    return max(1, round(_UNIT * math.sqrt(CHAR_NORM / max(1, n_grams))))


def length_scale(n_grams: int) -> float:
    return length_16ths(n_grams) / _UNIT


def analyze(text: str, *, languages: Sequence[str] = ("en", "fr"), lang: str | None = None) -> Signals:
    return _analyze(text[:MAX_CHARS], tuple(languages), lang)


@lru_cache(maxsize=4096)
def _analyze(text: str, languages: tuple[str, ...], lang: str | None) -> Signals:
    f = features.extract(text)
    detected = lang or langid.detect_cleaned(f.cleaned, languages)
    model = _model(_pick(detected, languages))
    # A packed row is never 0 (every field carries the offset): filter(None) keeps the hits.
    packed = list(filter(None, map(model.words.get, f.words)))
    grams = list(filter(None, map(model.chars.get, f.chars)))
    # Words count as they are, character n-grams scaled by the message's length (in 16ths, so
    # the packed sums scale as integers, field by field); unpacked in one C call, then the
    # logistic function of each signal's sum, clamped so exp() never overflows.
    m = length_16ths(len(f.chars))
    offset = (len(packed) * _UNIT + len(grams) * m) * _OFFSET
    sums = _UNPACK((sum(packed) * _UNIT + sum(grams) * m).to_bytes(_BYTES, "little"))
    z = [(v - offset) / _DIV + b for v, b in zip(sums, model.bias)]
    prof_word = None
    if "prof" in model.scaled:
        value, prof_word = profanity.decision(f.tokens)
        z = [x + w * value for x, w in zip(z, model.scaled["prof"])]
    values = [1.0 / (1.0 + _exp(max(-30.0, min(30.0, -x)))) for x in z]
    hits = list(filter(None, map(model.readable.get, f.words)))
    evidence = _evidence(values, hits, f.tagged)
    if prof_word and "toxic" not in evidence and values[_T] >= EVIDENCE_FROM:
        evidence["toxic"] = (prof_word,)   # the word the profanity model weighs most

    if "<sarcasm>" in f.words and (values[_P] > values[_NEG] or values[_NEG] < SARCASM_FLOOR):
        # "/s" or an eye-roll turns the praise around it into its opposite, and is unhappy
        # even when the words around it say little.
        values[_NEG], values[_P] = max(values[_P], values[_NEG], SARCASM_FLOOR), min(values[_P], values[_NEG])
        marker = features.SARCASM.search(text)
        evidence["negative"] = (marker.group().strip() if marker else "/s",)
        evidence.pop("positive", None)
    swear = f.tagged.get("<bad>") or f.tagged.get("<prof2>")
    if swear and values[_T] < SWEAR_FLOOR:
        # Swearing is offensive to many readers even when it insults no one: ranked
        # above clean text, below the careful section's threshold.
        values[_T] = SWEAR_FLOOR
        evidence["toxic"] = (swear[0],)
    urgent = URGENT_WORDS.intersection(f.words) or (
        set() if _URGENT_KEYS.isdisjoint(f.words) else {p for p in URGENT_PHRASES if p in f.folded})
    if urgent and values[_U] < 0.7:
        values[_U] = 0.7
        word = min(urgent)
        evidence["urgent"] = (word,) + tuple(e for e in evidence.get("urgent", ()) if e != word)[:1]
    advert = spam.announced(text, f.folded, f.words, values[_Q], values[_C])
    if advert is not None:
        # An advertisement's call to action ("visit", "buy") asks nothing of us.
        values[_S], values[_R] = max(values[_S], SPAM_FLOOR), min(values[_R], EVIDENCE_FROM / 2)
        evidence["spam"] = advert
        evidence.pop("request", None)
    # What the message does in its conversation (turns.py): not signals, but read with them.
    closes = turns.closing(f.tokens)
    if closes:
        evidence["closing"] = closes
    chase = turns.chaser(f.tokens)
    if chase:
        evidence["chaser"] = (chase,)
    private = turns.private(f.words)
    if private:
        evidence["private"] = (private,)
    return Signals(*values, detected, evidence)  # type: ignore[arg-type, call-arg]  # fields in SIGNAL_NAMES order


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
    # Each telling word with its weights summed over the features it earned (only what raised
    # a signal counts: `readable` rows hold the positive parts).
    per_word: dict[str, tuple[float, ...]] = {}
    for feature, row in hits:
        if feature[0] != "<":
            words: Sequence[str] = (feature,)     # `readable` holds telling words only
        else:
            words = [w for w in tagged.get(feature, ()) if _TELLING.get(w) or _TELLING.setdefault(w, _telling(w))]
        for word in words:
            have = per_word.get(word)
            per_word[word] = row if have is None else tuple(map(float.__add__, have, row))
    if not per_word:
        return {}
    # A word names a signal only if it says more about it than half of what it says about any
    # other: "who" asks, it does not complain, even if it often comes with complaints. One pass
    # over the words sorts them into the signals they may name.
    named: dict[int, list[tuple[str, float]]] = {}
    for k, row in per_word.items():
        least = max(row) * EVIDENCE_SHARE
        for i in fired:
            w = row[i]
            if w >= EVIDENCE_MIN and w >= least:
                named.setdefault(i, []).append((k, w))
    evidence: dict[str, tuple[str, ...]] = {}
    for i, weight in named.items():
        if len(weight) == 1:
            evidence[SIGNAL_NAMES[i]] = (_display(weight[0][0]),)
            continue
        # Words before punctuation; a pair that contains a word already shown says it twice.
        weight.sort(key=lambda kw: (not kw[0][0].isalnum(), -kw[1], kw[0]))
        shown: list[str] = []
        for word, _ in weight:
            if any(word in s or s in word for s in shown):
                continue
            shown.append(word)
            if len(shown) == 2:
                break
        evidence[SIGNAL_NAMES[i]] = tuple(_display(w) for w in shown)
    return evidence
