"""Credentials stay with their host: each adapter is built from its config and pointed at a
real loopback server that redirects (or links) to a second loopback server, the thief, which
records every request it gets. The thief must get nothing from an authenticated request,
whichever header or body carries the secret."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
from werkzeug import Response

from h2h import errors, redact
from h2h.sources.bluesky import BlueskySource
from h2h.sources.discourse import DiscourseSource
from h2h.sources.github import GitHubSource
from h2h.sources.http import Http, make_session
from h2h.sources.reddit import RedditSource
from h2h.sources import atproto

SECRET = "s3cret-canary-4b1d9e77c2a05f38"


class Thief:
    def __init__(self) -> None:
        self.got: list[tuple[str, str, dict[str, str], bytes]] = []
        thief = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                thief.got.append((self.command, self.path, dict(self.headers), body))
                data = b'{"login": "thief", "id": 1}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _any

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def leaked(self) -> list[str]:
        return [f"{m} {p}" for m, p, h, b in self.got if SECRET in json.dumps(h) + b.decode("latin-1")
                or any(k.lower() in ("authorization", "api-key") for k in h)]


@pytest.fixture
def thief() -> Iterator[Thief]:
    t = Thief()
    yield t
    t.server.shutdown()
    t.server.server_close()


@pytest.fixture(autouse=True)
def secret_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("H2H_TEST_SECRET", SECRET)
    saved = set(redact._secrets)
    atproto.forget_all_in_memory()
    yield
    atproto.forget_all_in_memory()
    redact._secrets.clear()
    redact._secrets.update(saved)


def _redirect(to: str, status: int) -> Response:
    return Response("", status=status, headers={"Location": to})


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_discourse_api_key_does_not_follow_a_redirect_to_another_host(httpserver, thief: Thief, status: int) -> None:  # type: ignore[no-untyped-def]
    httpserver.expect_request("/u/alice.json").respond_with_response(_redirect(f"{thief.url}/u/alice.json", status))
    source = DiscourseSource.from_config("forum", {"type": "discourse", "url": httpserver.url_for("/"),
                                                   "username": "alice", "token_env": "H2H_TEST_SECRET"}, make_session())
    with pytest.raises(errors.H2HError) as info:
        source.whoami()
    assert thief.got == [], thief.leaked()
    assert info.value.code == "redirect" and "127.0.0.1:" in info.value.message
    assert "url" in info.value.hint and SECRET not in info.value.message + info.value.hint


@pytest.mark.parametrize("status", [307, 308])
def test_bluesky_app_password_is_not_posted_again_to_another_host(httpserver, thief: Thief, status: int) -> None:  # type: ignore[no-untyped-def]
    httpserver.expect_request("/xrpc/com.atproto.server.createSession", method="POST").respond_with_response(
        _redirect(f"{thief.url}/xrpc/com.atproto.server.createSession", status))
    source = BlueskySource.from_config("bsky", {"type": "bluesky", "url": httpserver.url_for("/"),
                                                "handle": "alice.test", "token_env": "H2H_TEST_SECRET"}, make_session())
    with pytest.raises(errors.H2HError) as info:
        source.whoami()
    assert thief.got == [], thief.leaked()
    assert info.value.code == "redirect"


@pytest.mark.parametrize("status", [307, 308])
def test_reddit_password_is_not_posted_again_to_another_host(httpserver, thief: Thief, status: int,  # type: ignore[no-untyped-def]
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H2H_TEST_CLIENT_SECRET", "client-secret-9f8e7d6c")
    httpserver.expect_request("/api/v1/access_token", method="POST").respond_with_response(
        _redirect(f"{thief.url}/api/v1/access_token", status))
    source = RedditSource.from_config("reddit", {
        "type": "reddit", "url": httpserver.url_for("/"), "auth_url": httpserver.url_for("/"),
        "client_id": "cid", "client_secret_env": "H2H_TEST_CLIENT_SECRET", "username": "alice",
        "password_env": "H2H_TEST_SECRET"}, make_session())
    with pytest.raises(errors.H2HError) as info:
        source.whoami()
    assert thief.got == [], thief.leaked()
    assert info.value.code == "redirect"


def test_github_next_link_whose_path_is_an_absolute_url_is_not_called(httpserver, thief: Thief) -> None:  # type: ignore[no-untyped-def]
    httpserver.expect_request("/user").respond_with_json({"login": "alice", "id": 7})
    # The next link is on another host, and its path is itself a URL of the thief.
    nasty = f"{thief.url}/{thief.url}/notifications?page=2"
    httpserver.expect_request("/notifications").respond_with_json([], headers={"Link": f'<{nasty}>; rel="next"'})
    source = GitHubSource.from_config("gh", {"type": "github", "url": httpserver.url_for("/"),
                                             "token_env": "H2H_TEST_SECRET"}, make_session())
    with pytest.raises(errors.SourceError):
        list(source.fetch_mentions(None))
    assert thief.got == [], thief.leaked()


def test_http_url_refuses_another_host(httpserver, thief: Thief) -> None:  # type: ignore[no-untyped-def]
    http = Http(make_session(), "t", httpserver.url_for("/api"), headers={"Authorization": f"Bearer {SECRET}"})
    for path in (f"{thief.url}/x", f"/{thief.url}/x", f"https://{httpserver.host}:{httpserver.port}/x"):
        with pytest.raises(errors.SourceError) as info:
            http.get_json(path)
        assert info.value.code == "other_host"
    assert thief.got == []


def test_a_redirect_on_the_same_host_keeps_working(httpserver) -> None:  # type: ignore[no-untyped-def]
    httpserver.expect_request("/old", method="POST").respond_with_response(_redirect("/new", 308))
    httpserver.expect_request("/new", method="POST").respond_with_json({"ok": True})
    http = Http(make_session(), "t", httpserver.url_for("/"), headers={"Api-Key": SECRET})
    assert http.json(http.request("POST", "old", json={"a": 1})) == {"ok": True}
    last = httpserver.log[-1][0]
    assert last.path == "/new" and last.headers["Api-Key"] == SECRET and json.loads(last.data) == {"a": 1}


def test_an_anonymous_read_may_follow_a_feed_that_moved(httpserver, thief: Thief) -> None:  # type: ignore[no-untyped-def]
    httpserver.expect_request("/feed.xml").respond_with_response(_redirect(f"{thief.url}/feed.xml", 301))
    http = Http(make_session(), "feeds", httpserver.url_for("/"))
    assert http.get_json("feed.xml") == {"login": "thief", "id": 1}
    assert [p for _, p, _, _ in thief.got] == ["/feed.xml"]
