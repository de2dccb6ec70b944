"""The shapes every layer speaks: plain, frozen data, no behaviour beyond conversions.

Identity is `(source, remote_id)` everywhere. `raw` keeps the platform's own
JSON so nothing a source sent is lost; it never takes part in equality.

Records are NamedTuples, not dataclasses: every command imports this module, and
the dataclasses module with 19 classes cost about 20 ms of each start-up (and a
frozen dataclass is three times slower to create, a million times per import).
Change a record with `record._replace(...)`. Annotations here are evaluated (no
`from __future__ import annotations`): NamedTuple compiles each one given as a
string, which doubled this module's import time.
"""

from datetime import datetime
from types import MappingProxyType
from typing import Any, Mapping, NamedTuple

EMPTY: Mapping[str, Any] = MappingProxyType({})  # a default no instance can change


def _eq(a: tuple[Any, ...], b: object) -> bool:
    return type(a) is type(b) and a[:-1] == b[:-1]  # type: ignore[index]


def _repr(record: Any) -> str:
    shown = ", ".join(f"{k}={v!r}" for k, v in zip(record._fields[:-1], record))
    return f"{type(record).__name__}({shown})"


def _last_aside(*, shown: bool) -> Any:
    """Equality and hash that leave out a record's last field (`raw`, `evidence`), and its
    repr too unless `shown`: what a dataclass field with compare=False (repr=False) did."""

    def apply(cls: Any) -> Any:
        cls.__eq__ = _eq
        cls.__ne__ = lambda a, b: not _eq(a, b)
        cls.__hash__ = lambda a: hash(a[:-1])
        if not shown:
            cls.__repr__ = _repr
        return cls

    return apply


SIGNAL_NAMES = ("question", "request", "complaint", "negative", "positive",
                "toxic", "spam", "bot", "urgent")
SECTIONS = ("reply", "thanks", "careful", "noise")
STATES = ("open", "answered", "done", "snoozed", "ignored")


@_last_aside(shown=False)
class Person(NamedTuple):
    source: str
    remote_id: str
    handle: str
    name: str = ""
    url: str | None = None
    bot: bool | None = None
    followers: int | None = None
    created_at: datetime | None = None
    raw: Mapping[str, Any] | None = None   # last: left out of equality (_last_aside)

    @property
    def display(self) -> str:
        return self.name or self.handle


@_last_aside(shown=False)
class Mention(NamedTuple):
    source: str
    platform: str
    remote_id: str
    author: Person
    text: str
    created_at: datetime
    url: str | None = None
    in_reply_to: str | None = None
    thread: str | None = None
    to_me: bool = True
    from_me: bool = False
    lang: str | None = None
    raw: Mapping[str, Any] | None = None   # last: left out of equality


class Thread(NamedTuple):
    """A conversation as the platform shows it, oldest first, our messages included."""

    source: str
    root: str
    mentions: tuple[Mention, ...]


@_last_aside(shown=True)
class Signals(NamedTuple):
    """Per-message evidence, each 0..1; `evidence` names what moved each one."""

    question: float = 0.0
    request: float = 0.0
    complaint: float = 0.0
    negative: float = 0.0
    positive: float = 0.0
    toxic: float = 0.0
    spam: float = 0.0
    bot: float = 0.0
    urgent: float = 0.0
    lang: str | None = None
    evidence: Mapping[str, tuple[str, ...]] = EMPTY   # last: left out of equality

    def values(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in SIGNAL_NAMES}

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: round(getattr(self, name), 4) for name in SIGNAL_NAMES}
        data["lang"] = self.lang
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], evidence: Mapping[str, Any] | None = None) -> "Signals":
        values = {name: float(data.get(name) or 0.0) for name in SIGNAL_NAMES}
        ev = {k: tuple(v) for k, v in (evidence or {}).items()}
        return cls(**values, lang=data.get("lang"), evidence=ev)


class Reason(NamedTuple):
    code: str
    label: str
    points: float

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "points": round(self.points, 2)}


class Triage(NamedTuple):
    """A conversation's time-independent verdict: section, base score and its reasons."""

    section: str
    score: float
    reasons: tuple[Reason, ...]


class QueueItem(NamedTuple):
    rank: int
    id: str
    section: str
    score: float
    reasons: tuple[Reason, ...]
    person: Person
    source: str
    platform: str
    waiting_s: float
    lang: str | None
    url: str | None
    text: str
    mentions: tuple[Mapping[str, str], ...]
    state: str = "open"
    messages: int = 1
    person_key: str = ""    # the same for every identity linked to one human (`h2h person link`)
    state_at: str | None = None       # when its state was last decided (done, snoozed, ...)
    snooze_until: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "id": self.id,
            "section": self.section,
            "score": round(self.score, 2),
            "reasons": [r.to_json() for r in self.reasons],
            "person": {"handle": self.person.handle, "name": self.person.name,
                       "platform": self.platform, "url": self.person.url,
                       "key": self.person_key or f"{self.person.source}:{self.person.remote_id}"},
            "source": self.source,
            "platform": self.platform,
            "waiting_s": int(self.waiting_s),
            "lang": self.lang,
            "url": self.url,
            "text": self.text,
            "mentions": [dict(m) for m in self.mentions],
            "state": self.state,
            "messages": self.messages,
            "state_at": self.state_at,
            "snooze_until": self.snooze_until,
        }


class LintFinding(NamedTuple):
    code: str
    message: str
    span: tuple[int, int] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message,
                "span": list(self.span) if self.span else None}


class Draft(NamedTuple):
    conversation: str
    text: str
    backend: str                # "template", "knowledge", "memory", "openai", "snippet" or "edited"
    lang: str
    limit: int | None
    length: int                 # counted as the platform counts (see draft/limits.py)
    lint: tuple[LintFinding, ...] = ()
    intent: str = ""
    id: int | None = None       # the stored draft's id, once saved
    unit: str = "graphemes"     # how `length` and `limit` are counted
    opener: str = ""            # "first_contact", "returning" or ""
    topic: str = ""             # what the draft says they asked about
    note: str = ""              # why another backend was used (e.g. the LLM failed), for people
    advice: str = ""            # e.g. "better not to reply" for trolling
    variants: tuple[str, ...] = ()   # template lines used, so the next person gets others
    edited: bool = False
    created_at: str | None = None
    grounding: Mapping[str, Any] | None = None   # the knowledge entry or past answer it starts from

    @property
    def source(self) -> str:
        """Where the words come from: template, knowledge, memory, llm, snippet or edited."""
        return "llm" if self.backend == "openai" else self.backend

    def to_json(self) -> dict[str, Any]:
        data = self._asdict()
        data["variants"] = list(self.variants)
        data["lint"] = [f.to_json() for f in self.lint]
        data["source"] = self.source
        data["grounding"] = dict(self.grounding) if self.grounding else None
        return data


class SentReply(NamedTuple):
    source: str
    remote_id: str | None
    url: str | None
    sent_at: datetime
    in_reply_to: str
    key: str
