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

from collections import _tuplegetter  # type: ignore[attr-defined]  # namedtuple's C field accessor
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterable, Mapping, NamedTuple

EMPTY: Mapping[str, Any] = MappingProxyType({})  # a default no instance can change


def _eq(a: tuple[Any, ...], b: object) -> bool:
    return type(a) is type(b) and a[:-1] == b[:-1]


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


# --- what the store gives back ------------------------------------------------------
#
# Stored records are built from rows by the store (h2h/store/sqlite/rows.py), millions
# of times, with `tuple.__new__`: the fields are the columns selected, in order. Times are
# ISO 8601 text and JSON columns stay JSON text, exactly as stored; booleans are 0 or 1.
#
# They are tuples as NamedTuples are, and the type checker sees NamedTuples, but their
# classes are built by `_StoredMeta`: typing.NamedTuple compiles a constructor for each
# class, 100 us apiece, and twenty of them added 2-5 ms to every command's start-up.
# Built here: 15 us each. Made in code (tests, a conversation ingest creates), a
# record's constructor takes fields by position or name, with the defaults declared.


class _StoredMeta(type):
    def __new__(mcls, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> "_StoredMeta":
        if bases == (tuple,):  # the base itself
            return super().__new__(mcls, name, bases, ns)
        fields = tuple(ns.get("__annotations__", {}))
        ns["_field_defaults"] = {f: ns.pop(f) for f in fields if f in ns}
        ns["_fields"] = ns["__match_args__"] = fields
        ns["__slots__"] = ()
        for i, f in enumerate(fields):
            ns[f] = _tuplegetter(i, f"{name}.{f}")
        return super().__new__(mcls, name, bases, ns)


class _StoredBase(tuple[Any, ...], metaclass=_StoredMeta):
    __slots__ = ()
    _fields: tuple[str, ...]
    _field_defaults: dict[str, Any]

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != len(cls._fields):
            args = cls._complete(args, kwargs)
        return tuple.__new__(cls, args)

    @classmethod
    def _complete(cls, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        if len(args) > len(cls._fields):
            raise TypeError(f"{cls.__name__}() takes {len(cls._fields)} fields, {len(args)} given")
        values = list(args)
        for f in cls._fields[len(args):]:
            if f in kwargs:
                values.append(kwargs.pop(f))
            elif f in cls._field_defaults:
                values.append(cls._field_defaults[f])
            else:
                raise TypeError(f"{cls.__name__}() missing field {f!r}")
        if kwargs:
            raise TypeError(f"{cls.__name__}() got unexpected fields {sorted(kwargs)}")
        return tuple(values)

    @classmethod
    def _make(cls, values: Iterable[Any]) -> Any:
        return tuple.__new__(cls, values)

    def _replace(self, **changes: Any) -> Any:
        values = tuple(changes.pop(f, v) for f, v in zip(self._fields, self))
        if changes:
            raise ValueError(f"{type(self).__name__} has no fields {sorted(changes)}")
        return tuple.__new__(type(self), values)

    def _asdict(self) -> dict[str, Any]:
        return dict(zip(self._fields, self))

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)

    def __repr__(self) -> str:
        shown = ", ".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"{type(self).__name__}({shown})"


if TYPE_CHECKING:
    from typing import NamedTuple as Stored
else:
    Stored = _StoredBase


class Identity(Stored):
    """One account on one platform, as stored (a human may have several: `h2h person link`)."""

    id: int
    source: str
    remote_id: str
    platform: str
    handle: str
    name: str
    url: str | None
    bot: int | None
    followers: int | None
    created_at: str | None
    raw: str | None
    first_seen: str
    last_seen: str


class Conversation(Stored):
    """A person's conversation in one thread: its messages' times and the verdict on them."""

    id: int
    key: str
    source: str
    platform: str
    person_id: int
    thread_root: str
    standalone: int
    first_at: str
    last_at: str
    last_reply_at: str | None = None
    waiting_since: str | None = None
    latest_mention_id: int | None = None
    unanswered: int = 0
    messages: int = 0
    state: str = "open"
    active: int = 1
    state_mark: str | None = None
    snooze_until: str | None = None
    section: str = "reply"
    base_score: float = 0.0
    reasons: str = "[]"
    lang: str | None = None
    engine: str | None = None
    seen_upto: int | None = None  # the newest message id stored when the user last decided (app/states.py)


class QueueCandidate(Stored):
    """What ranking the queue reads of each active conversation, walking its index."""

    id: int
    key: str
    base_score: float
    state: str
    snooze_until: str | None
    waiting_since: str | None
    last_at: str
    person_id: int
    source: str
    active: int
    section: str


class QueueRow(Stored):
    """A ranked conversation with what the queue shows of its person and latest message."""

    conversation: Conversation
    person: Person
    person_key: str      # the same for every identity linked to one human
    text: str | None
    url: str | None


class Unanswered(Stored):
    """A person's message that no answer has followed yet."""

    source: str
    remote_id: str
    created_at: str
    created_us: int | None = None   # full precision; None when stored before it was kept
    in_reply_to: str | None = None
    id: int = 0


class StoredMention(Stored):
    """A message as stored: the mention, who wrote it, where it was filed, its signals."""

    id: int
    source: str
    remote_id: str
    platform: str
    person_id: int
    conversation_id: int | None
    role: str            # "person", "me" or "team"
    text: str
    url: str | None
    created_at: str
    in_reply_to: str | None
    thread: str | None
    thread_root: str
    to_me: int
    from_me: int
    lang: str | None
    raw: str | None
    signals: str | None
    evidence: str | None
    engine: str | None
    ingested_at: str
    created_us: int | None = None   # microseconds since 1970; None when stored before it was kept


class MentionState(Stored):
    """What ingest compares and groups a stored message by."""

    id: int
    source: str
    remote_id: str
    person_id: int
    conversation_id: int | None
    thread_root: str
    role: str
    text: str
    url: str | None
    lang: str | None
    to_me: int
    from_me: int


class ThreadMessage(Stored):
    """A stored message with its author and conversation, as views show it."""

    id: int
    source: str
    remote_id: str
    platform: str
    person_id: int
    conversation_id: int | None
    role: str
    text: str
    url: str | None
    created_at: str
    in_reply_to: str | None
    thread: str | None
    thread_root: str
    to_me: int
    from_me: int
    lang: str | None
    signals: str | None
    evidence: str | None
    handle: str
    name: str
    bot: int | None
    conversation: str | None     # its conversation's key
    created_us: int | None = None


class MessageFacts(Stored):
    """What judging a conversation reads of each of its messages."""

    id: int
    conversation_id: int | None
    role: str
    created_at: str
    to_me: int
    lang: str | None
    signals: str | None
    evidence: str | None
    text: str
    remote_id: str
    source: str
    thread_root: str
    in_reply_to: str | None
    person_id: int = 0
    created_us: int | None = None


class RecentMessage(Stored):
    """One of a person's latest messages: what their behaviour is judged on."""

    person_id: int
    id: int
    created_at: str
    text: str


class Flags(Stored):
    """The user's marks on a person (a whole linked group when `handles` names its identities)."""

    vip: bool
    muted: bool
    note: str | None
    handles: tuple[str, ...] = ()


class Action(Stored):
    """A decision of the user's on a conversation."""

    id: int
    conversation: str
    action: str
    at: str
    until: str | None
    detail: str | None


class SearchHit(Stored):
    """A message matching `h2h search`, with its conversation (None when it has none) and author."""

    id: int
    remote_id: str
    source: str
    platform: str
    role: str
    text: str
    url: str | None
    created_at: str
    key: str | None
    state: str | None
    section: str | None
    snooze_until: str | None
    handle: str
    name: str
    snippet: str | None  # the matching words between common.MARK_START and MARK_END
    rank: float


class StoredDraft(Stored):
    id: int
    conversation: str
    text: str
    backend: str
    lang: str | None
    intent: str | None
    lint: str
    edited: int
    created_at: str
    variants: str
    note: str | None
    grounding: str | None   # JSON: the knowledge entry or past answer it starts from


class Reply(Stored):
    """A reply sent, or being sent, through h2h; `key` makes sending it idempotent."""

    id: int
    conversation: str
    source: str
    platform: str | None
    in_reply_to: str
    target: str | None
    key: str
    text: str
    status: str          # "pending", "sent", "failed" or "manual"
    remote_id: str | None
    url: str | None
    error: str | None
    draft_id: int | None
    attempts: int
    created_at: str
    sent_at: str | None
    response_s: float | None
    updated_at: str | None


class SourceStatus(Stored):
    """What a source's last fetches did."""

    source: str
    type: str
    account: str | None
    last_attempt_at: str | None
    last_success_at: str | None
    last_duration_s: float | None
    last_fetched: int
    last_new: int
    failures: int
    last_error_code: str | None
    last_error: str | None
    last_error_hint: str | None
    last_error_at: str | None
    rate_limit: str | None
    rate_seen_at: str | None


class StatsConversation(Stored):
    """A conversation a person began, with the first answers it got (`h2h stats`)."""

    id: int
    key: str
    source: str
    platform: str
    section: str
    state: str
    first_at: str
    handle: str
    name: str
    first_reply_at: str | None
    first_sent_at: str | None


class BacklogEntry(Stored):
    key: str
    source: str
    platform: str
    section: str
    waiting_since: str | None
    last_at: str
    handle: str
    name: str


class DailyCount(Stored):
    """Messages of one UTC day, source and role."""

    day: str
    source: str
    role: str
    n: int
