"""The default drafter: short, personal templates in the person's language.

Offline, deterministic and instant. A reply is built from slots (greeting,
opener for a first contact or a returning person, a reaction to what they
said, what happens next), each with several lines in h2h/data/drafts/LANG.toml.
Each slot's line is chosen from the conversation id, skipping the lines the
previous person got (never reused) and, when possible, those used lately, so
two people in a row never get the same sentence.
"""

from __future__ import annotations

from typing import ClassVar, Sequence

from h2h.digest import sha1
from h2h.draft import phrases
from h2h.draft.base import Body, DraftRequest
from h2h.draft.phrases import Line

# A first-contact welcome does not go with thanks (they are already thanked) nor with hostility.
NO_WELCOME = frozenset({"praise", "hostile"})


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


class TemplateDrafter:
    name: ClassVar[str] = "template"

    def compose(self, request: DraftRequest) -> Body:
        language = phrases.load(request.lang)
        intent = language.intents.get(request.intent) or language.intents["default"]
        values = {"first_name": request.first_name, "topic": request.topic.text if request.topic else ""}
        seed = request.conversation
        chosen: list[Line] = []

        def slot(lines: Sequence[Line], name: str) -> str:
            if not lines:
                return ""
            line = pick(lines, f"{seed}/{name}", avoid=request.avoid, recent=request.recent)
            chosen.append(line)
            return line.text.format_map(values).strip() if line.text else ""

        greeting = slot(language.greeting, "greeting") if intent.greet and request.first_name else ""
        sentences = []
        if request.opener and not (request.opener == "first_contact" and request.intent in NO_WELCOME) \
                and request.intent != "hostile":
            sentences.append(slot(language.openers.get(request.opener, ()), "opener"))
        if request.topic and (intent.topic or intent.noun):
            pool = list(intent.topic) + (list(intent.noun) if request.topic.form == "noun" else [])
            sentences.append(slot(pool, "react"))
        else:
            sentences.append(slot(intent.plain, "react"))
        sentences.append(slot(intent.next, "next"))
        body = " ".join(s for s in sentences if s)
        text = f"{greeting}\n{body}" if greeting else body
        return Body(text=text, backend=self.name, variants=tuple(line.id for line in chosen if line.text))
