"""A small world for drafting and replying tests: a config, a store with
conversations ingested like fetched mentions, and the engine."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from typing import Any

from h2h import config as config_mod
from h2h.ingest.ingest import ingest
from h2h.models import Mention, Person
from h2h.store import Store
from h2h.store.sqlite import SQLiteStore
from h2h.triage.engine import Engine

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)   # three hours before the frozen H2H_NOW

CONFIG = """
[me]
name = "Alex"
signature = "— Alex, Acme"
handles = ["@acme@mastodon.social", "acme.bsky.social", "acme"]
languages = ["en", "fr"]

[draft.snippets]
export = "Hi {first_name}, everything is under Settings > Export. {signature}"
topic = "About {topic}: it's on the roadmap. {signature}"
broken = "Hi {first_nam}, see the docs."
"""


class World:
    def __init__(self, config_text: str = CONFIG, store: Store | None = None):
        self.config = config_mod.parse(config_text)
        self.engine = Engine.from_config(self.config)
        self.store = store or SQLiteStore.open(":memory:")
        self._ids = itertools.count(1)

    def say(self, text: str, *, handle: str = "@marie@piaille.fr", name: str = "Marie Dubois",
            platform: str = "mastodon", source: str = "masto", lang: str | None = None, minutes: int = 0,
            in_reply_to: str | None = None, from_me: bool = False, person_id: str | None = None,
            url: str | None = "auto", to_me: bool | None = None) -> str:
        """A message arrives; returns its conversation id."""
        n = next(self._ids)
        remote_id = f"m{n}"
        author = Person(source=source, remote_id=person_id or handle, handle=handle, name=name)
        m = Mention(source=source, platform=platform, remote_id=remote_id, author=author, text=text,
                    created_at=T0 + timedelta(minutes=minutes + n), lang=lang, in_reply_to=in_reply_to,
                    url=f"https://{platform}.example/{remote_id}" if url == "auto" else url,
                    to_me=(not from_me) if to_me is None else to_me, from_me=from_me, raw={"id": remote_id})
        ingest(self.store, [m], self.engine)
        row = self.store.mention(source, remote_id)
        return self.store.conversation_by_id(row.conversation_id).key if row.conversation_id else ""

    def conversation(self, ident: str) -> Any:
        return self.store.conversation(ident)
