"""The default drafter: short, personal replies in the person's language, offline.

A reply is built from slots (h2h/data/drafts/LANG.toml): a greeting in their
register; at most one opener (sorry for the wait past the SLA, saying how long
and how many times they wrote; hello to someone who wrote about us rather than
to us; welcome to a first contact, and only then; good to see a returning
person); what answers the message (a question: the answer we know, with its
link, or an honest "I'm asking the team, back by ..."; a problem: one line of
empathy and one next step that asks only what they have not told us; praise:
thanks, no pitch; a chaser: sorry, and where it stands); a second thing they
asked; a closing for a VIP.

Each slot's line is chosen in an order set by the conversation id, skipping the
lines this conversation's earlier drafts used (`--another`) and any line whose
sentences already appear twice in the latest drafts for other people. The
pieces are then fitted to the platform's limit: the least needed go first, a
known answer is shortened a sentence at a time, the link is kept.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Mapping, NamedTuple, Sequence

from h2h.digest import sha1
from h2h.draft import phrases
from h2h.draft.base import Body, DraftRequest, Part
from h2h.draft.phrases import Line

# A first-contact welcome does not go with thanks (they are already thanked) nor with hostility.
NO_WELCOME = frozenset({"praise", "hostile"})
# Thanks, hostility and a mere mention get no apology for the wait: it would be about us.
NO_APOLOGY = frozenset({"praise", "hostile", "default"})
MOST = 2                     # a sentence may appear this many times across the latest drafts
ANSWERED = frozenset({"question", "problem", "chaser", "request"})
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")


def sentences(text: str) -> list[str]:
    """The sentences of a draft, normalized for counting (case and spacing ignored)."""
    return [" ".join(s.lower().split()) for s in _SENTENCE.split(text) if s.strip()]


def _rotation(lines: Sequence[Line], seed: str) -> list[Line]:
    start = int(sha1(seed.encode("utf-8", "replace")).hexdigest(), 16) % len(lines)
    return list(lines[start:]) + list(lines[:start])


def pick(lines: Sequence[Line], seed: str, *, avoid: frozenset[str] = frozenset(),
         recent: Sequence[str] = ()) -> Line:
    """The line for one slot: never one in `avoid` (unless every line is), preferably one not
    among the last len(lines)-1 used, otherwise the one used longest ago."""
    order = _rotation(lines, seed)
    allowed = [line for line in order if line.id not in avoid] or order
    window = set(recent[: max(0, len(lines) - 1)])
    fresh = [line for line in allowed if line.id not in window]
    if fresh:
        return fresh[0]
    age = {line_id: i for i, line_id in reversed(list(enumerate(recent)))}
    return max(allowed, key=lambda line: age.get(line.id, len(recent)))


class Piece(NamedTuple):
    text: str
    keep: int            # the higher, the later it goes when the reply must be shorter
    answer: str = ""     # the known answer inside `text`, which may be shortened
    short: str = ""      # what it becomes rather than go (a short apology for the wait)


# --- words for durations and counts ------------------------------------------------------

def _count(words: Mapping[str, Any], key: str, n: int, default: Sequence[str]) -> str:
    forms = words.get(key) or default
    numbers = words.get("numbers") or []
    if n == 1 or (n == 2 and len(forms) > 2):
        return str(forms[n - 1])
    spelled = numbers[n] if key == "times" and n < len(numbers) else str(n)
    return str(forms[-1]).replace("{n}", spelled)


def waited(seconds: float, words: Mapping[str, Any]) -> str:
    """"3 days", "19 hours", "40 minutes" in the reply's language."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return _count(words, "minute", max(1, minutes), ["a minute", "{n} minutes"])
    hours = int(seconds // 3600)
    if hours < 36:
        return _count(words, "hour", hours, ["an hour", "{n} hours"])
    days = int(seconds // 86400)
    if days < 14:
        return _count(words, "day", days, ["a day", "{n} days"])
    return _count(words, "week", days // 7, ["a week", "{n} weeks"])


def promise(request: DraftRequest, words: Mapping[str, Any]) -> str:
    """When we will be back: within the hour for a VIP, else within the SLA, by tomorrow at most."""
    hours = 1 if request.vip else max(1, int(round(request.sla_s / 3600)))
    if hours <= 1:
        return str(words.get("within_hour", "within the hour"))
    if hours > 12:
        return str(words.get("tomorrow", "by tomorrow"))
    duration = _count(words, "hour", hours, ["an hour", "{n} hours"])
    return str(words.get("within", "within {duration}")).replace("{duration}", duration)


def times(n: int, words: Mapping[str, Any]) -> str:
    return _count(words, "times", n, ["once", "twice", "{n} times"])


# --- the drafter ----------------------------------------------------------------------------

class TemplateDrafter:
    name: ClassVar[str] = "template"

    def compose(self, request: DraftRequest) -> Body:
        return _Writer(request).write()


class _Writer:
    def __init__(self, request: DraftRequest):
        self.r = request
        self.language = phrases.load(request.lang)
        words = self.language.words
        self.values = {"first_name": request.first_name, "me": request.me, "topic": "", "answer": "", "link": "",
                       "waited": waited(request.waited_s, words), "times": times(max(1, request.wrote), words),
                       "promise": promise(request, words)}
        self.seen: dict[str, int] = dict(request.seen)
        self.chosen: list[Line] = []

    # --- choosing a line ---------------------------------------------------------------
    def line(self, lines: Sequence[Line], slot: str, **values: str) -> str:
        """The chosen line of `slot`, filled in; "" when there is none that can be said."""
        vals = {**self.values, **values}
        usable = [line for line in lines if line.text and self._fillable(line.said(self.r.register), vals)]
        if not usable:
            return ""
        order = _rotation(usable, f"{self.r.conversation}/{slot}")
        allowed = [line for line in order if line.id not in self.r.avoid] or order

        def render(line: Line) -> str:
            said = line.said(self.r.register)
            text = said.format_map(vals).strip()
            # "{waited} is too long": "A day is too long" (a name or an answer keeps its case).
            return text[:1].upper() + text[1:] if said.startswith("{waited}") else text

        def overuse(line: Line) -> int:
            return max((self.seen.get(s, 0) for s in sentences(render(line))), default=0)

        fresh = [line for line in allowed if overuse(line) < MOST]
        chosen = fresh[0] if fresh else min(allowed, key=overuse)
        text = render(chosen)
        self.chosen.append(chosen)
        for s in sentences(text):
            self.seen[s] = self.seen.get(s, 0) + 1
        return text

    def _fillable(self, text: str, values: Mapping[str, str]) -> bool:
        names = re.findall(r"\{(\w+)\}", text)
        return all(values.get(name) for name in names)

    # --- the reply --------------------------------------------------------------------------
    def write(self) -> Body:
        r, lang = self.r, self.language
        intent_name = r.intent if r.intent in lang.intents else "default"
        intent = lang.intents[intent_name]
        pieces: list[Piece] = []
        greeting = ""
        if intent.greet and r.first_name:
            lines = lang.familiar_greeting if r.register == "familiar" and lang.familiar_greeting else lang.greeting
            greeting = self.line(lines, "greeting")
        opener = self.opener()
        if opener:
            pieces.append(opener)
        main = r.parts[0] if r.parts else Part(text="", intent=r.intent)
        pieces += self.core(intent_name, main)
        for extra in r.parts[1:2]:
            piece = self.also(extra)
            if piece:
                pieces.append(piece)
        if r.vip and main.match is not None:
            closing = self.line(lang.closing.get("vip", ()), "closing")
            if closing:
                pieces.append(Piece(closing, 2))
        pieces = self.fit(greeting, [p for p in pieces if p.text])
        body = " ".join(p.text for p in pieces)
        text = f"{greeting}\n{body}" if greeting and body else (greeting or body)
        grounding = main.match if self.usable(main) and r.intent in ANSWERED else None
        backend = {"knowledge": "knowledge", "answer": "memory"}[grounding.kind] if grounding else TemplateDrafter.name
        return Body(text=text, backend=backend, variants=tuple(line.id for line in self.chosen),
                    grounding=grounding)

    def usable(self, part: Part) -> bool:
        """A match can be answered from when it is in the reply's language, or is a knowledge
        entry with a link (then the link is given)."""
        m = part.match
        return m is not None and (m.lang == self.r.lang or (m.kind == "knowledge" and bool(m.link)))

    def opener(self) -> Piece | None:
        r, openers = self.r, self.language.openers
        if r.intent == "hostile":
            return None
        if not r.addressed:   # they did not ask us: no apology for a wait, a hello from the team
            return Piece(self.line(openers.get("unaddressed", ()), "opener"), 5)
        if r.late and r.intent not in NO_APOLOGY:
            if (r.chaser or r.wrote_elsewhere) and r.wrote >= 2 and openers.get("late_again"):
                lines = openers["late_again"]
            elif r.opener == "first_contact" and not r.vip and openers.get("late_first"):
                lines = openers["late_first"]
            else:
                lines = openers.get("late", ())
            return Piece(self.line(lines, "opener"), 5, short=self.line(openers.get("late_short", ()), "short"))
        if r.vip:
            return Piece(self.line(openers.get("vip", ()), "opener"), 3)
        if r.opener == "returning":
            return Piece(self.line(openers.get("returning", ()), "opener"), 3)
        if r.opener == "first_contact" and r.intent not in NO_WELCOME:
            return Piece(self.line(openers.get("first_contact", ()), "opener"), 3)
        return None

    @property
    def apologized(self) -> bool:
        return bool(self.r.addressed and self.r.late and self.r.intent not in NO_APOLOGY)

    def _topic(self, part: Part) -> dict[str, str]:
        return {"topic": part.topic.text} if part.topic else {}

    def _reaction(self, intent: Any, part: Part, slot: str, *, calm: bool = False) -> str:
        """A line naming their topic when there is one (noun-only lines for a noun topic), else a
        plain one; `calm`: without a second "sorry" after the apology for the wait."""
        topic_lines, noun_lines, plain_lines = (intent.calm_topic, (), intent.calm) if calm and intent.calm else \
            (intent.topic, intent.noun, intent.plain)
        if part.topic and (topic_lines or noun_lines):
            pool = list(topic_lines) + (list(noun_lines) if part.topic.form == "noun" else [])
            text = self.line(pool, slot, **self._topic(part))
            if text:
                return text
        return self.line(plain_lines, slot)

    def _answer(self, intent: Any, part: Part) -> list[Piece]:
        """The known answer and its link, or nothing when the match is in another language (then
        only its link can be given)."""
        match = part.match
        assert match is not None
        pieces = []
        if match.lang == self.r.lang or not match.lang:
            text = self.line(intent.answer or (Line(f"{self.r.lang}:answer", "{answer}"),), "answer",
                             answer=match.answer)
            pieces.append(Piece(text, 9, answer=match.answer))
        if match.kind == "knowledge" and match.link:
            cite = self.line(intent.cite, "cite", link=match.link)
            pieces.append(Piece(cite or match.link, 7))
        return pieces

    def core(self, name: str, part: Part) -> list[Piece]:
        intent = self.language.intents[name]
        usable = self.usable(part)
        if not self.r.addressed and not usable and name in ("question", "chaser", "request"):
            # A question to others, not to us, that we cannot answer: offer help, promise nothing.
            offer = intent.offer if name == "question" else ()
            return [Piece(self.line(offer or self.language.intents["default"].next, "next"), 8)]
        if name == "question":
            return self._answer(intent, part) if usable else [Piece(self._reaction(intent, part, "react"), 8)]
        if name == "problem":
            empathy = Piece(self._reaction(intent, part, "react", calm=self.apologized), 5)
            if usable:
                return [empathy, *self._answer(intent, part)]
            if not self.r.addressed:
                return [empathy, Piece(self.line(self.language.intents["default"].next, "next"), 8)]
            return [empathy, Piece(self.next_step(intent), 8)]
        if name == "chaser":
            if usable:
                return self._answer(intent, part)
            return [Piece(self._reaction(intent, part, "status"), 8)]
        if name == "request":
            pieces = [Piece(self._reaction(intent, part, "react"), 5)]
            return pieces + (self._answer(intent, part) if usable else [Piece(self.line(intent.next, "next"), 8)])
        if name in ("praise", "hostile"):
            return [Piece(self.line(intent.plain, "react"), 9)]
        return [Piece(self.line(intent.plain, "react"), 8), Piece(self.line(intent.next, "next"), 4)]

    def next_step(self, intent: Any) -> str:
        """Ask only for what they have not told us; if they told us everything, say what happens."""
        missing = {"version", "device"} - self.r.given
        if missing == {"version", "device"}:
            lines = intent.ask_version_device
        elif missing:
            lines = intent.ask_version if "version" in missing else intent.ask_device
        else:
            lines = intent.passed
        return self.line(lines or intent.next, "next")

    def also(self, part: Part) -> Piece | None:
        also = self.language.also
        if not part.topic:
            return None
        if part.match is not None and part.match.lang == self.r.lang:
            text = self.line(also.get("answer", ()), "also", answer=part.match.answer, **self._topic(part))
            return Piece(text, 6, answer=part.match.answer) if text else None
        text = self.line(also.get("plain", ()), "also", **self._topic(part))
        return Piece(text, 4) if text else None

    # --- fitting the limit ----------------------------------------------------------------
    def fit(self, greeting: str, pieces: list[Piece]) -> list[Piece]:
        r = self.r

        def too_long(ps: list[Piece]) -> bool:
            if r.limit.max is None:
                return False
            body = " ".join(p.text for p in ps)
            text = f"{greeting}\n{body}" if greeting else body
            full = (f"{r.mention} " if r.mention else "") + text + (f"\n{r.signature}" if r.signature else "")
            return not r.limit.fits(full)

        pieces = list(pieces)
        while too_long(pieces):
            low = min(pieces, key=lambda p: p.keep, default=None)
            if low is not None and low.keep < 5 and len(pieces) > 1:
                pieces.remove(low)   # a welcome, a closing: nice, not needed
                continue
            longest = max((p for p in pieces if p.answer and len(sentences(p.answer)) > 1),
                          key=lambda p: len(p.answer), default=None)
            if longest is not None:   # a known answer, a sentence shorter (its link stays)
                i, cut = pieces.index(longest), _drop_last_sentence(longest.answer)
                pieces[i] = Piece(longest.text.replace(longest.answer, cut), longest.keep, answer=cut)
                continue
            if low is not None and low.keep < 8 and len(pieces) > 1:
                i = pieces.index(low)
                if low.short and low.short != low.text:   # sorry for the wait, in a few words: it stays
                    pieces[i] = Piece(low.short, 8)
                else:
                    pieces.pop(i)
                continue
            break   # compose.assemble trims what is left, keeping the mention and the signature
        return pieces


def _drop_last_sentence(text: str) -> str:
    parts = [p for p in re.split(r"(?<=[.!?…])\s+", text.strip()) if p]
    return " ".join(parts[:-1]) if len(parts) > 1 else text
