"""A conversation's verdict: its section and a score that is the sum of its reasons.

Pure: plain facts in, a `Triage` out. The waiting-time term is the only part
that depends on the clock; it is added at query time by `waiting_reason`.
"""

# Annotations are evaluated here, not postponed: see h2h/models.py.
import json
import math
from typing import Mapping, NamedTuple, Sequence

from h2h.clock import human_duration
from h2h.digest import sha1
from h2h.models import EMPTY, Reason, Signals, Triage

ENGINE = "score-4"
THRESHOLD = 0.5     # a signal at or above this decides a section
FLOOR = 0.2         # below this a signal earns no points (and so no reason)
CROWD = 4           # a message naming this many accounts is a group discussion
CALM = 0.3          # praise goes to `thanks` only if nothing else in it (a question...) reaches this


class Facts(NamedTuple):
    """What the engine knows about one conversation, all plain data."""

    signals: Sequence[Signals]          # the person's unanswered messages (all of them if none is)
    role: str = "person"                # "person", "me" or "team": who wrote them
    to_me: bool = True                  # addressed to us (mention, reply, DM), not a keyword match
    addressees: int = 0                 # the most accounts one of the messages names
    person_bot: bool | None = None      # the platform says the account is automated
    bot_hints: Sequence[str] = ()       # name or behaviour that looks automated (people.py)
    brand: bool = False                 # the platform says it is an organisation's account
    brand_hints: Sequence[str] = ()     # presents itself as a brand, shop or media outlet (people.py)
    previous_conversations: int = 0
    continues: bool = False             # writes back in a conversation we already answered (or a thread)
    our_reply: Signals | None = None    # our latest reply in the conversation, before their messages
    vip: bool = False
    muted: bool = False
    followers: int | None = None
    answered_by: str | None = None      # the handle of someone else (not us) who answered them in the thread
    weights: Mapping[str, float] = EMPTY


def _quote(evidence: Mapping[str, Sequence[str]], name: str) -> str:
    found = [e for e in evidence.get(name, ()) if e]
    if not found:
        return ""
    shown = ", ".join(f"'{e}'" for e in found[:2])
    return f" ({shown})"


def _merge(signals: Sequence[Signals]) -> tuple[dict[str, float], dict[str, tuple[str, ...]]]:
    """The strongest value of each signal across messages, and what showed it."""
    values: dict[str, float] = {}
    evidence: dict[str, tuple[str, ...]] = {}
    for s in signals:
        for name, value in s.values().items():
            if value > values.get(name, 0.0):
                values[name] = value
                evidence[name] = tuple(s.evidence.get(name, ()))
    return values, evidence


def asks(s: Signals) -> bool:
    """A reply to another person's message asks something of us too: a question, or a problem
    of its own. A request there is advice to the one it answers ("try the export menu")."""
    return max(s.question, s.complaint) >= THRESHOLD


def triage(facts: Facts) -> Triage:
    w = facts.weights
    values, ev = _merge(facts.signals)
    v = lambda name: values.get(name, 0.0)  # noqa: E731
    reasons: list[Reason] = []

    def add(code: str, label: str, strength: float = 1.0) -> None:
        # Rounded as shown, so the score is exactly the sum of the points a person reads.
        points = round(w.get(code, 0.0) * strength, 2)
        if points:
            reasons.append(Reason(code, label, points))

    def signal(code: str, name: str, label: str) -> None:
        if v(name) >= FLOOR:
            add(code, label + _quote(ev, name), v(name))

    # Who wrote it.
    own = facts.role in ("me", "team")
    bot_strength = 1.0 if facts.person_bot else max(v("bot"), 0.7 if facts.bot_hints else 0.0)
    if own:
        add("own", "our own account" if facts.role == "me" else "a teammate's message")
    if facts.muted:
        add("muted", "muted person")
    if bot_strength >= FLOOR and not own:
        why = "the platform flags the account as automated" if facts.person_bot else (
            "looks automated" + (f" ({', '.join(facts.bot_hints[:2])})" if facts.bot_hints else _quote(ev, "bot")))
        add("bot", why, bot_strength)
    if (facts.brand or facts.brand_hints) and not own:
        add("brand", "a brand or media account" + (f" ({facts.brand_hints[0]})" if facts.brand_hints else ""))

    # What they said. A conversation with us whose unanswered messages only close it ("ok 👍",
    # "thanks, that worked", "just sent it") waits for nothing: what the models read in
    # so few words is not a question or a problem (turns.py).
    closed = _closing(facts.signals) if facts.continues else ""   # a first "thanks!" is praise, not a closing
    if closed:
        add("closing", f"closes the conversation ({closed}): nothing to answer")
    else:
        signal("question", "question", "asks a question")
        signal("request", "request", "asks for help")
        signal("complaint", "complaint", "reports a problem")
        signal("urgent", "urgent", "sounds urgent")
        if v("negative") >= FLOOR and v("toxic") < THRESHOLD:
            signal("negative", "negative", "sounds unhappy")
        chased = next((s.evidence["chaser"][0] for s in facts.signals if s.evidence.get("chaser")), None)
        if chased:
            add("chaser", f"still waiting for an answer ('{chased}')")
    signal("spam", "spam", "looks like spam")
    if v("toxic") >= FLOOR:
        add("toxic", "hostile: answer calmly or not at all" + _quote(ev, "toxic"), v("toxic"))
    needs = 0.0 if closed else max(v("question"), v("request"), v("complaint"))
    if v("positive") >= FLOOR and needs < CALM:
        add("praise", "says something kind" + _quote(ev, "positive"), v("positive"))

    # Who they are to us.
    if not own:
        if facts.to_me:
            add("to_me", "wrote to us")
        else:
            add("keyword_only", "mentions us without tagging us")
        if facts.addressees >= CROWD:
            add("crowd", f"written to {facts.addressees} accounts at once")
        n = facts.previous_conversations
        if n:
            add("returning", f"has talked with us before ({n} conversation{'s' if n > 1 else ''})",
                min(1.0, n / 3))
        elif facts.continues:
            add("returning", "continues a conversation with us", 1 / 3)
        else:
            add("first_contact", "first time writing to us: welcome them")
        ours = facts.our_reply
        if ours is not None and not closed:
            # What they answer: a question of ours (they give what we asked for, and wait for the
            # next step), or our asking them to go on in private messages (the rest happens there).
            if ours.evidence.get("private"):
                add("private", f"we asked them to write in private ({_quote(ours.evidence, 'private')[2:-1]})")
            elif ours.question >= THRESHOLD:
                add("answers_us", "answers our question" + _quote(ours.evidence, "question"))
        if facts.vip:
            add("vip", "VIP")
        if facts.followers and facts.followers >= 100:
            add("reach", f"reaches {_count(facts.followers)} followers",
                min(1.0, math.log10(facts.followers) / 6))
        extra = len(facts.signals) - 1
        if extra > 0 and v("toxic") < THRESHOLD:  # hostility repeated earns nothing
            add("followup", f"wrote {extra + 1} times without an answer", min(extra, 3))
        if facts.answered_by:
            add("answered_by_other", f"answered by {facts.answered_by}")

    section = _section(own, facts.muted, bot_strength, v, needs, bool(closed))
    return Triage(section=section, score=round(sum(r.points for r in reasons), 2), reasons=tuple(reasons))


def _section(own: bool, muted: bool, bot: float, v, needs: float, closed: bool) -> str:  # type: ignore[no-untyped-def, unused-ignore]
    if own or muted or bot >= THRESHOLD:
        return "noise"
    if v("spam") >= THRESHOLD and needs < THRESHOLD:
        return "noise"
    if v("toxic") >= THRESHOLD:
        return "careful"
    if closed or (v("positive") >= THRESHOLD and needs < CALM and v("negative") < THRESHOLD):
        return "thanks"
    return "reply"


def _closing(signals: Sequence[Signals]) -> str:
    """The words that close the conversation ("'ok', 'thanks'") when each of its unanswered
    messages only closes it; "" otherwise."""
    if not signals or not all(s.evidence.get("closing") for s in signals):
        return ""
    words = dict.fromkeys(w for s in signals for w in s.evidence["closing"])
    return ", ".join(f"'{w}'" for w in list(words)[:2])


def _count(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 1000:
        return f"{n / 1000:.1f}k"
    return str(n)


def waiting_curve(waiting_s: float, sla_s: float) -> float:
    """0 at first, rising fastest early, 1 at the SLA and flat after: never decreasing."""
    if waiting_s <= 0 or sla_s <= 0:
        return 0.0 if waiting_s <= 0 else 1.0
    x = min(1.0, waiting_s / sla_s)
    return 1.0 - (1.0 - x) ** 2


def waiting_reason(waiting_s: float, sla_s: float, weight: float) -> Reason:
    points = round(weight * waiting_curve(waiting_s, sla_s), 2)
    late = " (past the SLA)" if waiting_s > sla_s else ""
    return Reason("waiting", f"waiting {human_duration(waiting_s)}{late}", points)


ELSEWHERE_MOST = 100  # other conversations counted exactly; beyond, "more than"


def elsewhere_reason(own_waiting_s: float, n: int, longest: float, weight: float) -> Reason | None:
    """The person also waits for an answer in `n` other conversations (when one, for
    `longest` seconds): someone who wrote again elsewhere while still unanswered is chasing us."""
    if n <= 0 or not weight:
        return None
    if n > ELSEWHERE_MOST:
        label = f"also waiting in more than {ELSEWHERE_MOST} other conversations"
    elif n > 1:
        label = f"also waiting in {n} other conversations"
    elif longest > own_waiting_s:
        label = f"also waiting {human_duration(longest)} in another conversation"
    else:
        label = f"wrote again {human_duration(longest)} ago in another conversation, still unanswered"
    return Reason("elsewhere", label, round(weight, 2))


def fingerprint(weights: Mapping[str, float], extra: Mapping[str, object], signals_engine: str) -> str:
    """Changes whenever stored verdicts would change: engine versions, weights, VIPs, handles..."""
    blob = json.dumps({"engine": ENGINE, "signals": signals_engine, "w": dict(sorted(weights.items())),
                       "x": extra}, sort_keys=True, default=str)
    return ENGINE + ":" + sha1(blob.encode()).hexdigest()[:12]
