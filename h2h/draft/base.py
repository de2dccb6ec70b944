"""What a drafter gets and gives back, whatever writes the words.

A drafter writes the body of a reply: greeting and sentences, without the
mention the platform needs and without the signature; `compose.finish` adds
those, fits the whole to the platform's limit and lints it, the same way for
every backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

from h2h.draft.limits import Limit

if TYPE_CHECKING:
    from h2h.draft.topic import Topic


@dataclass(frozen=True)
class Message:
    role: str          # "person", "me" or "team"
    author: str        # a handle
    text: str
    created_at: str


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


@dataclass(frozen=True)
class Body:
    text: str                      # greeting and sentences; no mention, no signature
    backend: str
    variants: tuple[str, ...] = field(default_factory=tuple)


@runtime_checkable
class Drafter(Protocol):
    name: ClassVar[str]

    def compose(self, request: DraftRequest) -> Body: ...
