"""What the Discourse, Lemmy and X adapters fetch can be stored, grouped and queued
like any other mention, and a second fetch from the saved cursor adds nothing."""

from __future__ import annotations

from pytest_httpserver import HTTPServer

from h2h.app.inbox import build_queue
from h2h.ingest.ingest import ingest
from h2h.store import Store
from h2h.store.sqlite import SQLiteStore
from h2h.triage.engine import Engine
from tests.sources.test_discourse import Forum
from tests.sources.test_lemmy import Instance
from tests.sources.test_x import Bird


def _fetch_into(store: Store, source, engine: Engine) -> int:
    read = 0
    for page in source.fetch_mentions(store.get_cursor(source.name)):
        def save(s: Store, _batch, cursor: str | None = page.cursor) -> None:
            s.set_cursor(source.name, cursor)
        read += ingest(store, page.mentions, engine, after_batch=save).read
    return read


def test_fetched_mentions_are_stored_and_queued(httpserver: HTTPServer) -> None:
    store = SQLiteStore.open(":memory:")
    engine = Engine(me=frozenset({"test_user", "@acme_support@lemmy.example", "tweepydev"}))
    sources = [Forum(httpserver).source(), Instance(httpserver).source(), Bird(httpserver, "/x").source()]
    first = {s.name: _fetch_into(store, s, engine) for s in sources}
    assert first == {"forum": 2, "lemmy": 5, "x": 20}
    assert {s.name: _fetch_into(store, s, engine) for s in sources} == {"forum": 0, "lemmy": 0, "x": 0}
    queue = build_queue(store, engine, sections=("reply", "thanks", "careful", "noise"))
    assert {item.source for item in queue.items} == {"forum", "lemmy", "x"}
    assert all(item.text for item in queue.items)
    # Our own Lemmy comment (502) is not in any listing; discobot's message is noise, not a human to answer.
    assert not any(item.person.handle == "@acme_support@lemmy.example" for item in queue.items)
    bot = next(item for item in queue.items if item.person.handle == "discobot")
    assert bot.section == "noise"
