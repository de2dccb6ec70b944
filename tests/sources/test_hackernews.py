"""Hacker News (Algolia) against the real recorded hits, served on loopback by a
small Algolia stand-in that applies `numericFilters`, `hitsPerPage` and `page`
to them the way the real index does (newest first)."""

from __future__ import annotations

import json
import operator
import re
from typing import Any, Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from h2h import errors
from h2h.sources.hackernews import HackerNewsSource
from h2h.sources.http import make_session
from h2h.sources.listing import Cursor
from tests.sources.contract import SourceContract, fetch_all, legacy_cursors
from tests.sources.replay import body

SEARCHES = ("search_ask_hn_page2", "search_by_date_comments_query", "search_comments_query", "search_stories_author")
HITS = [body("hackernews", name)["hits"][0] for name in SEARCHES]
WRAPPER = {k: v for k, v in body("hackernews", "search_by_date_comments_query").items() if k != "hits"}


class Algolia:
    """Answers search_by_date from a list of real hits; counts the calls."""

    def __init__(self, hits: list[dict[str, Any]]):
        self.hits = list(hits)
        self.calls: list[dict[str, str]] = []

    def search(self, request: Request) -> Response:
        args = dict(request.args)
        self.calls.append(args)
        hits = sorted(self.hits, key=lambda h: -h["created_at_i"])
        for op, value in re.findall(r"created_at_i(>=|<=|>|<)(\d+)", args.get("numericFilters", "")):
            compare = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}[op]
            hits = [h for h in hits if compare(h["created_at_i"], int(value))]
        tags = args.get("tags", "").strip("()").split(",")
        hits = [h for h in hits if set(tags) & set(h["_tags"])]
        per, page = int(args.get("hitsPerPage", 20)), int(args.get("page", 0))
        chunk = hits[page * per:(page + 1) * per]
        pages = max(1, -(-len(hits) // per))
        data = {**WRAPPER, "hits": chunk, "nbHits": len(hits), "page": page, "nbPages": pages, "hitsPerPage": per}
        return Response(json.dumps(data), content_type="application/json; charset=utf-8")


def make_source(server: HTTPServer, **table: Any) -> HackerNewsSource:
    config = {"type": "hackernews", "url": server.url_for("/api/v1"), "query": "apple",
              "backfill": "10000d", "page_size": 1, **table}
    return HackerNewsSource.from_config("hn", config, make_session(retries=0))


@pytest.fixture
def algolia(httpserver: HTTPServer) -> Algolia:
    fake = Algolia(HITS)
    httpserver.expect_request("/api/v1/search_by_date").respond_with_handler(fake.search)
    tree = body("hackernews", "item_17_tree")
    # Any item answers with the recorded tree: thread tests check its shape, not its id.
    httpserver.expect_request(re.compile(r"/api/v1/items/\d+")).respond_with_json(tree)
    httpserver.expect_request("/api/v1/users/pg").respond_with_json(body("hackernews", "user_pg"))
    return fake


class TestHackerNewsContract(SourceContract):
    failure_kinds = ("malformed", "server", "rate_limited", "not_found")
    supports_send = False

    @pytest.fixture
    def source(self, httpserver: HTTPServer, algolia: Algolia) -> HackerNewsSource:
        return make_source(httpserver)

    @pytest.fixture
    def failing_source(self, httpserver: HTTPServer) -> Callable[[str], HackerNewsSource]:
        answers = {
            "malformed": Response("<html>maintenance</html>", status=200, content_type="text/html"),
            "server": Response('{"message":"oops"}', status=500, content_type="application/json"),
            "rate_limited": Response('{"message":"Too many requests","status":429}', status=429,
                                     content_type="application/json"),
            "not_found": Response('{"message":"Not Found","status":404}', status=404,
                                  content_type="application/json"),
        }

        def make(kind: str) -> HackerNewsSource:
            httpserver.clear()
            httpserver.expect_request("/api/v1/search_by_date").respond_with_response(answers[kind])
            return make_source(httpserver)
        return make

    @pytest.fixture
    def sent_count(self) -> Callable[[], int]:
        return lambda: 0


def test_hits_become_mentions(httpserver: HTTPServer, algolia: Algolia) -> None:
    mentions = {m.remote_id: m for p in fetch_all(make_source(httpserver)) for m in p.mentions}
    assert set(mentions) == {"1256391", "7919418", "6651926", "5239673"}
    comment = mentions["7919418"]
    assert comment.author.handle == "fleitz" and comment.platform == "hackernews"
    assert comment.text.startswith("Yeah the article seems stupid, while technically they aren't")
    assert "&#x27;" not in comment.text and "<i>" not in comment.text
    assert comment.in_reply_to == "7919290" and comment.thread == "7918547"
    assert comment.url == "https://news.ycombinator.com/item?id=7919418"
    assert comment.to_me is False and comment.raw["objectID"] == "7919418"
    story = mentions["1256391"]
    assert story.text.startswith("Ask HN: How many people upset over Apple's rules")
    assert story.in_reply_to is None and story.thread == "1256391"
    assert story.created_at.isoformat() == "2010-04-11T05:01:43+00:00"


def test_query_asks_newest_first_for_stories_and_comments(httpserver: HTTPServer, algolia: Algolia) -> None:
    fetch_all(make_source(httpserver, page_size=50))
    first = algolia.calls[0]
    assert first["query"] == "apple" and first["tags"] == "(story,comment)"
    assert first["numericFilters"].startswith("created_at_i>=")


def test_a_walk_killed_midway_loses_nothing(httpserver: HTTPServer, algolia: Algolia) -> None:
    src = make_source(httpserver)
    pages = iter(src.fetch_mentions(None))
    first = next(pages)  # killed after the first page was committed
    assert [m.remote_id for m in first.mentions] == ["7919418"]
    algolia.hits.append({**HITS[1], "objectID": "99999999", "created_at_i": 1500000000})  # arrives meanwhile
    rest = [m.remote_id for p in fetch_all(src, first.cursor) for m in p.mentions]
    assert rest == ["6651926", "5239673", "1256391"]  # the walk finishes first...
    final = fetch_all(src, first.cursor)[-1].cursor
    assert [m.remote_id for p in fetch_all(src, final) for m in p.mentions] == ["99999999"]  # ...then the new one


def test_ties_on_one_second_are_neither_lost_nor_repeated(httpserver: HTTPServer, algolia: Algolia) -> None:
    t = HITS[1]["created_at_i"]
    algolia.hits = [{**HITS[1], "objectID": str(i), "created_at_i": t} for i in range(5)]
    src = make_source(httpserver, page_size=2)
    pages = fetch_all(src)
    ids = [m.remote_id for p in pages for m in p.mentions]
    assert sorted(ids) == ["0", "1", "2", "3", "4"]
    algolia.hits.append({**HITS[1], "objectID": "5", "created_at_i": t})  # same second, later
    again = [m.remote_id for p in fetch_all(src, pages[-1].cursor) for m in p.mentions]
    assert again == ["5"]


def test_a_tie_window_saved_by_an_earlier_version_resumes_as_it_did(httpserver: HTTPServer, algolia: Algolia) -> None:
    t = HITS[1]["created_at_i"]
    algolia.hits = [{**HITS[1], "objectID": str(i), "created_at_i": t} for i in range(5)]
    algolia.hits += [{**HITS[1], "objectID": "9", "created_at_i": t + 5}]
    src = make_source(httpserver, page_size=2)
    cases = legacy_cursors("hackernews", "ties")
    assert any("ids" in json.loads(c["cursor"])["walk"].get("at", {}) for c in cases)
    for case in cases:
        assert [m.remote_id for p in fetch_all(src, case["cursor"]) for m in p.mentions] == case["rest"]


def test_the_first_fetch_reaches_back_only_as_far_as_backfill(httpserver: HTTPServer, algolia: Algolia) -> None:
    algolia.hits.append({**HITS[1], "objectID": "recent", "created_at_i": 1795000000})  # 2026-11-18
    ids = [m.remote_id for p in fetch_all(make_source(httpserver, backfill="7d")) for m in p.mentions]
    assert ids == ["recent"]


def test_a_bad_cursor_starts_over_instead_of_failing(httpserver: HTTPServer, algolia: Algolia) -> None:
    ids = [m.remote_id for p in fetch_all(make_source(httpserver), "{not json") for m in p.mentions]
    assert len(ids) == 4
    assert Cursor.load("[1]", "hn") == Cursor()


def test_thread_flattens_the_items_tree(httpserver: HTTPServer, algolia: Algolia) -> None:
    src = make_source(httpserver)
    mention = next(m for p in fetch_all(src) for m in p.mentions)
    thread = src.fetch_thread(mention)
    assert [m.remote_id for m in thread.mentions] == ["17", "1079", "454426"]
    assert [m.author.handle for m in thread.mentions] == ["pg", "dmon", "Arrington"]
    assert thread.mentions[0].text == "Is there anywhere to eat on Sandhill Road?"
    assert thread.mentions[1].in_reply_to == "17" and thread.mentions[1].thread == "1"
    assert "children" not in thread.mentions[0].raw


def test_send_reply_is_not_supported_and_points_at_the_item(httpserver: HTTPServer, algolia: Algolia) -> None:
    src = make_source(httpserver)
    mention = next(m for p in fetch_all(src) for m in p.mentions)
    with pytest.raises(errors.NotSupported) as info:
        src.send_reply(mention, "Hi!", key="k")
    assert mention.url in info.value.hint
    assert info.value.url == mention.url


def test_whoami_reads_the_configured_user(httpserver: HTTPServer, algolia: Algolia) -> None:
    me = make_source(httpserver, username="pg").whoami()
    assert me.handle == "pg" and me.created_at is not None and me.created_at.year == 2006
    assert make_source(httpserver).whoami().handle == "(anonymous)"


def test_own_posts_are_from_me(httpserver: HTTPServer, algolia: Algolia) -> None:
    mentions = [m for p in fetch_all(make_source(httpserver, username="pg")) for m in p.mentions]
    assert {m.remote_id for m in mentions if m.from_me} == {"6651926", "5239673"}


def test_a_hit_without_an_id_costs_that_hit(httpserver: HTTPServer, caplog: pytest.LogCaptureFixture) -> None:
    good = next(h for h in HITS if "comment" in h["_tags"])
    httpserver.expect_request("/api/v1/search_by_date").respond_with_json(
        {"hits": [{"title": "x"}, good], "nbPages": 1})
    mentions = [m for p in fetch_all(make_source(httpserver, page_size=5)) for m in p.mentions]
    assert [m.remote_id for m in mentions] == [good["objectID"]]
    assert "hn: skipped an item h2h cannot read" in caplog.text and "created_at_i" in caplog.text


@pytest.mark.parametrize("table, key", [({"query": ""}, "query"), ({"tags": ["stories"]}, "tags"),
                                         ({"page_size": 0}, "page_size"), ({"backfill": "soon"}, "backfill"),
                                         ({"url": "hn.algolia.com"}, "url")])
def test_config_mistakes_name_the_key(table: dict[str, Any], key: str) -> None:
    config = {"type": "hackernews", "query": "acme", **table}
    with pytest.raises(errors.ConfigError, match=f"sources.hn.{key}"):
        HackerNewsSource.from_config("hn", config, make_session())

