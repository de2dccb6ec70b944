"""X against its recorded answers (tests/fixtures/x), replayed on loopback."""

from __future__ import annotations

import json
import re
from typing import Any, Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from h2h import errors
from h2h.sources.listing import Cursor
from h2h.sources.x import EXPANSIONS, TWEET_FIELDS, USER_FIELDS, XSource, _snowflake_time
from tests.sources.contract import SourceContract, fetch_all
from tests.sources.replay import answer, body, meta, quick_session, respond

TOKEN = "x-bearer-token-0123456789"
ME = "1072250532645998596"          # the account of the recorded /2/users/me
EMPTY = {"meta": {"result_count": 0}}  # X's documented answer when nothing (more) matches
# X's documented error bodies (https://developer.x.com/en/support/x-api/error-troubleshooting); not recorded.
UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
TOO_MANY = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}


class Bird:
    """A loopback X made of the recordings, plus the posts h2h creates."""

    def __init__(self, server: HTTPServer, prefix: str = ""):
        self.server, self.prefix = server, prefix
        self.posted: list[dict[str, Any]] = []
        self.requests: list[Request] = []
        self.refuse_duplicates = False
        server.expect_request(f"{prefix}/2/users/me").respond_with_handler(self._me)
        server.expect_request(f"{prefix}/2/users/{ME}/mentions").respond_with_handler(
            self._listing("users_mentions_default_fields"))
        server.expect_request(f"{prefix}/2/tweets/search/recent").respond_with_handler(
            self._listing("search_recent_default_fields"))
        server.expect_request(f"{prefix}/2/users/{ME}/tweets").respond_with_handler(self._timeline)
        server.expect_request(f"{prefix}/2/tweets", method="POST").respond_with_handler(self._post)

    def source(self, **kw: Any) -> XSource:
        kw.setdefault("query", "Tweepy -is:retweet")
        return XSource(self.prefix.strip("/") or "x", token=TOKEN, session=quick_session(),
                       url=self.server.url_for(self.prefix or "/"), **kw)

    def _auth(self, request: Request) -> None:
        self.requests.append(request)
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"

    def _me(self, request: Request) -> Response:
        self._auth(request)
        assert request.args["user.fields"] == USER_FIELDS
        return respond("x", "users_me")

    def _listing(self, name: str) -> Callable[[Request], Response]:
        def handle(request: Request) -> Response:
            self._auth(request)
            assert request.args["tweet.fields"] == TWEET_FIELDS and request.args["expansions"] == EXPANSIONS
            assert request.args["user.fields"] == USER_FIELDS and request.args["max_results"] == "100"
            if "pagination_token" in request.args:
                assert request.args["pagination_token"] == body("x", name)["meta"]["next_token"]
                return answer(EMPTY)
            return respond("x", name)
        return handle

    def _timeline(self, request: Request) -> Response:
        self._auth(request)
        mine = list(reversed(self.posted))
        return answer({"data": mine, "meta": {"result_count": len(mine)}} if mine else EMPTY)

    def _post(self, request: Request) -> Response:
        self._auth(request)
        form = json.loads(request.data)
        if self.refuse_duplicates and any(p["_sent_text"] == form["text"] for p in self.posted):
            return answer({"detail": "You are not allowed to create a Tweet with duplicate content.",
                           "type": "about:blank", "title": "Forbidden", "status": 403}, 403)
        created = body("x", "create_tweet_201")["data"]
        tweet_id = str(int(created["id"]) + len(self.posted))
        # X answers 201 {data: {id, text}}; the timeline later shows the text with the reply's @name and &amp;.
        self.posted.append({"id": tweet_id, "text": "@someone " + form["text"].replace("&", "&amp;"),
                            "_sent_text": form["text"], "created_at": "2026-11-20T12:00:00.000Z",
                            "referenced_tweets": [{"type": "replied_to", "id": form["reply"]["in_reply_to_tweet_id"]}]})
        return respond("x", "create_tweet_201", headers={}) if not self.posted[:-1] else \
            answer({"data": {"id": tweet_id, "text": form["text"]}}, 201)


@pytest.fixture
def bird(httpserver: HTTPServer) -> Bird:
    return Bird(httpserver)


class TestXContract(SourceContract):
    failure_kinds = ("auth", "not_found", "rate_limited", "malformed", "server")

    @pytest.fixture
    def source(self, bird: Bird) -> XSource:
        return bird.source()

    @pytest.fixture
    def failing_source(self, httpserver: HTTPServer) -> Callable[[str], XSource]:
        failures = {
            "auth": lambda r: answer(UNAUTHORIZED, 401),
            # A 200 that carries only errors: the account does not exist.
            "not_found": lambda r: answer({"errors": [{"value": "1", "detail": "Could not find user with id: [1].",
                                                       "title": "Not Found Error", "resource_type": "user",
                                                       "parameter": "id", "resource_id": "1",
                                                       "type": "https://api.twitter.com/2/problems/resource-not-found"}]}),
            "rate_limited": lambda r: answer(TOO_MANY, 429, {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0",
                                                             "x-rate-limit-reset": "4102444800"}),
            "malformed": lambda r: Response('{"data": [', 200, content_type="application/json"),
            "server": lambda r: answer({"title": "Service Unavailable"}, 503),
        }

        def make(kind: str) -> XSource:
            httpserver.expect_request(re.compile(rf"^/{kind}/.*")).respond_with_handler(failures[kind])
            return XSource(kind, token=TOKEN, session=quick_session(), url=httpserver.url_for(f"/{kind}"),
                           user_id="1", username="someone")
        return make

    @pytest.fixture
    def sent_count(self, bird: Bird) -> Callable[[], int]:
        return lambda: len(bird.posted)


def test_default_field_answers_still_give_times_and_distinct_authors(bird: Bird) -> None:
    mentions = [m for p in fetch_all(bird.source(query=None)) for m in p.mentions]
    assert len(mentions) == 10 and all(m.to_me for m in mentions)
    first = mentions[0]
    # No created_at was asked for in 2022: the snowflake id says when, seconds before the answer's Date.
    assert first.created_at.isoformat() == "2022-10-07T22:43:06.945000+00:00"
    assert meta("x", "users_mentions_default_fields")["headers"]["date"] == ["Fri, 07 Oct 2022 22:43:18 UTC"]
    assert len({m.author.remote_id for m in mentions}) == 10
    assert first.url == "https://x.com/i/web/status/1578516295611748353"


def test_pages_follow_next_token_and_the_cursor_resumes(bird: Bird) -> None:
    src = bird.source()
    pages = fetch_all(src)
    assert [len(p.mentions) for p in pages] == [10, 0, 10, 0]
    marks = Cursor.load(pages[-1].cursor, "x").marks
    assert marks["mentions"].floor == 1578516295611748353 and marks["search"].floor == 1578516068309794817
    again = fetch_all(src, pages[-1].cursor)
    assert sum(len(p.mentions) for p in again) == 0
    sent = [r for r in bird.requests if r.path.endswith("/mentions")][-1]
    assert sent.args["since_id"] == "1578516295611748353"


def test_expanded_answer_joins_users_and_keeps_data_despite_errors(httpserver: HTTPServer, caplog) -> None:
    httpserver.expect_request("/2/users/2244994945/mentions").respond_with_handler(
        lambda r: respond("x", "docs_mentions_expanded"))
    src = XSource("x", token=TOKEN, session=quick_session(), url=httpserver.url_for("/"),
                  user_id="2244994945", username="XDevelopers")
    a, b = [m for p in fetch_all(src) for m in p.mentions]
    assert a.author.handle == "devperson" and a.author.followers == 120 and a.author.name == "Dev Person"
    assert a.text == "Hey @XDevelopers, love the new API! Docs: https://docs.x.com/x-api/introduction"
    assert a.lang == "en" and a.thread == a.remote_id and a.in_reply_to is None
    assert a.created_at.isoformat() == "2024-01-15T10:30:00+00:00"
    assert b.text.startswith("@XDevelopers how do I get & keep")
    assert b.in_reply_to == "1301573587187330000" and b.thread == "1301573587187330000"
    assert b.author.remote_id == "2244994946" and b.author.name == ""   # not in includes.users
    assert b.raw["tweet"]["public_metrics"]["like_count"] == 1
    assert src.problems == ["Not Found Error: Could not find tweet with referenced_tweets.id: [1301573587187329999]."]
    assert "Could not find tweet" in caplog.text


def test_search_marks_posts_addressed_to_us(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/2/tweets/search/recent").respond_with_handler(
        lambda r: respond("x", "docs_mentions_expanded"))
    src = XSource("x", token=TOKEN, session=quick_session(), url=httpserver.url_for("/"), mentions=False,
                  query="api", user_id="2244994945", username="XDevelopers")
    assert [m.to_me for p in fetch_all(src) for m in p.mentions] == [True, True]
    other = XSource("x", token=TOKEN, session=quick_session(), url=httpserver.url_for("/"), mentions=False,
                    query="api", user_id="42", username="someoneelse")
    assert [m.to_me for p in fetch_all(other) for m in p.mentions] == [False, False]


def test_rate_limit_headers_set_the_budget(bird: Bird) -> None:
    src = bird.source(query=None)
    fetch_all(src)
    budget = src._http["mentions"].budget
    assert budget.limit == 450 and budget.remaining == 448 and budget.reset_at == 1665183228
    assert src._http["search"].budget.remaining is None     # a separate window


def test_a_used_up_window_stops_before_calling(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/2/users/1/mentions").respond_with_json(
        EMPTY, headers={"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0", "x-rate-limit-reset": "4102444800"})
    src = XSource("x", token=TOKEN, session=quick_session(), url=httpserver.url_for("/"), user_id="1", username="a")
    fetch_all(src)
    with pytest.raises(errors.RateLimited) as caught:
        fetch_all(src)
    assert caught.value.retry_after > 3600
    assert len(httpserver.log) == 1


def test_thread_is_the_conversation(bird: Bird) -> None:
    src = bird.source()
    first = next(m for p in fetch_all(src) for m in p.mentions)
    thread = src.fetch_thread(first)
    assert thread.root == first.remote_id
    assert first.remote_id in {m.remote_id for m in thread.mentions}
    search = [r for r in bird.requests if r.path.endswith("/search/recent")][-1]
    assert search.args["query"] == f"conversation_id:{first.remote_id}"


def test_send_finds_its_earlier_post_even_as_x_rewrote_it(bird: Bird) -> None:
    src = bird.source()
    first = next(m for p in fetch_all(src) for m in p.mentions)
    a = src.send_reply(first, "Thanks & sorry: see https://example.com/fix", key="k1")
    b = src.send_reply(first, "Thanks & sorry: see https://example.com/fix", key="k1")
    assert a.remote_id == b.remote_id == "1456012973835788293" and len(bird.posted) == 1
    assert a.url == "https://x.com/TweepyDev/status/1456012973835788293"


def test_a_duplicate_refused_by_x_is_found(bird: Bird, monkeypatch: pytest.MonkeyPatch) -> None:
    src = bird.source()
    first = next(m for p in fetch_all(src) for m in p.mentions)
    src.send_reply(first, "Same words.", key="k1")
    bird.refuse_duplicates = True
    original, calls = src._our_reply, iter([None])
    monkeypatch.setattr(src, "_our_reply", lambda *a: next(calls, None) or original(*a))
    assert src.send_reply(first, "Same words.", key="k1").remote_id == "1456012973835788293"
    assert len(bird.posted) == 1


def test_send_refuses_what_x_would_refuse(bird: Bird) -> None:
    src = bird.source()
    first = next(m for p in fetch_all(src) for m in p.mentions)
    with pytest.raises(errors.InputError, match="281"):
        src.send_reply(first, "x" * 281, key="k")
    with pytest.raises(errors.InputError):
        src.send_reply(first, "故" * 141, key="k")
    assert bird.posted == []


def test_posting_cap_reports_when_it_resets(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/2/users/1/tweets").respond_with_json(EMPTY)
    httpserver.expect_request("/2/tweets", method="POST").respond_with_json(
        TOO_MANY, status=429, headers={"x-user-limit-24hour-limit": "17", "x-user-limit-24hour-remaining": "0",
                                       "x-user-limit-24hour-reset": "1795183200"})   # 2026-11-20T12:00:00Z + 7200 s
    src = XSource("x", token=TOKEN, session=quick_session(), url=httpserver.url_for("/"), user_id="1", username="a")
    from datetime import datetime, timezone

    from h2h.models import Mention, Person
    m = Mention(source="x", platform="x", remote_id="5", author=Person(source="x", remote_id="2", handle="b"),
                text="hi", created_at=datetime(2026, 11, 20, tzinfo=timezone.utc))
    with pytest.raises(errors.RateLimited) as caught:
        src.send_reply(m, "hello", key="k")
    assert caught.value.retry_after == 7200


def test_snowflake_time_matches_the_recorded_date() -> None:
    # The post created in the recording, answered at "Wed, 03 Nov 2021 21:38:39 UTC".
    assert _snowflake_time("1456012973835788293").isoformat() == "2021-11-03T21:38:39.032000+00:00"


def test_from_config_builds_the_search_query(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H2H_X_TOKEN", TOKEN)
    src = XSource.from_config("x", {"type": "x", "token_env": "H2H_X_TOKEN", "keywords": ["acme", "acme.io", "acme app"]},
                              quick_session())
    assert src.query == '(acme OR "acme.io" OR "acme app") -is:retweet'
    with pytest.raises(errors.ConfigError, match="user_id and username"):
        XSource.from_config("x", {"token_env": "H2H_X_TOKEN", "user_id": "1"}, quick_session())
    with pytest.raises(errors.ConfigError, match="H2H_MISSING"):
        XSource.from_config("x", {"token_env": "H2H_MISSING"}, quick_session())


# --- python-twitter's recordings (X's own documentation samples) --------------------------------

class DocsBird(Bird):
    """Mentions without author ids and a search with expansions, as python-twitter's test data holds them."""

    def __init__(self, server: HTTPServer):
        self.server, self.prefix = server, ""
        self.posted: list[dict[str, Any]] = []
        self.requests: list[Request] = []
        self.refuse_duplicates = False
        server.expect_request("/2/users/me").respond_with_handler(self._me)
        server.expect_request(f"/2/users/{ME}/mentions").respond_with_handler(self._listing("pytwitter_users_mentions"))
        server.expect_request("/2/tweets/search/recent").respond_with_handler(
            self._listing("pytwitter_search_recent_expanded"))
        server.expect_request(f"/2/users/{ME}/tweets").respond_with_handler(self._timeline)
        server.expect_request("/2/tweets", method="POST").respond_with_handler(self._post)


class TestXOnPythonTwitterRecordings(SourceContract):
    failure_kinds = ("auth", "malformed")
    scenario = "python-twitter"

    @pytest.fixture
    def docs(self, httpserver: HTTPServer) -> DocsBird:
        return DocsBird(httpserver)

    @pytest.fixture
    def source(self, docs: DocsBird) -> XSource:
        return docs.source(query="snowman")

    @pytest.fixture
    def failing_source(self, httpserver: HTTPServer) -> Callable[[str], XSource]:
        answers = {"auth": answer(UNAUTHORIZED, 401), "malformed": Response("<html>", 200, content_type="text/html")}

        def make(kind: str) -> XSource:
            httpserver.clear()
            httpserver.expect_request(re.compile(".*")).respond_with_response(answers[kind])
            return XSource(kind, token=TOKEN, session=quick_session(), url=httpserver.url_for("/"), user_id="1",
                           username="someone")
        return make

    @pytest.fixture
    def sent_count(self, docs: DocsBird) -> Callable[[], int]:
        return lambda: len(docs.posted)


def test_a_search_with_expansions_names_its_authors_and_replies(httpserver: HTTPServer) -> None:
    mentions = {m.remote_id: m for p in fetch_all(DocsBird(httpserver).source(query="snowman", mentions=False))
                for m in p.mentions}
    reply = mentions["1276035977375477760"]
    assert reply.author.handle == "happycamper" and reply.in_reply_to == "1275653067283759104"
    assert reply.text.endswith("https://twitter.com/happycamper/status/1276035977375477760/photo/1")  # t.co expanded
