"""Lemmy against test data written from lemmy-js-client 0.19.9's types (no real
recordings exist; see tests/fixtures/PROVENANCE.md), served on loopback."""

from __future__ import annotations

import copy
import re
from typing import Any, Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from h2h import errors
from h2h.sources import lemmy as lemmy_module
from h2h.sources.htmltext import markdown_text
from h2h.sources.lemmy import LemmySource
from h2h.sources.listing import Cursor
from tests.sources.contract import SourceContract, fetch_all
from tests.sources.replay import answer, body, quick_session, respond

JWT = "lemmy-jwt-0123456789abcdef"


class Instance:
    """A loopback Lemmy 0.19 serving the typed test data, plus the comments h2h creates."""

    def __init__(self, server: HTTPServer):
        self.server = server
        self.created: list[dict[str, Any]] = []
        self.calls: list[Request] = []
        routes = {"/api/v3/site": self._site, "/api/v3/user/mention": self._page("mentions"),
                  "/api/v3/user/replies": self._page("replies"), "/api/v3/search": self._search,
                  "/api/v3/post": self._post, "/api/v3/comment/list": self._comments}
        for path, handler in routes.items():
            server.expect_request(path, method="GET").respond_with_handler(handler)
        server.expect_request("/api/v3/comment", method="POST").respond_with_handler(self._create)

    def source(self, **kw: Any) -> LemmySource:
        kw.setdefault("keywords", ("acme",))
        return LemmySource("lemmy", url=self.server.url_for("/"), token=JWT, session=quick_session(), **kw)

    def _authed(self, request: Request) -> bool:
        self.calls.append(request)
        return request.headers.get("Authorization") == f"Bearer {JWT}"

    def _site(self, request: Request) -> Response:
        return respond("lemmy", "site" if self._authed(request) else "site_anonymous")

    def _page(self, name: str) -> Callable[[Request], Response]:
        def handle(request: Request) -> Response:
            if not self._authed(request):
                return respond("lemmy", "error_not_logged_in")
            assert request.args["sort"] == "New"
            if request.args.get("page", "1") != "1":
                return respond("lemmy", "mentions_empty") if name == "mentions" else answer({name: []})
            return respond("lemmy", name)
        return handle

    def _search(self, request: Request) -> Response:
        self._authed(request)
        assert request.args["sort"] == "New" and request.args["q"] == "acme"
        if request.args.get("page", "1") != "1":
            return answer({"type_": request.args["type_"], "comments": [], "posts": [], "communities": [], "users": []})
        return respond("lemmy", {"Comments": "search_comments", "Posts": "search_posts"}[request.args["type_"]])

    def _post(self, request: Request) -> Response:
        self._authed(request)
        return respond("lemmy", "post101") if request.args["id"] == "101" else respond("lemmy", "error_couldnt_find_post")

    def _comments(self, request: Request) -> Response:
        self._authed(request)
        if request.args["post_id"] != "101" or request.args.get("page", "1") != "1":
            return answer({"comments": []})
        views = body("lemmy", "comment_list_post101")["comments"] + self.created
        if "parent_id" in request.args:
            views = [v for v in views if request.args["parent_id"] in v["comment"]["path"].split(".")[1:]]
        depth = int(request.args.get("max_depth", 8))
        return answer({"comments": [v for v in views if len(v["comment"]["path"].split(".")) - 1 <= depth
                                    or "parent_id" in request.args]})

    def _create(self, request: Request) -> Response:
        assert self._authed(request)
        form = request.get_json()
        # The typed CommentResponse, re-aimed at what was posted.
        made = body("lemmy", "comment_created")
        c = made["comment_view"]["comment"]
        parent = next((v["comment"]["path"] for v in body("lemmy", "comment_list_post101")["comments"]
                       if v["comment"]["id"] == form.get("parent_id")), "0")
        c.update(id=506 + len(self.created), content=form["content"], post_id=form["post_id"])
        c["path"] = f"{parent}.{c['id']}"
        self.created.append(copy.deepcopy(made["comment_view"]))
        return answer(made)


@pytest.fixture
def instance(httpserver: HTTPServer) -> Instance:
    return Instance(httpserver)


class TestLemmyContract(SourceContract):
    failure_kinds = ("auth", "not_found", "rate_limited", "malformed", "server")

    @pytest.fixture
    def source(self, instance: Instance) -> LemmySource:
        return instance.source()

    @pytest.fixture
    def failing_source(self, httpserver: HTTPServer) -> Callable[[str], LemmySource]:
        failures = {
            "auth": lambda r: respond("lemmy", "error_not_logged_in"),
            "not_found": lambda r: respond("lemmy", "error_couldnt_find_post"),
            "rate_limited": lambda r: respond("lemmy", "error_rate_limit"),
            "malformed": lambda r: Response("<html>502 Bad Gateway</html>", 200, content_type="text/html"),
            "server": lambda r: Response("upstream down", 503),
        }

        def make(kind: str) -> LemmySource:
            httpserver.expect_request(re.compile(rf"^/{kind}/.*")).respond_with_handler(failures[kind])
            return LemmySource(kind, url=httpserver.url_for(f"/{kind}"), token=JWT, session=quick_session(),
                               keywords=("acme",))
        return make

    @pytest.fixture
    def sent_count(self, instance: Instance) -> Callable[[], int]:
        return lambda: len(instance.created)


def test_mentions_replies_and_search_in_one_pass(instance: Instance) -> None:
    mentions = [m for p in fetch_all(instance.source()) for m in p.mentions]
    by_id = {m.remote_id: m for m in mentions}
    # 501 is both a mention and a search hit: once. 502 (ours) is not in any listing.
    assert [m.remote_id for m in mentions] == ["comment/505", "comment/501", "comment/503", "comment/504", "post/102"]
    assert by_id["comment/505"].to_me and by_id["comment/503"].to_me
    assert by_id["comment/504"].to_me is False and by_id["comment/504"].author.bot is True
    assert by_id["post/102"].to_me is False and by_id["post/102"].text.startswith("Is Acme worth it for a small team?\n\n")


def test_comment_fields(instance: Instance) -> None:
    m = next(m for p in fetch_all(instance.source()) for m in p.mentions)
    assert m.remote_id == "comment/505" and m.thread == "post/101" and m.in_reply_to == "post/101"
    assert m.text == "@acme_support@lemmy.example it also fails for 5k rows for me :("   # the quote is not hers
    assert m.lang == "fr" and m.author.handle == "@marie@lemmy.example" and m.author.name == "Marie"
    assert m.author.remote_id == "https://lemmy.example/u/marie"
    assert m.created_at.isoformat() == "2026-11-20T11:00:00+00:00"
    assert m.url == instance.server.url_for("/comment/505")
    reply = next(m for p in fetch_all(instance.source()) for m in p.mentions if m.remote_id == "comment/503")
    assert reply.in_reply_to == "comment/502" and reply.author.handle == "@dev_bob@programming.dev"


def test_cursor_per_listing_and_pages(instance: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lemmy_module, "LIMIT", 2)   # two mentions fill a page: a second page is asked for
    pages = fetch_all(instance.source(keywords=()))
    assert [len(p.mentions) for p in pages] == [2, 0, 1]
    marks = Cursor.load(pages[-1].cursor, "lemmy").marks
    assert marks["mentions"].floor == 12 and marks["replies"].floor == 40
    pages_asked = [r.args.get("page") for r in instance.calls if r.path.endswith("/user/mention")]
    assert pages_asked == ["1", "2"]


def test_whoami_and_a_bad_token(instance: Instance) -> None:
    me = instance.source().whoami()
    assert me.handle == "@acme_support@lemmy.example" and me.name == "Acme Support" and me.bot is False
    bad = LemmySource("lemmy", url=instance.server.url_for("/"), token="wrong-token-xyz", session=quick_session())
    with pytest.raises(errors.AuthError, match="does not know"):
        bad.whoami()


def test_thread_is_the_post_and_its_comments(instance: Instance) -> None:
    src = instance.source()
    first = next(m for p in fetch_all(src) for m in p.mentions)
    thread = src.fetch_thread(first)
    assert thread.root == "post/101"
    ids = [m.remote_id for m in thread.mentions]
    assert ids == ["post/101", "comment/501", "comment/502", "comment/503", "comment/504", "comment/505"]
    ours = next(m for m in thread.mentions if m.remote_id == "comment/502")
    assert ours.from_me and ours.in_reply_to == "comment/501"
    with pytest.raises(errors.NotFound):
        src.fetch_thread(next(m for p in fetch_all(src) for m in p.mentions if m.remote_id == "post/102"))


def test_send_comments_once_under_the_right_parent(instance: Instance) -> None:
    src = instance.source()
    first = next(m for p in fetch_all(src) for m in p.mentions)     # comment 505
    a = src.send_reply(first, "Thanks Marie, a fix is on its way.", key="k1")
    b = src.send_reply(first, "Thanks Marie,  a fix is on its way.\n", key="k1")
    assert a.remote_id == b.remote_id == "comment/506" and len(instance.created) == 1
    assert instance.created[0]["comment"]["path"] == "0.505.506"
    assert a.url == instance.server.url_for("/comment/506")
    # The same words under another comment are another reply.
    other = next(m for p in fetch_all(src) for m in p.mentions if m.remote_id == "comment/501")
    c = src.send_reply(other, "Thanks Marie, a fix is on its way.", key="k2")
    assert c.remote_id == "comment/507" and len(instance.created) == 2


def test_a_reply_to_a_post_is_a_top_level_comment(httpserver: HTTPServer, instance: Instance) -> None:
    src = instance.source()
    posts = [m for p in fetch_all(src) for m in p.mentions if m.remote_id.startswith("post/")]
    post = posts[0]
    sent = src.send_reply(post, "Happy to help!", key="k")
    form = [r for r in instance.calls if r.method == "POST"][-1].get_json()
    assert form == {"content": "Happy to help!", "post_id": 102} and sent.in_reply_to == "post/102"


def test_markdown_text() -> None:
    assert markdown_text("> quoted\n\n**Bold** and [docs](https://x.example/d) ![](https://i.example/a.png)") == \
        "Bold and docs (https://x.example/d) https://i.example/a.png"


def test_from_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H2H_LEMMY_TOKEN", JWT)
    src = LemmySource.from_config("lemmy", {"type": "lemmy", "url": "https://lemmy.example/", "token_env": "H2H_LEMMY_TOKEN",
                                            "keywords": ["acme"], "community": "acme"}, quick_session())
    assert src.base == "https://lemmy.example" and src.keywords == ("acme",) and src.community == "acme"
    with pytest.raises(errors.ConfigError):
        LemmySource.from_config("lemmy", {"url": "lemmy.example", "token_env": "H2H_LEMMY_TOKEN"}, quick_session())
