"""One malformed item costs that item, with a warning naming it, never the whole listing:
every adapter, on a real recording with one item broken the way servers break them
(a post without its author, a notification without a subject URL or a time)."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
from pytest_httpserver import HTTPServer

from h2h.sources.base import Source
from tests.sources import mastodon_server, replay
from tests.sources.contract import fetch_all

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str, Callable[[Any], None]], None]:
    """`broken(platform, name, mutate)`: the loopback servers answer `name` as `mutate` leaves it."""
    copies = tmp_path / "fixtures"

    def apply(platform: str, name: str, mutate: Callable[[Any], None]) -> None:
        if not (copies / platform).exists():
            shutil.copytree(FIXTURES / platform, copies / platform)
        path = copies / platform / f"{name}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        mutate(data)
        path.write_text(json.dumps(data), encoding="utf-8")
        monkeypatch.setattr(replay, "FIXTURES", copies)
        monkeypatch.setattr(mastodon_server, "FIXTURES", copies / "mastodon")
    return apply


def ids(source: Source) -> list[str]:
    return [m.remote_id for p in fetch_all(source) for m in p.mentions]


def check(source: Source, before: list[str], gone: str, named: str, caplog: pytest.LogCaptureFixture) -> None:
    """The listing still reads, less the broken item; one warning says which item and why."""
    caplog.clear()
    after = ids(source)
    assert gone in before and gone not in after
    assert sorted(after) == sorted(i for i in before if i != gone)
    warnings = [r.getMessage() for r in caplog.records if "skipped an item h2h cannot read" in r.getMessage()]
    assert any(named in w for w in warnings), warnings


def test_mastodon_a_post_without_its_account(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, broken: Any,
                                             caplog: pytest.LogCaptureFixture) -> None:
    from tests.sources.test_mastodon import make
    before = ids(make(mastodon_server.RecordedMastodon(httpserver), monkeypatch, notifications="v1"))
    httpserver.clear()

    def drop_account(data: list[dict[str, Any]]) -> None:
        next(n for n in data if n.get("status"))["status"].pop("account")
    broken("mastodon", "notifications_mastodon_social", drop_account)
    check(make(mastodon_server.RecordedMastodon(httpserver), monkeypatch, notifications="v1"), before,
          "116275331587890092", "(id 116275331587890092): masto: a post without an id or an author", caplog)


def test_github_a_notification_without_a_subject_url(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch,
                                                     broken: Any, caplog: pytest.LogCaptureFixture) -> None:
    from tests.sources.test_github import Platform, make
    platform = Platform(httpserver)
    platform.install()
    before = ids(make(platform, monkeypatch))

    def add_broken_thread(data: list[dict[str, Any]]) -> None:
        bad = copy.deepcopy(data[0])
        bad["id"], bad["subject"]["url"] = "999", None
        data.insert(0, bad)

    def comment_without_user(data: list[dict[str, Any]]) -> None:
        data[1]["user"] = None
    broken("github", "notifications_repo_all", add_broken_thread)
    broken("github", "issue_comments", comment_without_user)
    check(make(platform, monkeypatch), before, "1194690", "(id 1194690): ", caplog)
    assert "skipped an item h2h cannot read (id 999): a notification's subject is not an issue" in caplog.text


def test_bluesky_a_reply_that_is_not_a_reference(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch,
                                                 broken: Any, caplog: pytest.LogCaptureFixture) -> None:
    from tests.sources.test_bluesky import Platform, make
    platform = Platform(httpserver)
    platform.install()
    before = ids(make(platform, monkeypatch))
    uri = next(u for u in before)

    def break_reply(data: dict[str, Any]) -> None:
        next(n for n in data["notifications"] if n["uri"] == uri)["record"]["reply"] = "at://gone"
    broken("bluesky", "listNotifications", break_reply)
    check(make(platform, monkeypatch), before, uri, f"(uri {uri}): ", caplog)


def test_reddit_an_item_without_its_time(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, broken: Any,
                                         caplog: pytest.LogCaptureFixture) -> None:
    from tests.sources.test_reddit import ENV, Reddit, make_source
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    Reddit(httpserver)
    before = ids(make_source(httpserver))
    gone = "t1_ekft1m7"

    def no_time(data: dict[str, Any]) -> None:
        next(c for c in data["data"]["children"] if c["data"]["name"] == gone)["data"].pop("created_utc")
    broken("reddit", "message_mentions", no_time)
    check(make_source(httpserver), before, gone, f"(id {gone[3:]}): ", caplog)


def test_hackernews_a_hit_without_its_time(httpserver: HTTPServer, caplog: pytest.LogCaptureFixture) -> None:
    from tests.sources import test_hackernews as hn
    fake = hn.Algolia(hn.HITS)
    httpserver.expect_request("/api/v1/search_by_date").respond_with_handler(fake.search)
    before = ids(hn.make_source(httpserver, page_size=10))
    gone = fake.hits[1]["objectID"]
    fake.hits[1] = {k: v for k, v in fake.hits[1].items() if k != "objectID"}
    check(hn.make_source(httpserver, page_size=10), before, gone, "without created_at_i or objectID", caplog)


def test_stackexchange_a_question_without_its_date(httpserver: HTTPServer, caplog: pytest.LogCaptureFixture) -> None:
    from tests.sources import test_stackexchange as se
    api = se.StackExchange(httpserver)
    before = ids(se.make_source(httpserver, page_size=10))
    gone = str(api.items[0]["question_id"])
    api.items[0] = {k: v for k, v in api.items[0].items() if k != "question_id"}
    check(se.make_source(httpserver, page_size=10), before, gone, "without creation_date or question_id", caplog)


def test_discourse_a_notification_without_its_time(httpserver: HTTPServer, broken: Any,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    from tests.sources.test_discourse import Forum
    before = ids(Forum(httpserver).source(searches=()))
    httpserver.clear()
    [gone] = before  # the private message (id 2); the other notification is a badge

    def no_time(data: dict[str, Any]) -> None:
        next(n for n in data["notifications"] if n["id"] == 2)["created_at"] = "yesterday"
    broken("discourse", "api_docs_notifications_get_2019", no_time)
    check(Forum(httpserver).source(searches=()), before, gone, "(id 2): ", caplog)


def test_lemmy_a_comment_without_its_time(httpserver: HTTPServer, broken: Any,
                                          caplog: pytest.LogCaptureFixture) -> None:
    from tests.sources.test_lemmy import Instance
    before = ids(Instance(httpserver).source(keywords=()))
    httpserver.clear()
    views: list[dict[str, Any]] = json.loads((FIXTURES / "lemmy" / "mentions.json").read_text())["mentions"]
    gone = f"comment/{views[0]['comment']['id']}"

    def no_time(data: dict[str, Any]) -> None:
        data["mentions"][0]["comment"].pop("published")
    broken("lemmy", "mentions", no_time)
    check(Instance(httpserver).source(keywords=()), before, gone, f"(id {views[0]['person_mention']['id']}): ", caplog)


def test_x_a_post_with_an_unreadable_time(httpserver: HTTPServer, broken: Any,
                                          caplog: pytest.LogCaptureFixture) -> None:
    from tests.sources.test_x import Bird
    before = ids(Bird(httpserver).source(query=None))
    httpserver.clear()
    gone = json.loads((FIXTURES / "x" / "users_mentions_default_fields.json").read_text())["data"][2]["id"]

    def bad_time(data: dict[str, Any]) -> None:
        data["data"][2]["created_at"] = "the other day"
    broken("x", "users_mentions_default_fields", bad_time)
    check(Bird(httpserver).source(query=None), before, gone, f"(id {gone}): ", caplog)


def test_feeds_an_entry_that_is_not_an_object(httpserver: HTTPServer, caplog: pytest.LogCaptureFixture) -> None:
    from tests.sources.test_rss import JSON_FEED, Feeds, make_source
    feeds = Feeds(httpserver)
    url = feeds.serve("/feed.json", json.dumps(JSON_FEED).encode(), "application/feed+json")
    before = ids(make_source([url]))
    httpserver.clear()
    doc = copy.deepcopy(JSON_FEED)
    gone = doc["items"][0]["id"]
    doc["items"][0] = "Est-ce qu'Acme exporte en CSV ?"  # a string where the spec wants an object
    url = feeds.serve("/feed.json", json.dumps(doc).encode(), "application/feed+json")
    check(make_source([url]), before, gone, "(an item without an id): ", caplog)
