"""The Bluesky adapter against real recordings served on loopback."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timezone
from typing import Any, Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from h2h import errors, length
from h2h.errors import ExitCode
from h2h.models import Mention, Person
from h2h.redact import redact
from h2h.sources import atproto
from h2h.sources.bluesky import BlueskySource, plain_text, record_key
from h2h.sources.http import make_session
from tests.sources.contract import SourceContract, fetch_all
from tests.sources.replay import body, respond

PASSWORD = "app-pass-word-1234"
XRPC = "/xrpc/"
ME = "did:plc:5c2r73erhng4bszmxlfdtscf"  # the recorded account (bskyr.bsky.social)


class Platform:
    """A loopback Bluesky PDS replaying recordings; records what it was asked."""

    def __init__(self, server: HTTPServer):
        self.server = server
        self.records: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, dict]] = []
        self.logins = 0
        self.fail: str | None = None

    def install(self) -> None:
        self.server.expect_request(XRPC + "com.atproto.server.createSession", method="POST").respond_with_handler(self.login)
        for nsid, handler in {"com.atproto.server.refreshSession": self.login,
                              "app.bsky.notification.listNotifications": self.notifications,
                              "app.bsky.feed.searchPosts": self.search,
                              "app.bsky.actor.getProfiles": lambda r: respond("bluesky", "getProfiles"),
                              "app.bsky.feed.getPostThread": lambda r: respond("bluesky", "getPostThread"),
                              "com.atproto.repo.createRecord": self.create,
                              "com.atproto.repo.getRecord": self.get_record}.items():
            self.server.expect_request(XRPC + nsid).respond_with_handler(self._logged(nsid, handler))

    def _logged(self, nsid: str, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def wrapped(request: Request) -> Response:
            self.calls.append((nsid, request.headers.get("Authorization", ""), request.args.to_dict(flat=False)))
            return handler(request)
        return wrapped

    def login(self, request: Request) -> Response:
        self.logins += 1
        if self.fail == "auth":
            return respond("bluesky", "error_401_createSession")
        data = body("bluesky", "createSession")
        # The recording blanks the tokens; a session needs some to carry.
        data.update(accessJwt=f"access-{self.logins}-abcdef", refreshJwt=f"refresh-{self.logins}-abcdef")
        return respond("bluesky", "createSession", data=data)

    def notifications(self, request: Request) -> Response:
        if self.fail == "malformed":
            return Response("<html>Bad gateway</html>", status=200, content_type="text/html")
        if self.fail == "expired" and request.headers.get("Authorization") == "Bearer access-1-abcdef":
            return Response(json.dumps({"error": "ExpiredToken", "message": "Token has expired"}), status=400,
                            content_type="application/json")
        if request.args.get("cursor"):
            return Response(json.dumps({"notifications": []}), content_type="application/json")
        return respond("bluesky", "listNotifications")

    def search(self, request: Request) -> Response:
        if request.args.get("cursor"):
            return Response(json.dumps({"posts": []}), content_type="application/json")
        return respond("bluesky", "searchPosts")

    def create(self, request: Request) -> Response:
        sent = request.get_json()
        rkey = sent["rkey"]
        if rkey in self.records:  # what the real PDS answers for a record path already taken
            return Response(json.dumps({"error": "InternalServerError", "message": "Internal Server Error"}),
                            status=500, content_type="application/json")
        if length.count_graphemes(sent["record"]["text"]) > 300:  # the PDS counts graphemes (checked in the e2e test)
            return respond("bluesky", "error_400_createRecord")
        data = body("bluesky", "createRecord_reply")
        data["uri"] = data["uri"].rsplit("/", 1)[0] + "/" + rkey
        self.records[rkey] = {"uri": data["uri"], "cid": data["cid"], "value": sent["record"]}
        return respond("bluesky", "createRecord_reply", data=data)

    def get_record(self, request: Request) -> Response:
        rkey = request.args["rkey"]
        if rkey not in self.records:
            return Response(json.dumps({"error": "RecordNotFound", "message": "Could not locate record"}),
                            status=400, content_type="application/json")
        return Response(json.dumps(self.records[rkey]), content_type="application/json")


@pytest.fixture(autouse=True)
def fresh_sessions() -> None:
    atproto.forget_all_in_memory()


@pytest.fixture
def platform(httpserver: HTTPServer) -> Platform:
    p = Platform(httpserver)
    p.install()
    return p


def make(platform: Platform, monkeypatch: pytest.MonkeyPatch, **table: Any) -> BlueskySource:
    monkeypatch.setenv("H2H_TEST_BSKY", PASSWORD)
    config = {"type": "bluesky", "url": platform.server.url_for("/"), "handle": "bskyr.bsky.social",
              "token_env": "H2H_TEST_BSKY", "backfill": "1000w", **table}
    return BlueskySource.from_config("bsky", config, make_session(retries=0))


class TestBlueskySource(SourceContract):
    failure_kinds = ("auth", "malformed")

    @pytest.fixture
    def source(self, platform: Platform, monkeypatch: pytest.MonkeyPatch) -> BlueskySource:
        return make(platform, monkeypatch, keywords=["redistricting"])

    @pytest.fixture
    def failing_source(self, platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], BlueskySource]:
        def build(kind: str) -> BlueskySource:
            atproto.forget_all_in_memory()
            platform.fail = kind
            return make(platform, monkeypatch, handle=f"{kind}.bsky.social")
        return build

    @pytest.fixture
    def sent_count(self, platform: Platform) -> Callable[[], int]:
        return lambda: len(platform.records)


# --- what the recordings show -----------------------------------------------------------

def mentions_of(source: BlueskySource) -> list[Mention]:
    return [m for p in fetch_all(source) for m in p.mentions]


def test_only_mentions_replies_and_quotes_become_mentions(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    found = mentions_of(make(platform, monkeypatch))
    recorded = body("bluesky", "listNotifications")["notifications"]
    wanted = {n["uri"] for n in recorded if n["reason"] in ("mention", "reply", "quote")}
    assert {m.remote_id for m in found} == wanted
    assert all(m.to_me and not m.from_me for m in found)
    assert [m.created_at for m in found] == sorted(m.created_at for m in found)  # oldest first


def test_mention_fields_from_the_recording(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    found = {m.remote_id: m for m in mentions_of(make(platform, monkeypatch))}
    m = found["at://did:plc:lprqqpoyjspuma25n5gofocf/app.bsky.feed.post/3lmicbemya22g"]
    assert m.text.startswith("Ok, @bskyr.bsky.social makes this ridiculously easy.")
    reply = m.raw["record"]["reply"]
    assert m.platform == "bluesky" and m.thread == reply["root"]["uri"] and m.in_reply_to == reply["parent"]["uri"]
    assert m.url == "https://bsky.app/profile/did:plc:lprqqpoyjspuma25n5gofocf/post/3lmicbemya22g"
    assert m.created_at == datetime(2025, 4, 10, 20, 1, 53, 909000, tzinfo=timezone.utc)
    assert m.author.remote_id == "did:plc:lprqqpoyjspuma25n5gofocf" and m.author.handle
    assert m.raw["reason"] == "mention"
    standalone = found["at://did:plc:zdd4yxyclksq2sem6jqxsfu2/app.bsky.feed.post/3lium35jvqr2c"]
    assert standalone.thread == standalone.remote_id and standalone.in_reply_to is None


def test_follower_counts_come_from_get_profiles_in_batches(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    found = mentions_of(make(platform, monkeypatch))
    quoted = [m for m in found if m.author.remote_id == "did:plc:wpe35pganb6d4pg4ekmfy6u5"]
    assert quoted and quoted[0].author.followers == 554
    assert quoted[0].author.created_at == datetime(2023, 9, 19, 15, 47, 1, 417000, tzinfo=timezone.utc)
    batches = [args["actors"] for nsid, _, args in platform.calls if nsid == "app.bsky.actor.getProfiles"]
    assert batches and all(len(b) <= 25 for b in batches)
    assert sum(len(b) for b in batches) == len({m.author.remote_id for m in found})


def test_notifications_are_asked_for_by_reason_without_priority_filter(platform: Platform,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    mentions_of(make(platform, monkeypatch))
    args = next(a for nsid, _, a in platform.calls if nsid == "app.bsky.notification.listNotifications")
    assert sorted(args["reasons"]) == ["mention", "quote", "reply"] and args["priority"] == ["false"]


def test_keyword_search_is_not_addressed_to_me(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    found = mentions_of(make(platform, monkeypatch, keywords=["redistricting"]))
    recorded = {p["uri"] for p in body("bluesky", "searchPosts")["posts"]}
    searched = [m for m in found if m.remote_id in recorded]
    assert len(searched) == len(recorded)
    assert not any(m.to_me for m in searched)
    link = next(m for m in searched if m.remote_id.endswith("3lpk2u6qo222m"))
    assert "https://osf.io/v87fn" in link.text


def test_backfill_bounds_the_first_fetch(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    assert mentions_of(make(platform, monkeypatch, backfill="30d")) == []  # the recording is from 2025; now is 2026-11


def test_thread_is_flattened_to_models(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make(platform, monkeypatch)
    first = mentions_of(src)[0]
    thread = src.fetch_thread(first)
    post = thread.mentions[0]
    assert post.remote_id == "at://did:plc:ic6zqvuw5ulmfpjiwnhsr2ns/app.bsky.feed.post/3k7qmjev5lr2s"
    assert "localview.net" in post.text and post.lang == "en"


def test_expired_token_is_refreshed_once_not_logged_in_again(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    platform.fail = "expired"
    assert mentions_of(make(platform, monkeypatch))
    refreshes = [auth for nsid, auth, _ in platform.calls if nsid == "com.atproto.server.refreshSession"]
    assert refreshes == ["Bearer refresh-1-abcdef"]
    assert platform.logins == 2  # createSession once, then refreshSession (served by the same handler)


def test_session_is_kept_private_and_reused_by_the_next_process(platform: Platform, monkeypatch: pytest.MonkeyPatch,
                                                                home: Any) -> None:
    make(platform, monkeypatch).whoami()
    files = list((home / "sessions").glob("bluesky-*.json"))
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(files[0].parent.stat().st_mode) == 0o700
    atproto.forget_all_in_memory()  # a new process
    make(platform, monkeypatch).whoami()
    assert platform.logins == 1
    assert redact("token access-1-abcdef") == "token ***"


def test_a_session_file_readable_by_others_is_not_trusted(platform: Platform, monkeypatch: pytest.MonkeyPatch,
                                                          home: Any) -> None:
    make(platform, monkeypatch).whoami()
    path = next((home / "sessions").glob("bluesky-*.json"))
    os.chmod(path, 0o644)
    atproto.forget_all_in_memory()
    make(platform, monkeypatch).whoami()
    assert platform.logins == 2 and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_wrong_password_is_an_auth_error_with_exit_4(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    platform.fail = "auth"
    with pytest.raises(errors.AuthError) as caught:
        make(platform, monkeypatch).whoami()
    assert caught.value.exit_code == ExitCode.AUTH
    assert "Invalid identifier or password" in str(caught.value) and PASSWORD not in str(caught.value)


def test_reply_carries_root_parent_and_a_mention_facet_in_utf8_bytes(platform: Platform,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    src = make(platform, monkeypatch)
    quote = next(m for m in mentions_of(src) if m.raw["reason"] == "quote" and "reply" not in m.raw["record"])
    text = f"Merci ✨ @{quote.author.handle} — see https://example.org/a"
    sent = src.send_reply(quote, text, key="k-utf8")
    record = next(iter(platform.records.values()))["value"]
    assert record["reply"]["parent"] == {"uri": quote.remote_id, "cid": quote.raw["cid"]}
    assert record["reply"]["root"] == record["reply"]["parent"]
    mention, link = record["facets"]
    raw = text.encode("utf-8")
    assert raw[mention["index"]["byteStart"]:mention["index"]["byteEnd"]] == f"@{quote.author.handle}".encode()
    assert mention["features"][0]["did"] == quote.author.remote_id
    assert raw[link["index"]["byteStart"]:link["index"]["byteEnd"]] == b"https://example.org/a"
    assert sent.remote_id.endswith("/" + record_key("k-utf8", quote.created_at))


def test_reply_to_a_reply_keeps_the_thread_root(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make(platform, monkeypatch)
    root = {"uri": "at://did:plc:aaa/app.bsky.feed.post/3k2root2222aa", "cid": "bafyroot"}
    parent = {"uri": "at://did:plc:bbb/app.bsky.feed.post/3k2parent22aa", "cid": "bafyparent",
              "author": {"did": "did:plc:bbb", "handle": "bob.test"},
              "record": {"$type": "app.bsky.feed.post", "text": "hi", "createdAt": "2025-01-01T00:00:00Z",
                         "reply": {"root": root, "parent": root}}}
    m = Mention(source="bsky", platform="bluesky", remote_id=parent["uri"],
                author=Person(source="bsky", remote_id="did:plc:bbb", handle="bob.test"), text="hi",
                created_at=datetime(2025, 1, 1, tzinfo=timezone.utc), raw=parent)
    src.send_reply(m, "thanks!", key="k-root")
    record = next(iter(platform.records.values()))["value"]
    assert record["reply"] == {"root": root, "parent": {"uri": parent["uri"], "cid": "bafyparent"}}


def test_too_long_reply_is_refused_before_sending(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make(platform, monkeypatch)
    first = mentions_of(src)[0]
    with pytest.raises(errors.InputError):
        src.send_reply(first, "x" * 301, key="k-long")
    src.send_reply(first, "👍🏽" * 300, key="k-emoji")  # 300 graphemes, 600 code points: allowed
    assert len(platform.records) == 1


def test_server_400_is_a_source_error_exit_5(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make(platform, monkeypatch)
    monkeypatch.setattr(BlueskySource, "max_graphemes", 10_000)  # let the server judge
    with pytest.raises(errors.SourceError) as caught:
        src.send_reply(mentions_of(src)[0], "y" * 400, key="k-400")
    assert "300 graphemes" in str(caught.value) and caught.value.exit_code == ExitCode.REMOTE
    assert platform.records == {}


def test_same_key_different_text_is_refused(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make(platform, monkeypatch)
    first = mentions_of(src)[0]
    src.send_reply(first, "one", key="k-same")
    with pytest.raises(errors.SourceError):
        src.send_reply(first, "two", key="k-same")


def test_record_key_is_a_tid_and_stable() -> None:
    at = datetime(2025, 4, 10, 20, 1, 53, tzinfo=timezone.utc)
    a, b = record_key("key-1", at), record_key("key-2", at)
    assert a == record_key("key-1", at) and a != b
    import re
    assert re.fullmatch(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}", a)


def test_plain_text_restores_shortened_links() -> None:
    text = "see example.com/very-lo... ok"
    start = text.encode().index(b"example")
    end = start + len("example.com/very-lo...")
    record = {"text": text, "facets": [{"index": {"byteStart": start, "byteEnd": end},
                                        "features": [{"$type": "app.bsky.richtext.facet#link",
                                                      "uri": "https://example.com/very-long-path"}]}]}
    assert plain_text(record) == "see https://example.com/very-long-path ok"
    assert plain_text({"text": "bad facet", "facets": [{"index": {"byteStart": 5, "byteEnd": 99}}]}) == "bad facet"


@pytest.mark.parametrize(("text", "count"), [("", 0), ("abc", 3), ("e\u0301", 1), ("👍🏽", 1), ("🇫🇷🇩🇪", 2),
                                              ("👩‍👩‍👧", 1), ("한국어", 3), ("\u1100\u1161\u11a8", 1), ("a\r\nb", 3)])
def test_graphemes(text: str, count: int) -> None:
    assert length.count_graphemes(text) == count
    assert length.cut(text * 2, count) == text or count == 0


def test_thread_with_a_deleted_parent_keeps_what_exists(platform: Platform, monkeypatch: pytest.MonkeyPatch,
                                                        httpserver: HTTPServer) -> None:
    # The AppView's own test snapshot (ids normalised upstream), in its {"thread": ...} envelope.
    snapshot = body("bluesky", "getPostThread_parent_notFound.snapshot")
    httpserver.clear_all_handlers()
    httpserver.expect_request(XRPC + "app.bsky.feed.getPostThread").respond_with_json({"thread": snapshot})
    platform.install()
    src = make(platform, monkeypatch)
    m = Mention(source="bsky", platform="bluesky", remote_id="record(0)",
                author=Person(source="bsky", remote_id="user(0)", handle="x"), text="",
                created_at=datetime(1970, 1, 1, tzinfo=timezone.utc))
    thread = src.fetch_thread(m)
    assert [t.remote_id for t in thread.mentions] == ["record(0)"]
    assert thread.mentions[0].text == "Reply reply"


def test_thread_of_a_deleted_post_is_not_found(platform: Platform, monkeypatch: pytest.MonkeyPatch,
                                               httpserver: HTTPServer) -> None:
    httpserver.clear_all_handlers()
    # What the real AppView answers (seen on the dev-env network).
    httpserver.expect_request(XRPC + "app.bsky.feed.getPostThread").respond_with_json(
        {"error": "NotFound", "message": "Post not found: at://did:plc:x/app.bsky.feed.post/3m7abcdefgh27"}, status=400)
    platform.install()
    src = make(platform, monkeypatch)
    m = Mention(source="bsky", platform="bluesky", remote_id="at://did:plc:x/app.bsky.feed.post/3m7abcdefgh27",
                author=Person(source="bsky", remote_id="did:plc:x", handle="x"), text="",
                created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(errors.NotFound):
        src.fetch_thread(m)


# --- atproto.dart's recording: a busy account's notifications (2023) ----------------------------

class BusyAccount(Platform):
    def notifications(self, request: Request) -> Response:
        if self.fail or request.args.get("cursor"):
            return super().notifications(request)
        return respond("bluesky", "atprotodart_listNotifications")


class TestBlueskyOnAtprotoDartRecordings(TestBlueskySource):
    scenario = "atproto.dart"

    @pytest.fixture
    def platform(self, httpserver: HTTPServer) -> BusyAccount:
        p = BusyAccount(httpserver)
        p.install()
        return p

    @pytest.fixture
    def source(self, platform: Platform, monkeypatch: pytest.MonkeyPatch) -> BlueskySource:
        return make(platform, monkeypatch, backfill="10000d")


def test_a_busy_inbox_keeps_replies_quotes_and_mentions(httpserver: HTTPServer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    busy = BusyAccount(httpserver)
    busy.install()
    found = mentions_of(make(busy, monkeypatch, backfill="10000d"))
    assert len(found) == 17 + 4 + 3 and all(m.to_me for m in found)  # likes, reposts and follows are not messages
    assert any(m.lang == "ja" or "ありがとう" in m.text for m in found)
