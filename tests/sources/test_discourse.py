"""Discourse against its recorded answers (tests/fixtures/discourse), replayed on loopback."""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from h2h import errors
from h2h.sources.discourse import DiscourseSource
from h2h.sources.htmltext import html_to_text
from h2h.sources.listing import Cursor
from tests.sources.contract import SourceContract, fetch_all
from tests.sources.replay import answer, body, quick_session, respond

ME = "test_user"  # the user of the recorded /u/NAME.json
KEY = "disc-api-key-0123456789"

# Discourse's answer to a bad Api-Key (its words, from config/locales/server.en.yml
# `invalid_access`; no recording of it exists in the fixtures).
INVALID_ACCESS = {"errors": ["You are not permitted to view the requested resource. The API username or key is invalid."],
                  "error_type": "invalid_access"}


class Forum:
    """A loopback Discourse made of the recordings, plus the posts h2h creates."""

    def __init__(self, server: HTTPServer, prefix: str = "", *, notifications: str = "api_docs_notifications_get_2019"):
        self.server, self.prefix = server, prefix
        self.created: list[dict[str, Any]] = []
        self.post_calls = 0
        self.refuse_duplicates = False
        p = re.escape(prefix)
        server.expect_request(f"{prefix}/u/{ME}.json").respond_with_handler(lambda r: respond("discourse", "user"))
        server.expect_request(f"{prefix}/notifications.json").respond_with_handler(
            lambda r: respond("discourse", notifications))
        server.expect_request(f"{prefix}/search.json").respond_with_handler(self._search)
        server.expect_request(re.compile(rf"^{p}/t/\d+\.json$")).respond_with_handler(self._topic)
        server.expect_request(re.compile(rf"^{p}/t/\d+/posts\.json$")).respond_with_handler(self._topic_posts)
        server.expect_request(f"{prefix}/posts.json", method="POST").respond_with_handler(self._create)

    def source(self, **table: Any) -> DiscourseSource:
        return DiscourseSource(self.prefix.strip("/") or "forum", url=self.server.url_for(self.prefix or "/"),
                               username=ME, api_key=KEY, session=quick_session(),
                               searches=table.get("searches", ("acme",)),
                               notifications=table.get("notifications", True))

    def _search(self, request: Request) -> Response:
        assert request.headers.get("Api-Key") == KEY and request.headers.get("Api-Username") == ME
        assert request.args["q"].endswith("order:latest")
        return respond("discourse", "api_docs_search_query_response")

    def _topic(self, request: Request) -> Response:
        if "username_filters" in request.args:
            # The topic filtered to our posts: the recorded topic view's shape, our posts' ids.
            ids = [p["id"] for p in self.created if p["username"].lower() == request.args["username_filters"].lower()]
            return answer({"post_stream": {"posts": [], "stream": ids}, "id": int(request.path.split("/")[-1][:-5])})
        return respond("discourse", "topic")  # the one recorded topic view, whatever the id

    def _topic_posts(self, request: Request) -> Response:
        ids = {int(i) for i in request.args.getlist("post_ids[]")}
        if request.args.get("include_raw") == "true":
            return answer({"post_stream": {"posts": [p for p in self.created if p["id"] in ids]}})
        recorded = body("discourse", "topic_posts")
        recorded["post_stream"]["posts"] = [p for p in recorded["post_stream"]["posts"] if p["id"] in ids]
        return answer(recorded)

    def _create(self, request: Request) -> Response:
        self.post_calls += 1
        form = json.loads(request.data)
        if self.refuse_duplicates and any(p["raw"] == form["raw"] for p in self.created):
            return answer({"errors": ["Body is too similar to what you recently posted"], "error_type": "unprocessable"}, 422)
        # The recorded single-post answer, re-aimed at what was posted.
        post = body("discourse", "post")
        post.update(id=1000 + len(self.created), topic_id=form["topic_id"], username=ME, user_id=1, name="Test User",
                    raw=form["raw"], cooked=f"<p>{form['raw']}</p>", post_number=5 + len(self.created),
                    reply_to_post_number=form.get("reply_to_post_number"), topic_slug="welcome")
        self.created.append(post)
        return answer(post)


@pytest.fixture
def forum(httpserver: HTTPServer) -> Forum:
    return Forum(httpserver)


class TestDiscourseContract(SourceContract):
    failure_kinds = ("auth", "not_found", "rate_limited", "malformed", "server")

    @pytest.fixture
    def source(self, forum: Forum) -> DiscourseSource:
        return forum.source()

    @pytest.fixture
    def failing_source(self, httpserver: HTTPServer) -> Callable[[str], DiscourseSource]:
        failures = {
            "auth": lambda r: answer(INVALID_ACCESS, 403),
            "not_found": lambda r: answer({"errors": ["The requested URL or resource could not be found."],
                                           "error_type": "not_found"}, 404),
            "rate_limited": lambda r: answer({"errors": ["You've performed this action too many times."],
                                              "error_type": "rate_limit"}, 429, {"Retry-After": "3600"}),
            "malformed": lambda r: Response("<html><body>Maintenance</body></html>", 200, content_type="text/html"),
            "server": lambda r: Response("oops", 502),
        }

        def make(kind: str) -> DiscourseSource:
            httpserver.expect_request(re.compile(rf"^/{kind}/.*")).respond_with_handler(failures[kind])
            return DiscourseSource(kind, url=httpserver.url_for(f"/{kind}"), username=ME, api_key=KEY,
                                   session=quick_session(), searches=("acme",))
        return make

    @pytest.fixture
    def sent_count(self, forum: Forum) -> Callable[[], int]:
        return lambda: len(forum.created)


def test_notifications_current_shape_become_to_me_mentions(forum: Forum) -> None:
    mentions = [m for p in fetch_all(forum.source(searches=())) for m in p.mentions]
    # The badge notification (type 12) is not a message; the private message (type 6) is.
    assert [m.remote_id for m in mentions] == ["14"]
    pm = mentions[0]
    assert pm.to_me and not pm.from_me
    assert pm.author.handle == "discobot" and pm.author.bot is True
    assert pm.thread == "t/10" and pm.url.endswith("/t/greetings/10/1")
    assert pm.raw["notification"]["id"] == 2


def test_old_bare_array_notifications_are_read(httpserver: HTTPServer) -> None:
    forum = Forum(httpserver, notifications="notifications")
    [m] = [m for p in fetch_all(forum.source(searches=())) for m in p.mentions]
    # Type 9 ("posted" in a watched topic): wanted, but not written to us.
    assert m.remote_id == "47600" and m.to_me is False
    assert m.author.handle == "riking"
    assert m.created_at.isoformat() == "2014-04-02T15:58:00.670000+00:00"


def test_empty_wrapped_notifications_end_at_once(httpserver: HTTPServer) -> None:
    forum = Forum(httpserver, notifications="api_docs_notifications_get")
    pages = fetch_all(forum.source(searches=()))
    assert [len(p.mentions) for p in pages] == [0]
    assert Cursor.load(pages[-1].cursor, "forum").marks["notifications"].floor is None


def test_a_notification_gets_its_full_post(httpserver: HTTPServer) -> None:
    # The recorded 2019 message notification, re-pointed at the post that the recorded
    # /t/57/posts.json holds, so both recordings describe one post.
    notes = body("discourse", "api_docs_notifications_get_2019")
    note = copy.deepcopy(notes["notifications"][1])
    note.update(topic_id=57, post_number=2, notification_type=1)
    note["data"]["original_post_id"] = 123456
    httpserver.expect_request("/notifications.json").respond_with_json(
        {"notifications": [note], "total_rows_notifications": 1})
    forum = Forum(httpserver)
    [m] = [m for p in fetch_all(forum.source(searches=())) for m in p.mentions]
    assert m.text == "Some text." and m.author.handle == "Some-username"
    assert m.raw["post"]["id"] == 123456 and m.raw["notification"]["notification_type"] == 1


def test_search_reads_the_current_shape(forum: Forum) -> None:
    [m] = [m for p in fetch_all(forum.source(notifications=False)) for m in p.mentions]
    assert m.remote_id == "16" and m.thread == "t/13" and m.to_me is False
    assert m.text.startswith("ecf65fcd-1e16") and "<p>" not in m.text
    assert m.raw["topic"]["title"] == "2a6aa74e-e341-5e3c-1eaa-78c6331f305f"
    assert m.url == forum.server.url_for("/t/2a6aa74e-e341-5e3c-1eaa-78c6331f305f/13/1")


def test_the_obsolete_search_shape_is_a_clear_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/search.json").respond_with_handler(lambda r: respond("discourse", "search"))
    src = DiscourseSource("old", url=httpserver.url_for("/"), username=ME, api_key=KEY, session=quick_session(),
                          searches=("test",), notifications=False)
    with pytest.raises(errors.SourceError, match="unexpected shape"):
        fetch_all(src)


def test_thread_maps_reply_numbers_to_post_ids(forum: Forum) -> None:
    src = forum.source()
    first = next(m for p in fetch_all(src) for m in p.mentions)
    thread = src.fetch_thread(first)
    ids = [m.remote_id for m in thread.mentions]
    # Post 84 is a moderator action written by Discourse ("This topic is now pinned"), not a message.
    assert ids == ["83", "86", "226"]
    by_id = {m.remote_id: m for m in thread.mentions}
    assert by_id["226"].in_reply_to == "83"      # reply_to_post_number 1
    assert by_id["86"].in_reply_to == "83"       # a reply to the topic answers its first post
    assert by_id["83"].in_reply_to is None
    assert thread.root == "t/10"


def test_whoami_sends_the_key_headers(forum: Forum) -> None:
    me = forum.source().whoami()
    assert me.handle == ME and me.name == "Test User" and me.bot is False
    assert me.created_at is not None and me.created_at.year == 2014
    request = forum.server.log[-1][0]
    assert request.headers["Api-Key"] == KEY and request.headers["Api-Username"] == ME


def test_the_key_never_appears_in_errors(httpserver: HTTPServer) -> None:
    httpserver.expect_request(re.compile(".*")).respond_with_json({"errors": [f"bad key {KEY}"]}, status=403)
    src = DiscourseSource("f", url=httpserver.url_for("/"), username=ME, api_key=KEY, session=quick_session())
    from h2h.redact import register

    register(KEY)
    with pytest.raises(errors.AuthError) as caught:
        src.whoami()
    assert KEY not in str(caught.value) and "bad key" in str(caught.value)


def test_send_posts_once_and_finds_its_own_post(forum: Forum) -> None:
    src = forum.source()
    first = next(m for p in fetch_all(src) for m in p.mentions)
    a = src.send_reply(first, "Hi! Here is how.", key="k1")
    b = src.send_reply(first, "Hi!   Here is how.\n", key="k1")   # the same text, re-wrapped
    assert forum.post_calls == 1 and a.remote_id == b.remote_id == "1000"
    sent = forum.created[0]
    assert sent["topic_id"] == 10 and sent["reply_to_post_number"] is None  # replying to post 1 is replying to the topic
    c = src.send_reply(first, "Another answer.", key="k2")
    assert forum.post_calls == 2 and c.remote_id == "1001"


def test_a_duplicate_refused_by_the_forum_is_found(forum: Forum, monkeypatch: pytest.MonkeyPatch) -> None:
    src = forum.source()
    first = next(m for p in fetch_all(src) for m in p.mentions)
    src.send_reply(first, "Same words.", key="k1")
    forum.refuse_duplicates = True
    # As if the lookup had missed it (say the topic view lagged): the forum's 422 sends us looking again.
    calls = iter([None])
    original = src._our_reply
    monkeypatch.setattr(src, "_our_reply", lambda *a: next(calls, None) or original(*a))
    again = src.send_reply(first, "Same words.", key="k1")
    assert again.remote_id == "1000" and len(forum.created) == 1


def test_a_refused_post_is_a_source_error(httpserver: HTTPServer, forum: Forum) -> None:
    src = forum.source()
    first = next(m for p in fetch_all(src) for m in p.mentions)
    httpserver.clear_all_handlers()
    httpserver.expect_request(re.compile(r"^/t/\d+\.json$")).respond_with_json({"post_stream": {"stream": []}})
    httpserver.expect_request("/posts.json", method="POST").respond_with_json(
        {"errors": ["Title is too short"], "error_type": "unprocessable"}, status=422)
    with pytest.raises(errors.SourceError, match="Title is too short"):
        src.send_reply(first, "x", key="k")


def test_cooked_html_becomes_plain_text() -> None:
    topic = body("discourse", "topic")
    text = html_to_text(topic["post_stream"]["posts"][0]["cooked"])
    assert text.startswith("Welcome!\n\nTry is a sandbox") and "<" not in text
    quoted = ('<aside class="quote no-group" data-username="bob" data-post="2" data-topic="7"><div class="title">bob:</div>'
              '<blockquote><p>the old words</p></blockquote></aside>\n<p>My answer <img src="/e.png" title=":+1:" '
              'class="emoji" alt=":+1:"> &amp; more</p>')
    assert html_to_text(quoted) == "My answer :+1: & more"


def test_from_config_reads_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H2H_DISCOURSE_KEY", KEY)
    src = DiscourseSource.from_config("forum", {"type": "discourse", "url": "https://forum.example.com/",
                                                "username": "acme", "token_env": "H2H_DISCOURSE_KEY",
                                                "keywords": ["acme", "acme.io"], "query": "#support status:open"},
                                      quick_session())
    assert src.base == "https://forum.example.com" and src.searches == ("acme", "acme.io", "#support status:open")
    with pytest.raises(errors.ConfigError, match="username"):
        DiscourseSource.from_config("forum", {"url": "https://f.example", "token_env": "H2H_DISCOURSE_KEY"}, quick_session())
    with pytest.raises(errors.ConfigError, match="url"):
        DiscourseSource.from_config("forum", {"username": "a", "token_env": "H2H_DISCOURSE_KEY"}, quick_session())


def test_a_real_topic_reads_as_a_thread(httpserver: HTTPServer) -> None:
    """discuss.criticalfallibilism.com's topic 2144 (recorded by discourse-rss-auto-archive-linked-content)."""
    httpserver.expect_request("/t/2144.json").respond_with_handler(
        lambda r: respond("discourse", "xertrov_topic_2144_posts"))  # /t/:id.json answers the same post_stream
    src = DiscourseSource("forum", url=httpserver.url_for("/"), username=ME, api_key=KEY, session=quick_session())
    posts = body("discourse", "xertrov_topic_2144_posts")["post_stream"]["posts"]
    first = src._mention(posts[1], to_me=False)
    thread = src.fetch_thread(first)
    assert [m.remote_id for m in thread.mentions] == [str(p["id"]) for p in posts]
    quoting = next(m for m in thread.mentions if m.remote_id == str(posts[1]["id"]))
    assert '<aside class="quote' in posts[1]["cooked"] and "<" not in quoting.text  # the quote of Elliot left out
    by_number = {p["post_number"]: str(p["id"]) for p in posts}
    for m, p in zip(thread.mentions, posts):
        if p.get("reply_to_post_number"):
            assert m.in_reply_to == by_number.get(p["reply_to_post_number"])
