"""A small world for conversation-state tests: one store, one engine, messages built
by name, and the clock moved by hand (H2H_NOW)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from h2h import clock
from h2h.app import inbox
from h2h.ingest.ingest import ingest
from h2h.models import Mention, Person
from h2h.store import Store
from h2h.triage.engine import Engine
from h2h.triage.handles import handle_set

ME = Person(source="masto", remote_id="1", handle="@acme@mastodon.social", name="Acme")
JO = Person(source="masto", remote_id="2", handle="@jo@mastodon.social", name="Jo")       # a teammate
MARIE = Person(source="masto", remote_id="42", handle="@marie@piaille.fr", name="Marie Dubois")
BOB = Person(source="masto", remote_id="77", handle="@bob@example.social", name="Bob")    # a community member
ENGINE = Engine(me=handle_set([ME.handle]), team=handle_set([JO.handle]))


def at(text: str) -> datetime:
    return clock.parse_time(text)


def msg(ident: str, text: str, when: str, *, author: Person = MARIE, reply_to: str | None = None,
        thread: str | None = None, platform: str = "mastodon") -> Mention:
    return Mention(source="masto", platform=platform, remote_id=ident, author=author, text=text, created_at=at(when),
                   in_reply_to=reply_to, thread=thread, from_me=author == ME)


class World:
    def __init__(self, path: Any = ":memory:", engine: Engine = ENGINE):
        self.store = Store.open(path)
        self.engine = engine

    def now(self, when: str) -> None:
        os.environ["H2H_NOW"] = when

    def add(self, *mentions: Mention) -> None:
        ingest(self.store, list(mentions), self.engine)

    def conv(self, remote_id: str) -> Any:
        row = self.store.mention("masto", remote_id)
        assert row is not None and row["conversation_id"] is not None, remote_id
        return self.store.conversation_by_id(row["conversation_id"])

    def key(self, remote_id: str) -> str:
        return str(self.conv(remote_id)["key"])

    def queue(self) -> list[str]:
        return [i.id for i in inbox.build_queue(self.store, self.engine, limit=None, show_all=True).items]

    def item(self, remote_id: str) -> Any:
        key = self.key(remote_id)
        return next(i for i in inbox.build_queue(self.store, self.engine, limit=None, show_all=True).items
                    if i.id == key)

    def decide(self, remote_id: str, action: str, until: timedelta | None = None) -> dict[str, Any]:
        return inbox.set_state(self.store, self.engine, self.key(remote_id), action,
                               until=clock.now() + until if until else None)

    def show(self, remote_id: str) -> dict[str, Any]:
        return inbox.conversation(self.store, self.engine, self.key(remote_id))
