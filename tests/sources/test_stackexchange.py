"""Stack Exchange on loopback. The /me wrapper is a real recording; the search
and answers bodies are written from the published API docs (PROVENANCE.md).
Every answer is gzip-compressed, as the real API always sends it."""

from __future__ import annotations

import gzip
import json
import time
from typing import Any, Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from h2h import errors
from h2h.sources.http import make_session
from h2h.sources.stackexchange import StackExchangeSource
from h2h.sources.listing import Cursor
from tests.sources.contract import SourceContract, fetch_all
from tests.sources.replay import body

QUESTIONS = body("stackexchange", "search_advanced_docs")


def gz(data: Any, status: int = 200) -> Response:
    return Response(gzip.compress(json.dumps(data).encode()), status=status,
                    headers={"Content-Type": "application/json; charset=utf-8", "Content-Encoding": "gzip"})


class StackExchange:
    """/search/advanced over the questions, honouring fromdate, todate, page and pagesize."""

    def __init__(self, server: HTTPServer, backoff: dict[int, int] | None = None):
        self.items = list(QUESTIONS["items"])
        self.calls: list[dict[str, str]] = []
        self.backoff = backoff or {}
        server.expect_request("/2.3/search/advanced").respond_with_handler(self.search)
        server.expect_request("/2.3/questions/80000003/answers").respond_with_handler(
            lambda r: gz(body("stackexchange", "answers_docs")))
        server.expect_request("/2.3/me").respond_with_handler(lambda r: gz(body("stackexchange", "me_user_wrapper")))

    def search(self, request: Request) -> Response:
        args = dict(request.args)
        self.calls.append(args)
        items = [i for i in self.items if int(args["fromdate"]) <= i["creation_date"] < int(args["todate"])]
        items.sort(key=lambda i: -i["creation_date"])
        size, page = int(args["pagesize"]), int(args["page"])
        chunk = items[(page - 1) * size: page * size]
        data = {**QUESTIONS, "items": chunk, "has_more": page * size < len(items),
                "quota_remaining": QUESTIONS["quota_remaining"] - len(self.calls)}
        if len(self.calls) in self.backoff:
            data["backoff"] = self.backoff[len(self.calls)]
        return gz(data)


def make_source(server: HTTPServer, **table: Any) -> StackExchangeSource:
    config = {"type": "stackexchange", "url": server.url_for("/2.3"), "site": "stackoverflow", "tags": ["acme"],
              "page_size": 1, **table}
    src = StackExchangeSource.from_config("so", config, make_session(retries=0))
    src.http.sleep = lambda s: None
    return src


@pytest.fixture
def api(httpserver: HTTPServer) -> StackExchange:
    return StackExchange(httpserver)


def error_body(error_id: int, name: str, message: str) -> dict[str, Any]:
    return {"error_id": error_id, "error_message": message, "error_name": name}


class TestStackExchangeContract(SourceContract):
    failure_kinds = ("auth", "malformed", "rate_limited", "server", "not_found")
    supports_send = False

    @pytest.fixture
    def source(self, httpserver: HTTPServer, api: StackExchange) -> StackExchangeSource:
        return make_source(httpserver)

    @pytest.fixture
    def failing_source(self, httpserver: HTTPServer) -> Callable[[str], StackExchangeSource]:
        answers = {
            "auth": gz(error_body(403, "access_denied", "`key` is not valid for passed access_token"), 400),
            "malformed": Response("<!DOCTYPE html><title>Stack Exchange</title>", content_type="text/html"),
            "rate_limited": gz(error_body(502, "throttle_violation",
                                          "too many requests from this IP, more requests available in 8460 seconds"),
                               400),
            "server": Response("<html>503 Service Unavailable</html>", status=503, content_type="text/html"),
            "not_found": gz(error_body(404, "no_method", "no method found with this name"), 404),
        }

        def make(kind: str) -> StackExchangeSource:
            httpserver.clear()
            httpserver.expect_request("/2.3/search/advanced").respond_with_response(answers[kind])
            return make_source(httpserver)
        return make

    @pytest.fixture
    def sent_count(self) -> Callable[[], int]:
        return lambda: 0


def test_questions_become_mentions(httpserver: HTTPServer, api: StackExchange) -> None:
    mentions = [m for p in fetch_all(make_source(httpserver)) for m in p.mentions]
    assert [m.remote_id for m in mentions] == ["80000003", "80000002", "80000001"]
    first = mentions[0]
    assert first.text.startswith('Acme export fails with "UnicodeDecodeError" on Windows\n\nRunning acme export')
    assert "I'm on Windows 11." in first.text and "<code>" not in first.text
    assert first.author.handle == "Anaïs Dupont" and first.author.remote_id == "9000001"
    assert first.url == "https://stackoverflow.com/questions/80000003/acme-export-fails-with-utf-8-error"
    assert first.thread == "80000003" and first.in_reply_to is None and first.to_me is False
    gone = mentions[2].author
    assert gone.handle == "user4242" and gone.remote_id == "(gone):user4242"


def test_search_asks_by_creation_for_the_tags_and_query(httpserver: HTTPServer, api: StackExchange) -> None:
    fetch_all(make_source(httpserver, tags=["acme", "python"], query="export", key="app-key-1"))
    first = api.calls[0]
    assert first["tagged"] == "acme;python" and first["q"] == "export" and first["site"] == "stackoverflow"
    assert first["sort"] == "creation" and first["order"] == "desc" and first["filter"] == "withbody"
    assert first["key"] == "app-key-1"
    assert all(c["todate"] == first["todate"] for c in api.calls), "the window stays put during a walk"


def test_the_quota_is_kept_and_an_empty_one_stops_calls(httpserver: HTTPServer, api: StackExchange) -> None:
    src = make_source(httpserver)
    fetch_all(src)
    assert src.http.budget.remaining == 287 - 3 and src.http.budget.limit == 300
    src.http.budget.remaining = 0
    with pytest.raises(errors.RateLimited):
        fetch_all(src)
    assert len(api.calls) == 3


def test_a_short_backoff_is_waited_out(httpserver: HTTPServer) -> None:
    StackExchange(httpserver, backoff={1: 2})
    src = make_source(httpserver)
    waits: list[float] = []
    src.http.sleep = waits.append
    assert len([m for p in fetch_all(src) for m in p.mentions]) == 3
    assert len(waits) == 1 and 1.5 < waits[0] <= 2


def test_a_long_backoff_outlives_the_process(httpserver: HTTPServer) -> None:
    api = StackExchange(httpserver, backoff={1: 60})
    src = make_source(httpserver)
    pages = src.fetch_mentions(None)
    first = next(pages)
    with pytest.raises(errors.RateLimited) as info:
        next(pages)
    assert 55 < info.value.retry_after <= 60 and len(api.calls) == 1
    assert Cursor.load(first.cursor, "se").extra["not_before"] > time.time() + 55
    fresh = make_source(httpserver)  # another run, a minute later at most
    with pytest.raises(errors.RateLimited):
        fetch_all(fresh, first.cursor)
    assert len(api.calls) == 1


def test_a_throttle_violation_sets_the_pause(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/2.3/search/advanced").respond_with_response(gz(error_body(
        502, "throttle_violation", "too many requests from this IP, more requests available in 30 seconds"), 400))
    src = make_source(httpserver)
    with pytest.raises(errors.RateLimited) as info:
        fetch_all(src)
    assert info.value.retry_after == 30 and src.not_before > time.time() + 25


def test_a_bad_site_is_a_config_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/2.3/search/advanced").respond_with_response(
        gz(error_body(400, "bad_parameter", "site is required"), 400))
    with pytest.raises(errors.ConfigError, match="bad_parameter: site is required") as info:
        fetch_all(make_source(httpserver))
    assert info.value.exit_code == errors.ExitCode.CONFIG


def test_new_questions_arrive_after_the_cursor(httpserver: HTTPServer, api: StackExchange) -> None:
    src = make_source(httpserver)
    final = fetch_all(src)[-1].cursor
    newer = {**QUESTIONS["items"][2], "question_id": 80000009, "creation_date": 1795170000}
    api.items.append(newer)
    assert [m.remote_id for p in fetch_all(src, final) for m in p.mentions] == ["80000009"]


def test_thread_lists_the_answers(httpserver: HTTPServer, api: StackExchange) -> None:
    src = make_source(httpserver)
    question = next(m for p in fetch_all(src) for m in p.mentions)
    thread = src.fetch_thread(question)
    assert [m.remote_id for m in thread.mentions] == ["80000003", "80000004"]
    answer = thread.mentions[1]
    assert answer.in_reply_to == "80000003" and answer.author.handle == "Jo Acme"
    assert answer.text == "Set PYTHONUTF8=1 before running the export; 2.4 fixes it for good."


def test_whoami_with_a_token_reads_me(httpserver: HTTPServer, api: StackExchange,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H2H_SE_TOKEN", "se-access-token-0123")
    me = make_source(httpserver, token_env="H2H_SE_TOKEN").whoami()
    assert me.handle == "pennersr" and me.remote_id == "593944" and me.created_at.year == 2011
    assert make_source(httpserver).whoami().handle == "(anonymous)"


def test_send_reply_points_at_the_question(httpserver: HTTPServer, api: StackExchange) -> None:
    src = make_source(httpserver)
    question = next(m for p in fetch_all(src) for m in p.mentions)
    with pytest.raises(errors.NotSupported) as info:
        src.send_reply(question, "Try PYTHONUTF8=1", key="k")
    assert info.value.url == question.url and question.url in info.value.hint


def test_config_needs_a_site_and_something_to_search() -> None:
    with pytest.raises(errors.ConfigError, match="sources.so.site"):
        StackExchangeSource.from_config("so", {"type": "stackexchange", "tags": ["x"]}, make_session())
    with pytest.raises(errors.ConfigError, match="tags: is required, or query"):
        StackExchangeSource.from_config("so", {"type": "stackexchange", "site": "superuser"}, make_session())


def test_the_community_user_is_a_bot() -> None:
    src = StackExchangeSource("so", None, site="stackoverflow")  # type: ignore[arg-type]
    assert src._person({"user_id": -1, "display_name": "Community", "user_type": "moderator"}).bot is True
    assert src._person({"user_id": 22656, "display_name": "Jon Skeet"}).bot is None
