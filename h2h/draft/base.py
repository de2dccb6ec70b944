"""What a drafter gets and gives back, whatever writes the words.

A drafter writes the body of a reply: greeting and sentences, without the
mention the platform needs and without the signature; `compose.finish` adds
those, fits the whole to the platform's limit and lints it, the same way for
every backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Mapping, NamedTuple, Protocol, runtime_checkable

from h2h.draft.limits import Limit

if TYPE_CHECKING:
    from h2h.draft.memory import Match
    from h2h.draft.topic import Topic


@dataclass(frozen=True)
class Message:
    role: str          # "person", "me" or "team"
    author: str        # a handle
    text: str
    created_at: str


class Part(NamedTuple):
    """One thing to answer: an unanswered message (or several saying one thing)."""
    text: str
    intent: str                    # question, problem, request, praise, hostile, default
    topic: "Topic | None" = None
    match: "Match | None" = None   # what we already know that answers it


@dataclass(frozen=True)
class DraftRequest:
    conversation: str
    source: str
    platform: str
    lang: str                      # the language to answer in (one h2h has phrases for)
    intent: str                    # question, problem, request, praise, hostile, default
    opener: str                    # "first_contact", "returning" or ""
    handle: str
    name: str                      # display name, maybe ""
    first_name: str                # their first name, else the handle without @ and domain
    topic: "Topic | None"
    thread: tuple[Message, ...]    # this conversation, oldest first, ours included
    history: tuple[Message, ...]   # earlier conversations with this person, oldest first
    me: str                        # [me] name
    signature: str                 # the line the reply ends with ("" for none)
    mention: str                   # what the platform needs at the start ("" for none)
    limit: Limit
    style: str = ""                # house style for a language model
    avoid: frozenset[str] = frozenset()      # template lines the previous person got: never reuse
    recent: tuple[str, ...] = ()             # lines used lately, most recent first: avoid if possible
    hostility: float = 0.0         # the strongest toxic signal, 0..1
    vip: bool = False
    addressed: bool = True         # they wrote to us (mention, reply, message), not just about us
    register: str = "polite"       # "familiar" for someone who writes casually ("tu" in French)
    waited_s: float = 0.0          # since their first unanswered message
    sla_s: float = 4 * 3600.0
    wrote: int = 1                 # their unanswered messages, here and in their other conversations
    wrote_elsewhere: int = 0       # of which in their other conversations
    chaser: bool = False           # they are asking again
    need: str = ""                 # what the conversation is about when intent is "chaser"
    given: frozenset[str] = frozenset()     # details they already gave: version, device, log, steps
    parts: tuple[Part, ...] = ()            # what to answer, the main thing first
    matches: tuple["Match", ...] = ()       # the closest knowledge entries and past answers
    seen: Mapping[str, int] = field(default_factory=dict)   # sentences of the latest drafts, how often

    @property
    def grounding(self) -> "Match | None":
        """The knowledge entry or past answer the draft answers from, if any."""
        return self.parts[0].match if self.parts else None

    @property
    def late(self) -> bool:
        return self.waited_s > self.sla_s or self.chaser


@dataclass(frozen=True)
class Body:
    text: str                      # greeting and sentences; no mention, no signature
    backend: str                   # "template", "knowledge", "memory" or "openai": where the words come from
    variants: tuple[str, ...] = field(default_factory=tuple)
    grounding: "Match | None" = None   # the knowledge entry or past answer used


@runtime_checkable
class Drafter(Protocol):
    name: ClassVar[str]

    def compose(self, request: DraftRequest) -> Body: ...
