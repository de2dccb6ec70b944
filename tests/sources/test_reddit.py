"""Reddit against the real recorded answers (praw's cassettes), replayed on
loopback. Listings are paged over their real children with `limit`/`after`
as Reddit does; the comment context gains the replies posted during a test."""

from __future__ import annotations

import copy
import re
import json
from typing import Any, Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from h2h import __version__, errors
from h2h.errors import ExitCode
from h2h.sources.http import make_session
from h2h.sources.reddit import RedditSource
from tests.sources.contract import SourceContract, fetch_all
from tests.sources.replay import body, headers, respond

ENV = {"H2H_REDDIT_SECRET": "client-secret-value-123", "H2H_REDDIT_PASSWORD": "hunter2-password-xyz"}


class Reddit:
    """Replays the recordings; keeps what was posted and what was asked."""

    def __init__(self, server: HTTPServer):
        self.server = server
        self.posted: list[dict[str, Any]] = []
        self.requests: list[Request] = []
        self.logins = 0
        self.listings = {"/message/mentions": "message_mentions", "/message/comments": "message_comments_replies",
                         "/message/selfreply": "message_selfreply", "/search": "search_r_all"}
        server.expect_request("/auth/api/v1/access_token", method="POST").respond_with_handler(self.login)
        server.expect_request("/api/v1/me").respond_with_handler(lambda r: respond("reddit", "api_v1_me"))
        for path, name in self.listings.items():
            server.expect_request(path).respond_with_handler(self.pager(name))
        server.expect_request("/comments/bb24k7/_/ekftbox").respond_with_handler(self.context)
        server.expect_request("/api/comment", method="POST").respond_with_handler(self.comment)

    def login(self, request: Request) -> Response:
        self.logins += 1
        assert request.authorization is not None and request.authorization.username == "my-client-id"
        assert request.authorization.password == ENV["H2H_REDDIT_SECRET"]
        assert request.form["grant_type"] == "password" and request.form["password"] == ENV["H2H_REDDIT_PASSWORD"]
        return respond("reddit", "oauth_access_token")

    def pager(self, name: str) -> Callable[[Request], Response]:
        def answer(request: Request) -> Response:
            self.requests.append(request)
            assert request.headers.get("Authorization") == "bearer <ACCESS_TOKEN>"
            listing = body("reddit", name)
            children = listing["data"]["children"]
            if request.args.get("sort") == "new":
                children = sorted(children, key=lambda c: -c["data"]["created_utc"])
            after = request.args.get("after")
            start = next(i + 1 for i, c in enumerate(children) if c["data"]["name"] == after) if after else 0
            limit = int(request.args.get("limit", 25))
            chunk = children[start:start + limit]
            more = start + limit < len(children)
            data = {**listing, "data": {**listing["data"], "children": chunk, "dist": len(chunk),
                                        "after": chunk[-1]["data"]["name"] if more and chunk else None}}
            return respond("reddit", name, data)
        return answer

    def context(self, request: Request) -> Response:
        answer = copy.deepcopy(body("reddit", "comment_context_of_mention"))
        comment = answer[1]["data"]["children"][0]["data"]
        if self.posted:
            comment["replies"] = {"kind": "Listing", "data": {"after": None, "before": None, "children": [
                {"kind": "t1", "data": p} for p in self.posted]}}
        return respond("reddit", "comment_context_of_mention", answer)

    def comment(self, request: Request) -> Response:
        answer = copy.deepcopy(body("reddit", "api_comment_reply"))
        thing = answer["json"]["data"]["things"][0]["data"]
        thing.update(body=request.form["text"], parent_id=request.form["thing_id"], link_id="t3_bb24k7",
                     id=f"new{len(self.posted)}", name=f"t1_new{len(self.posted)}")
        self.posted.append(thing)
        return respond("reddit", "api_comment_reply", answer)


def make_source(server: HTTPServer, **table: Any) -> RedditSource:
    config = {"type": "reddit", "url": server.url_for(""), "auth_url": server.url_for("/auth"),
              "client_id": "my-client-id", "client_secret_env": "H2H_REDDIT_SECRET", "username": "<USERNAME>",
              "password_env": "H2H_REDDIT_PASSWORD", "backfill": "10000d", "page_size": 10, **table}
    return RedditSource.from_config("rd", config, make_session(retries=0))


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def reddit(httpserver: HTTPServer) -> Reddit:
    return Reddit(httpserver)


def failing(server: HTTPServer, response: Response, **table: Any) -> RedditSource:
    server.clear()
    server.expect_request("/auth/api/v1/access_token").respond_with_handler(
        lambda r: respond("reddit", "oauth_access_token"))
    server.expect_request("/message/mentions").respond_with_response(response)
    return make_source(server, **table)


class TestRedditContract(SourceContract):
    failure_kinds = ("auth", "not_found", "malformed", "server", "rate_limited")

    @pytest.fixture
    def source(self, httpserver: HTTPServer, reddit: Reddit) -> RedditSource:
        return make_source(httpserver)

    @pytest.fixture
    def failing_source(self, httpserver: HTTPServer) -> Callable[[str], RedditSource]:
        answers = {
            "auth": respond("reddit", "error_401_invalid_token"),
            "not_found": respond("reddit", "error_404_not_found"),
            "malformed": Response('{"kind": "Listing", "data": {"children": "nope"}}', status=200,
                                  content_type="application/json"),
            "server": Response("<html>Our CDN was unable to reach our servers</html>", status=503),
            "rate_limited": Response('{"message": "Too Many Requests", "error": 429}', status=429,
                                     content_type="application/json"),
        }
        return lambda kind: failing(httpserver, answers[kind])

    @pytest.fixture
    def sent_count(self, reddit: Reddit) -> Callable[[], int]:
        return lambda: len(reddit.posted)


def everything(src: RedditSource, cursor: str | None = None) -> dict[str, Any]:
    return {m.remote_id: m for p in fetch_all(src, cursor) for m in p.mentions}


def test_inbox_mentions_comment_replies_and_post_replies(httpserver: HTTPServer, reddit: Reddit) -> None:
    mentions = everything(make_source(httpserver))
    assert len(mentions) == 16 + 64 + 64
    assert any(r.path == "/message/selfreply" for r in reddit.requests)
    m = mentions["t1_ekftbox"]
    assert m.author.handle == "2Botter2Loop" and m.author.remote_id == "t2_3efd9zdo"
    assert m.to_me and m.platform == "reddit" and m.in_reply_to == "t3_bb24k7" and m.thread == "t3_bb24k7"
    assert m.text.startswith("Hello /u/<USERNAME>,") and m.created_at.year == 2019
    assert m.url == "https://www.reddit.com/r/RemovedByBotter/comments/bb24k7/" \
                    "just_a_normal_girl_going_for_her_10th_class_exam/ekftbox/"
    reply = mentions["t1_mynqwvd"]
    assert reply.in_reply_to == "t1_myngt77" and reply.thread == "t3_1j7g9uj" and reply.text == "Comment Body"
    # Replies to our own posts (/message/selfreply): 61 of the 64 recorded are AutoModerator's.
    to_posts = [m for m in mentions.values() if m.raw.get("type") == "post_reply"]
    assert len(to_posts) == 64 and all(m.to_me and m.in_reply_to.startswith("t3_") for m in to_posts)
    bots = [m for m in to_posts if m.author.bot]
    assert len(bots) == 61 and {m.author.handle for m in bots} == {"AutoModerator"}
    assert not any(m.author.bot for m in to_posts if m.author.handle != "AutoModerator")


def test_keyword_search_asks_for_the_newest_posts(httpserver: HTTPServer, reddit: Reddit) -> None:
    src = make_source(httpserver, inbox=False, keywords=["praw", "oauth search"], subreddits=[])
    posts = everything(src)
    assert len(posts) == 6 and not any(p.to_me for p in posts.values())
    query = reddit.requests[0].args
    assert query["q"] == 'praw OR "oauth search"' and query["sort"] == "new" and query["raw_json"] == "1"
    post = posts["t3_3gpbiu"]
    assert post.in_reply_to is None and post.thread == "t3_3gpbiu"
    assert post.text.startswith("[PRAW][OAuth2Util] Problem using get_banned() : raise Forbidden(_raw=response)"
                                "\n\n# solved\n\nProblem solved with this:")  # the title, then the self text
    assert post.url == "https://www.reddit.com/r/redditdev/comments/3gpbiu/prawoauth2util_problem_using_get_banned_raise/"


def test_a_walk_killed_midway_loses_nothing(httpserver: HTTPServer, reddit: Reddit) -> None:
    src = make_source(httpserver)
    walk = iter(src.fetch_mentions(None))
    first = next(walk)
    assert len(first.mentions) == 10
    rest = everything(src, first.cursor)
    assert len(rest) == 144 - 10 and not set(rest) & {m.remote_id for m in first.mentions}
    final = fetch_all(src, first.cursor)[-1].cursor
    assert everything(src, final) == {}


def test_user_agent_names_the_author(httpserver: HTTPServer, reddit: Reddit) -> None:
    fetch_all(make_source(httpserver))
    assert reddit.requests[0].headers["User-Agent"] == f"python:h2h:v{__version__} (by /u/<USERNAME>)"
    assert reddit.logins == 1


def test_thread_walks_replies_listings_and_empty_strings(httpserver: HTTPServer, reddit: Reddit) -> None:
    httpserver.expect_request("/comments/54hhwl/_/d81vwef").respond_with_handler(
        lambda r: respond("reddit", "comment_context_thread"))
    src = make_source(httpserver)
    mention = next(m for m in everything(src).values())
    thread = src.fetch_thread(mention._replace(remote_id="t1_d81vwef", thread="t3_54hhwl"))
    assert [m.remote_id for m in thread.mentions] == ["t3_54hhwl", "t1_d81vwef", "t1_d81w4vt"]
    assert thread.root == "t3_54hhwl"
    assert thread.mentions[2].in_reply_to == "t1_d81vwef" and thread.mentions[2].author.handle == "OkRedditBot"
    assert thread.mentions[0].text.startswith("[PRAW 4]: Fetch specific comment replies")


def test_deleted_authors_stay_apart(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/auth/api/v1/access_token").respond_with_handler(
        lambda r: respond("reddit", "oauth_access_token"))
    httpserver.expect_request("/message/mentions").respond_with_handler(
        lambda r: respond("reddit", "api_info_deleted_comment"))
    for path in ("/message/comments", "/message/selfreply"):
        httpserver.expect_request(path).respond_with_handler(lambda r: respond("reddit", "api_info_deleted_comment"))
    httpserver.expect_request("/comments/52o2fl/_/d7ltvl0").respond_with_handler(
        lambda r: respond("reddit", "comment_context_deleted"))
    src = make_source(httpserver)
    [m] = everything(src).values()
    assert m.author.handle == "[deleted]" and m.author.remote_id == "[deleted]:t1_d7ltvl0"
    assert m.author.url is None and m.from_me is False
    thread = src.fetch_thread(m)  # the deleted comment is gone from its context: only the post is left
    assert [t.remote_id for t in thread.mentions] == ["t3_52o2fl"]


def test_send_reply_posts_once_then_finds_its_own_reply(httpserver: HTTPServer, reddit: Reddit) -> None:
    src = make_source(httpserver)
    mention = everything(src)["t1_ekftbox"]
    sent = src.send_reply(mention, "Thanks, we'll look.", key="k1")
    assert sent.remote_id == "t1_new0" and sent.in_reply_to == "t1_ekftbox" and sent.key == "k1"
    assert sent.url == "https://www.reddit.com/comments/bb24k7/_/new0/"
    again = src.send_reply(mention, "Thanks, we'll look.", key="k1")
    assert again.remote_id == sent.remote_id and len(reddit.posted) == 1
    other = src.send_reply(mention, "A different answer.", key="k2")
    assert other.remote_id == "t1_new1" and len(reddit.posted) == 2


def test_reddit_refusing_a_reply_is_an_error_that_says_why(httpserver: HTTPServer, reddit: Reddit) -> None:
    src = make_source(httpserver)
    mention = everything(src)["t1_ekftbox"]
    httpserver.clear()
    httpserver.expect_request("/auth/api/v1/access_token").respond_with_handler(reddit.login)
    httpserver.expect_request("/comments/bb24k7/_/ekftbox").respond_with_handler(reddit.context)
    refusal = {"json": {"errors": [["RATELIMIT", "you are doing that too much. try again in 5 minutes.",
                                    "ratelimit"]]}}
    httpserver.expect_request("/api/comment", method="POST").respond_with_json(refusal)
    with pytest.raises(errors.RateLimited, match="doing that too much"):
        src.send_reply(mention, "hello", key="k")
    httpserver.clear()
    httpserver.expect_request("/comments/bb24k7/_/ekftbox").respond_with_handler(reddit.context)
    httpserver.expect_request("/api/comment", method="POST").respond_with_json(
        {"json": {"errors": [["THREAD_LOCKED", "that comment is locked", "parent"]]}})
    with pytest.raises(errors.SourceError, match="THREAD_LOCKED"):
        src.send_reply(mention, "hello", key="k")


@pytest.mark.parametrize("name, error, exit_code", [
    ("error_401_invalid_token", errors.AuthError, ExitCode.AUTH),
    ("error_403_forbidden", errors.AuthError, ExitCode.AUTH),
    ("error_404_not_found", errors.NotFound, ExitCode.ERROR),
])
def test_recorded_errors_map_to_errors_and_exit_codes(httpserver: HTTPServer, name: str, error: type,
                                                      exit_code: ExitCode) -> None:
    src = failing(httpserver, respond("reddit", name), token_env="H2H_REDDIT_TOKEN")
    with pytest.raises(error) as info:
        fetch_all(src)
    assert info.value.exit_code == exit_code
    assert "Unauthorized" in str(info.value) or "Forbidden" in str(info.value) or "Not Found" in str(info.value)


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("H2H_REDDIT_TOKEN", "bearer-token-abcdef-123456")
    return "bearer-token-abcdef-123456"


def test_a_bearer_token_needs_no_login(httpserver: HTTPServer, token: str) -> None:
    seen: list[str] = []

    def me(request: Request) -> Response:
        seen.append(request.headers.get("Authorization", ""))
        return respond("reddit", "api_v1_me")
    httpserver.expect_request("/api/v1/me").respond_with_handler(me)
    src = make_source(httpserver, token_env="H2H_REDDIT_TOKEN", client_id=None, username=None)
    me_ = src.whoami()
    assert me_.handle == "PyAPITestUser2" and me_.remote_id == "t2_4cixf" and me_.created_at.year == 2010
    assert seen == [f"bearer {token}"]


def test_an_expired_token_is_renewed_once(httpserver: HTTPServer, reddit: Reddit) -> None:
    src = make_source(httpserver)
    src.whoami()
    calls = {"n": 0}

    def me(request: Request) -> Response:
        calls["n"] += 1
        return respond("reddit", "error_401_invalid_token") if calls["n"] == 1 else respond("reddit", "api_v1_me")
    httpserver.clear()
    httpserver.expect_request("/auth/api/v1/access_token", method="POST").respond_with_handler(reddit.login)
    httpserver.expect_request("/api/v1/me").respond_with_handler(me)
    assert src.whoami().handle == "PyAPITestUser2"
    assert reddit.logins == 2 and calls["n"] == 2


def test_a_refused_login_is_an_auth_error_without_secrets(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/auth/api/v1/access_token").respond_with_json({"error": "invalid_grant"})
    with pytest.raises(errors.AuthError) as info:
        make_source(httpserver).whoami()
    assert "invalid_grant" in str(info.value)
    for secret in ENV.values():
        assert secret not in str(info.value) and secret not in info.value.hint


def test_an_empty_budget_stops_before_the_server_says_429(httpserver: HTTPServer, reddit: Reddit) -> None:
    src = make_source(httpserver)
    httpserver.clear()
    httpserver.expect_request("/auth/api/v1/access_token").respond_with_handler(reddit.login)
    spent = {**headers("reddit", "message_mentions"), "x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "300"}
    httpserver.expect_request("/api/v1/me").respond_with_response(
        Response(json.dumps(body("reddit", "api_v1_me")), headers=spent, content_type="application/json"))
    src.whoami()
    with pytest.raises(errors.RateLimited) as info:
        fetch_all(src)
    assert info.value.retry_after and 290 < info.value.retry_after <= 301
    assert len(httpserver.log) == 2  # the login and /api/v1/me; the listing was never asked


@pytest.mark.parametrize("table", [{"client_id": None}, {"username": None}, {"inbox": False},
                                   {"page_size": 101}, {"subreddits": "all"}])
def test_config_mistakes_are_config_errors(table: dict[str, Any]) -> None:
    config = {"type": "reddit", "client_id": "id", "client_secret_env": "H2H_REDDIT_SECRET", "username": "me",
              "password_env": "H2H_REDDIT_PASSWORD", **table}
    config = {k: v for k, v in config.items() if v is not None}
    if table == {"subreddits": "all"}:
        assert RedditSource.from_config("rd", config, make_session()).subreddits == ("all",)
        return
    with pytest.raises(errors.ConfigError):
        RedditSource.from_config("rd", config, make_session())


def test_a_listing_that_never_moves_on_is_a_source_error(httpserver: HTTPServer) -> None:
    stuck = body("reddit", "message_mentions")
    httpserver.expect_request("/auth/api/v1/access_token").respond_with_handler(
        lambda r: respond("reddit", "oauth_access_token"))
    httpserver.expect_request("/message/mentions").respond_with_handler(lambda r: respond("reddit", "message_mentions"))
    with pytest.raises(errors.SourceError, match="same page"):
        fetch_all(make_source(httpserver, page_size=100))
    assert stuck["data"]["after"] == "t1_ekfncs9"  # the recording itself names a next page


def test_with_a_token_our_own_posts_in_search_are_from_me(httpserver: HTTPServer, reddit: Reddit,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H2H_REDDIT_TOKEN", "<ACCESS_TOKEN>")  # the token the recordings were made with
    httpserver.clear()
    me = {**body("reddit", "api_v1_me"), "name": "dClauzel"}  # the author of a recorded search result
    httpserver.expect_request("/api/v1/me").respond_with_handler(lambda r: respond("reddit", "api_v1_me", me))
    httpserver.expect_request("/search").respond_with_handler(reddit.pager("search_r_all"))
    reddit.requests.clear()
    src = make_source(httpserver, token_env="H2H_REDDIT_TOKEN", client_id=None, username=None, inbox=False,
                      keywords=["praw"])
    posts = everything(src)
    assert [p.remote_id for p in posts.values() if p.from_me] == ["t3_3gpbiu"]


# --- go-reddit's recordings: a search on one subreddit, a post with its comments ---------------

class GoReddit(Reddit):
    """The keyword search over r/golang from go-reddit's test data; replies as PRAW recorded them."""

    def __init__(self, server: HTTPServer):
        self.server = server
        self.posted: list[dict[str, Any]] = []
        self.requests: list[Request] = []
        self.logins = 0
        server.expect_request("/auth/api/v1/access_token", method="POST").respond_with_handler(self.login)
        server.expect_request("/api/v1/me").respond_with_handler(lambda r: respond("reddit", "api_v1_me"))
        server.expect_request("/r/golang/search").respond_with_handler(self.pager("goreddit_search_posts"))
        server.expect_request(re.compile(r"/comments/\w+(/_/\w+)?")).respond_with_handler(self.thread)
        server.expect_request("/api/comment", method="POST").respond_with_handler(self.comment)

    def thread(self, request: Request) -> Response:
        answer = copy.deepcopy(body("reddit", "goreddit_post_comments"))
        answer[1]["data"]["children"] += [{"kind": "t1", "data": p} for p in self.posted]
        return respond("reddit", "goreddit_post_comments", answer)


class TestRedditOnGoRedditRecordings(SourceContract):
    failure_kinds = ("auth", "malformed")
    scenario = "go-reddit"

    @pytest.fixture
    def source(self, httpserver: HTTPServer) -> RedditSource:
        self.platform = GoReddit(httpserver)
        return make_source(httpserver, inbox=False, keywords=["golang"], subreddits=["golang"], page_size=1)

    @pytest.fixture
    def failing_source(self, httpserver: HTTPServer) -> Callable[[str], RedditSource]:
        answers = {"auth": respond("reddit", "error_401_invalid_token"),
                   "malformed": Response("<html>Our CDN was unable to reach our servers</html>", status=200)}

        def build(kind: str) -> RedditSource:
            httpserver.clear()
            httpserver.expect_request("/auth/api/v1/access_token").respond_with_handler(
                lambda r: respond("reddit", "oauth_access_token"))
            httpserver.expect_request("/r/golang/search").respond_with_response(answers[kind])
            return make_source(httpserver, inbox=False, keywords=["golang"], subreddits=["golang"])
        return build

    @pytest.fixture
    def sent_count(self) -> Callable[[], int]:
        return lambda: len(self.platform.posted)
