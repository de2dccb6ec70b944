"""The shapes every layer speaks: plain, frozen data, no behaviour beyond conversions.

Identity is `(source, remote_id)` everywhere. `raw` keeps the platform's own
JSON so nothing a source sent is lost; it never takes part in equality.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Mapping

SIGNAL_NAMES = ("question", "request", "complaint", "negative", "positive",
                "toxic", "spam", "bot", "urgent")
SECTIONS = ("reply", "thanks", "careful", "noise")
STATES = ("open", "answered", "done", "snoozed", "ignored")


@dataclass(frozen=True, slots=True)
class Person:
    source: str
    remote_id: str
    handle: str
    name: str = ""
    url: str | None = None
    bot: bool | None = None
    followers: int | None = None
    created_at: datetime | None = None
    raw: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def display(self) -> str:
        return self.name or self.handle


@dataclass(frozen=True, slots=True)
class Mention:
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
    raw: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Thread:
    """A conversation as the platform shows it, oldest first, our messages included."""

    source: str
    root: str
    mentions: tuple[Mention, ...]


@dataclass(frozen=True, slots=True)
class Signals:
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
    evidence: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

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


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    label: str
    points: float

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "points": round(self.points, 2)}


@dataclass(frozen=True, slots=True)
class Triage:
    """A conversation's time-independent verdict: section, base score and its reasons."""

    section: str
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class QueueItem:
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
        }


@dataclass(frozen=True, slots=True)
class LintFinding:
    code: str
    message: str
    span: tuple[int, int] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message,
                "span": list(self.span) if self.span else None}


@dataclass(frozen=True, slots=True)
class Draft:
    conversation: str
    text: str
    backend: str                # "template", "openai", "snippet" or "edited"
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

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["lint"] = [f.to_json() for f in self.lint]
        return data


@dataclass(frozen=True, slots=True)
class SentReply:
    source: str
    remote_id: str | None
    url: str | None
    sent_at: datetime
    in_reply_to: str
    key: str
