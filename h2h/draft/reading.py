"""Reading a conversation before replying: what each message wants, what the
person already told us, how they write, and whether they are chasing us.

The cues are data: the [reading] table of every language file
(h2h/data/drafts/LANG.toml), all of them tried on every message (people mix
languages). The triage's signals say how strongly a message asks, complains or
thanks; the cues say what kind of message it is, which the signals cannot: a
question about sync is not a sync problem, and "any news?" is a chaser.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from h2h.draft import phrases

STRONG = 0.5      # a signal this strong decides the intent
WEAK = 0.2        # below this a signal says nothing
QUESTION = 0.4    # with a question mark and no sign of a problem, a question
PRAISE = 0.8
FACTS = ("version", "device", "log", "steps")
_WEB = re.compile(r"\b(?:web ?app|in the browser|appli web|sur le web|navigateur)\b", re.I)


def _cues(key: str, lang: str | None) -> tuple[re.Pattern[str], ...]:
    languages = [phrases.load(lang)] if lang else phrases.all_languages()
    return tuple(p for language in languages for p in language.reading.get(key, ()))


def says(text: str, key: str, lang: str | None = None) -> bool:
    """Whether `text` carries a cue of kind `key` (problem, chaser, familiar, polite, version, ...),
    in the language `lang`, or in any."""
    return any(p.search(text) for p in _cues(key, lang))


def intent_of(section: str, signals: Mapping[str, float], text: str, *, addressed: bool = True) -> str:
    """question, problem, request, praise, hostile or default."""
    get = signals.get
    if section == "careful" or get("toxic", 0.0) >= STRONG:
        return "hostile"
    if section == "noise":
        return "default"
    question, complaint, request = get("question", 0.0), get("complaint", 0.0), get("request", 0.0)
    problem = says(text, "problem")
    if get("positive", 0.0) >= PRAISE and complaint < STRONG and question < STRONG:
        return "praise"
    if problem and complaint >= WEAK:
        return "problem"
    if question >= STRONG or (question >= QUESTION and "?" in text):
        return "question"
    if complaint >= STRONG:
        return "problem"
    if request >= STRONG and addressed:
        return "request"
    kinds = {"question": question, "problem": complaint, **({"request": request} if addressed else {})}
    strongest = max(kinds, key=lambda k: kinds[k])
    if kinds[strongest] >= WEAK:
        return strongest
    if section == "thanks" or get("positive", 0.0) >= STRONG:
        return "praise"
    return "default"


def given(texts: Iterable[str]) -> frozenset[str]:
    """What a bug report needs that they already told us: version, device, log, steps."""
    joined = "\n".join(texts)
    found = {fact for fact in FACTS if says(joined, fact)}
    if _WEB.search(joined):
        found.add("version")   # the web app is always the latest: no version to ask for
    return frozenset(found)


def register_of(texts: Iterable[str], lang: str) -> str:
    """"familiar" when they write casually (in French: say "tu", or "salut" without a
    "vous"), else "polite". The reply's language decides which cues count: an emoji
    makes an English reply casual, never a French one say "tu"."""
    joined = "\n".join(texts)
    return "familiar" if says(joined, "familiar", lang) and not says(joined, "polite", lang) else "polite"


def chasing(texts: Iterable[str]) -> bool:
    return any(says(t, "chaser") for t in texts)
