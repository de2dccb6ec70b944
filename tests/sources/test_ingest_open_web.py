"""What the open-web adapters return goes into the store and the queue as is:
raw is plain JSON, ids are stable, and a second fetch changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
from pytest_httpserver import HTTPServer

from h2h.app.inbox import build_queue
from h2h.config import Config
from h2h.ingest.ingest import ingest
from h2h.store.sqlite import SQLiteStore
from h2h.triage.engine import Engine
from tests.sources import test_hackernews, test_reddit, test_rss, test_stackexchange
from tests.sources.contract import fetch_all
from tests.sources.replay import raw


def hackernews(server: HTTPServer) -> Any:
    fake = test_hackernews.Algolia(test_hackernews.HITS)
    server.expect_request("/api/v1/search_by_date").respond_with_handler(fake.search)
    return test_hackernews.make_source(server)


def reddit(server: HTTPServer) -> Any:
    test_reddit.Reddit(server)
    return test_reddit.make_source(server)


def stackexchange(server: HTTPServer) -> Any:
    test_stackexchange.StackExchange(server)
    return test_stackexchange.make_source(server)


def feeds(server: HTTPServer) -> Any:
    serve = test_rss.Feeds(server).serve
    return test_rss.make_source([serve("/c.atom", raw("rss", "blogger_comments_atom_thr_in_reply_to.xml")),
                                 serve("/h.atom", raw("rss", "heise_atom_de.xml"))])


@pytest.mark.parametrize("make", [hackernews, reddit, stackexchange, feeds])
def test_fetched_mentions_ingest_and_queue(make: Callable[[HTTPServer], Any], httpserver: HTTPServer,
                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in test_reddit.ENV.items():
        monkeypatch.setenv(key, value)
    source = make(httpserver)
    mentions = [m for p in fetch_all(source) for m in p.mentions]
    engine = Engine.from_config(Config())
    with SQLiteStore.open(tmp_path / "h2h.db") as store:
        first = ingest(store, mentions, engine)
        assert first.new == len(mentions) and not first.bad
        again = ingest(store, [m for p in fetch_all(source) for m in p.mentions], engine)
        assert again.new == 0
        queue = build_queue(store, engine, show_all=True, limit=None)
        assert queue.items and all(item.source == source.name for item in queue.items)
