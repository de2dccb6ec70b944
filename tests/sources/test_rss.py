"""Feeds against the real recorded documents (feedparser's and rss-parser's
test corpora), served on loopback with ETag / Last-Modified handling."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from h2h import errors
from h2h.sources import rss
from h2h.sources.http import make_session
from h2h.sources.rss import FeedSource
from h2h.sources.listing import load_json
from tests.sources.contract import SourceContract, fetch_all
from tests.sources.replay import raw

ATOM = "application/atom+xml; charset=utf-8"
# No recorded JSON Feed was found; this one follows the spec (https://jsonfeed.org/version/1.1).
JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1", "title": "Acme mentions", "language": "fr-FR",
    "home_page_url": "https://alerts.example.org/", "authors": [{"name": "Alerts"}],
    "items": [
        {"id": "https://alerts.example.org/2", "url": "https://forum.example.org/t/2",
         "content_html": "<p>Est-ce qu'<b>Acme</b> exporte en CSV&nbsp;?</p>",
         "date_published": "2026-11-19T08:00:00+01:00",
         "authors": [{"name": "Marie", "url": "https://forum.example.org/u/marie"}]},
        {"id": "https://alerts.example.org/1", "url": "https://forum.example.org/t/1", "title": "Acme 2.4",
         "content_text": "Acme 2.4 is out", "date_published": "2026-11-18T10:00:00Z"},
        {"url": "https://alerts.example.org/no-id", "content_text": "an item without id is not an item"},
    ],
}


class Feeds:
    """Serves each path from a recording, with an ETag and conditional answers."""

    def __init__(self, server: HTTPServer):
        self.server = server
        self.requests: list[Request] = []

    def serve(self, path: str, data: bytes, content_type: str = ATOM, etag: str | None = '"v1"',
              modified: str | None = "Thu, 19 Nov 2026 10:00:00 GMT") -> str:
        def answer(request: Request) -> Response:
            self.requests.append(request)
            if etag and request.headers.get("If-None-Match") == etag:
                return Response(status=304)
            headers = {"ETag": etag} if etag else {}
            if modified:
                headers["Last-Modified"] = modified
            return Response(data, content_type=content_type, headers=headers)
        self.server.expect_request(path).respond_with_handler(answer)
        return self.server.url_for(path)


@pytest.fixture
def feeds(httpserver: HTTPServer) -> Feeds:
    return Feeds(httpserver)


def make_source(urls: list[str], **table: Any) -> FeedSource:
    config = {"type": "rss", "feeds": urls, "backfill": "10000d", **table}
    return FeedSource.from_config("alerts", config, make_session(retries=0))


def mentions_of(src: FeedSource, cursor: str | None = None) -> dict[str, Any]:
    return {m.remote_id: m for p in fetch_all(src, cursor) for m in p.mentions}


class TestFeedContract(SourceContract):
    failure_kinds = ("auth", "not_found", "malformed", "server")
    supports_send = False

    @pytest.fixture
    def source(self, feeds: Feeds) -> FeedSource:
        return make_source([feeds.serve("/comments.atom", raw("rss", "blogger_comments_atom_thr_in_reply_to.xml")),
                            feeds.serve("/heise.atom", raw("rss", "heise_atom_de.xml")),
                            feeds.serve("/reddit.rss", raw("rss", "reddit_frontpage_rss2_html_in_description.xml"),
                                        "application/rss+xml")])

    @pytest.fixture
    def failing_source(self, httpserver: HTTPServer, feeds: Feeds) -> Callable[[str], FeedSource]:
        answers = {"auth": Response("login required", status=401),
                   "not_found": Response("<html>404</html>", status=404, content_type="text/html"),
                   "malformed": Response(raw("rss", "illformed_rss_empty_document.xml"), content_type="text/xml"),
                   "server": Response("bad gateway", status=502)}

        def make(kind: str) -> FeedSource:
            httpserver.clear()
            httpserver.expect_request("/broken.xml").respond_with_response(answers[kind])
            return make_source([httpserver.url_for("/broken.xml")])
        return make

    @pytest.fixture
    def sent_count(self) -> Callable[[], int]:
        return lambda: 0


def test_comment_feeds_keep_their_threading(feeds: Feeds) -> None:
    url = feeds.serve("/c.atom", raw("rss", "blogger_comments_atom_thr_in_reply_to.xml"))
    [m] = mentions_of(make_source([url])).values()
    post = "tag:blogger.com,1999:blog-893591374313312737.post-3861663258538857954"
    assert m.remote_id == "tag:blogger.com,1999:blog-893591374313312737.post-4788628857625737701"
    assert m.in_reply_to == post and m.thread == post
    assert m.author.handle == "John" and m.author.url == "http://www.blogger.com/profile/12344017489797258795"
    # The title repeats the text's start: said once; a link keeps where it points.
    assert m.text == "bloffo bliff by te... (http://example.org/profile/te...)"
    assert m.created_at.isoformat() == "2009-12-09T00:59:02+00:00"
    assert m.url == "http://salmon-test.blogspot.com/2009/10/test-post.html?showComment=1260320342544#c4788628857625737701"
    assert m.raw["feed"].endswith("/c.atom") and m.raw["entry"]["published_parsed"] == "2009-12-09T00:59:02Z"
    json.dumps(m.raw)  # the store keeps raw as JSON


def test_replies_to_replies_find_their_root_in_the_feed(feeds: Feeds) -> None:
    doc = raw("rss", "blogger_comments_atom_thr_in_reply_to.xml").decode()
    second = ("<entry><id>tag:example,2009:c2</id><published>2009-12-09T10:00:00Z</published><title>re</title>"
              "<content type='html'>I agree</content><author><name>Eve</name></author>"
              "<thr:in-reply-to xmlns:thr='http://purl.org/syndication/thread/1.0' "
              "ref='tag:blogger.com,1999:blog-893591374313312737.post-4788628857625737701'/></entry></feed>")
    url = feeds.serve("/c.atom", doc.replace("</feed>", second).encode())
    m = mentions_of(make_source([url]))["tag:example,2009:c2"]
    assert m.in_reply_to.endswith("post-4788628857625737701") and m.thread.endswith("post-3861663258538857954")


def test_html_in_items_becomes_plain_text(feeds: Feeds) -> None:
    url = feeds.serve("/r.rss", raw("rss", "reddit_frontpage_rss2_html_in_description.xml"), "application/rss+xml")
    mentions = mentions_of(make_source([url]))
    assert len(mentions) == 24
    for m in mentions.values():
        assert "<" not in m.text.replace("<3", "") and "&amp;" not in m.text, m.text[:200]
        assert m.platform == "rss" and m.to_me is False


def test_a_mislabelled_but_readable_feed_is_read(feeds: Feeds) -> None:
    url = feeds.serve("/r.html", raw("rss", "reddit_frontpage_atom.xml"), "text/html; charset=utf-8")
    mentions = mentions_of(make_source([url]))
    assert len(mentions) == 24
    assert next(iter(mentions.values())).author.handle.startswith("/u/")


def test_conditional_get_sends_etag_and_last_modified(feeds: Feeds) -> None:
    src = make_source([feeds.serve("/h.atom", raw("rss", "heise_atom_de.xml"))])
    pages = fetch_all(src)
    assert len(pages[0].mentions) == 15
    state = load_json(pages[-1].cursor)["feeds"]
    [entry] = state.values()
    assert entry["etag"] == '"v1"' and entry["modified"] == "Thu, 19 Nov 2026 10:00:00 GMT"
    again = fetch_all(src, pages[-1].cursor)
    last = feeds.requests[-1]
    assert last.headers["If-None-Match"] == '"v1"' and last.headers["If-Modified-Since"] == entry["modified"]
    assert again[0].mentions == () and load_json(again[-1].cursor) == load_json(pages[-1].cursor)


def test_a_broken_feed_is_reported_after_the_others_are_read(feeds: Feeds) -> None:
    good = feeds.serve("/h.atom", raw("rss", "heise_atom_de.xml"))
    bad = feeds.serve("/bad.xml", raw("rss", "illformed_rss_undeclared_namespace.xml"), "application/rss+xml")
    also_good = feeds.serve("/g.atom", raw("rss", "github_releases_atom.xml"))
    src = make_source([bad, good, also_good])
    pages = []
    with pytest.raises(errors.SourceError) as info:
        for page in src.fetch_mentions(None):
            pages.append(page)
    assert [len(p.mentions) for p in pages] == [15, 10]
    assert bad in str(info.value) and "broken feed" in str(info.value) and "other 2 were read" in str(info.value)
    assert set(load_json(pages[-1].cursor)["feeds"]) == {good, also_good}


def test_several_broken_feeds_are_listed_together(feeds: Feeds, httpserver: HTTPServer) -> None:
    page = feeds.serve("/page", b"<!DOCTYPE html><html><head><title>Acme</title></head><body>hi</body></html>",
                       "text/html")
    httpserver.expect_request("/gone.xml").respond_with_response(Response("gone", status=404))
    with pytest.raises(errors.SourceError) as info:
        fetch_all(make_source([page, httpserver.url_for("/gone.xml")]))
    message = str(info.value)
    assert "2 of 2 feeds failed" in message and "is an HTML page" in message and "404" in message


@pytest.mark.parametrize("name", ["illformed_rss_incomplete_cdata.xml", "illformed_rss_empty_document.xml"])
def test_malformed_documents_are_source_errors(feeds: Feeds, name: str) -> None:
    with pytest.raises(errors.SourceError):
        fetch_all(make_source([feeds.serve("/x.xml", raw("rss", name), "text/xml")]))


def test_odd_but_valid_documents_are_not_errors(feeds: Feeds) -> None:
    urls = [feeds.serve(f"/{n}", raw("rss", n), "text/xml") for n in
            ("illformed_rss_iso8859-7_date.xml", "illformed_rss_bad_bytes_in_cdata.xml",
             "atom_entry_empty_author.xml", "atom_entry_id_only.xml")]
    mentions = list(mentions_of(make_source(urls)).values())
    assert all(m.author.handle for m in mentions)


def test_json_feed(feeds: Feeds) -> None:
    url = feeds.serve("/feed.json", json.dumps(JSON_FEED).encode(), "application/feed+json")
    mentions = mentions_of(make_source([url]))
    assert list(mentions) == ["https://alerts.example.org/2", "https://alerts.example.org/1"]
    marie = mentions["https://alerts.example.org/2"]
    assert marie.text == "Est-ce qu'Acme exporte en CSV\xa0?" and marie.lang == "fr"
    assert marie.author.handle == "Marie" and marie.created_at.isoformat() == "2026-11-19T07:00:00+00:00"
    # The feed's own author ("Alerts") did not write a page on another site: that site did.
    found = mentions["https://alerts.example.org/1"]
    assert found.author.handle == "forum.example.org" and found.thread == "page:https://forum.example.org/t/1"


def test_json_that_is_not_a_feed_is_reported(feeds: Feeds) -> None:
    url = feeds.serve("/api", b'{"error": "login"}', "application/json")
    with pytest.raises(errors.SourceError, match="not a JSON Feed"):
        fetch_all(make_source([url]))


def test_the_first_read_reaches_back_only_as_far_as_backfill(feeds: Feeds) -> None:
    url = feeds.serve("/feed.json", json.dumps(JSON_FEED).encode(), "application/feed+json")
    assert list(mentions_of(make_source([url], backfill="2d"))) == ["https://alerts.example.org/2"]


def test_new_entries_arrive_after_the_cursor(feeds: Feeds, httpserver: HTTPServer) -> None:
    url = feeds.serve("/feed.json", json.dumps(JSON_FEED).encode(), "application/json", etag=None, modified=None)
    src = make_source([url])
    final = fetch_all(src)[-1].cursor
    added = {"id": "https://alerts.example.org/3", "content_text": "Acme?"}
    newer = {**JSON_FEED, "items": [added] + JSON_FEED["items"]}
    httpserver.clear()
    feeds.serve("/feed.json", json.dumps(newer).encode(), "application/json", etag=None, modified=None)
    assert list(mentions_of(src, final)) == ["https://alerts.example.org/3"]


def test_a_huge_body_is_refused(feeds: Feeds, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rss, "MAX_BYTES", 1000)
    with pytest.raises(errors.SourceError, match="larger than"):
        fetch_all(make_source([feeds.serve("/h.atom", raw("rss", "heise_atom_de.xml"))]))


def test_a_body_naming_a_local_file_is_parsed_not_opened(feeds: Feeds, tmp_path: Any) -> None:
    secret = tmp_path / "feed.xml"
    secret.write_bytes(raw("rss", "heise_atom_de.xml"))
    with pytest.raises(errors.SourceError):
        fetch_all(make_source([feeds.serve("/x", str(secret).encode(), "text/xml")]))


def test_thread_gathers_the_feed_entries_of_the_conversation(feeds: Feeds) -> None:
    src = make_source([feeds.serve("/c.atom", raw("rss", "blogger_comments_atom_thr_in_reply_to.xml"))])
    [m] = mentions_of(src).values()
    thread = src.fetch_thread(m)
    assert thread.root == m.thread and [t.remote_id for t in thread.mentions] == [m.remote_id]


def test_send_reply_points_at_the_entry(feeds: Feeds) -> None:
    src = make_source([feeds.serve("/c.atom", raw("rss", "blogger_comments_atom_thr_in_reply_to.xml"))])
    [m] = mentions_of(src).values()
    with pytest.raises(errors.NotSupported) as info:
        src.send_reply(m, "hi", key="k")
    assert info.value.url == m.url


@pytest.mark.parametrize("table", [{"feeds": []}, {"feeds": ["ftp://x/feed"]}, {"feeds": "nope"},
                                   {"to_me": "yes"}])
def test_config_mistakes(table: dict[str, Any]) -> None:
    config = {"type": "rss", **table}
    if table == {"feeds": "nope"}:
        with pytest.raises(errors.ConfigError, match="not an http"):
            FeedSource.from_config("alerts", config, make_session())
        return
    if "to_me" in table:
        config["feeds"] = ["https://example.org/feed"]
    with pytest.raises(errors.ConfigError):
        FeedSource.from_config("alerts", config, make_session())


# --- search alerts and aggregators -------------------------------------------------------

def test_a_search_alert_entry_is_by_the_site_it_found(feeds: Feeds) -> None:
    url = feeds.serve("/alerts.atom", raw("rss", "google_alerts_atom.xml"))
    mentions = list(mentions_of(make_source([url])).values())
    assert len(mentions) == 20
    assert not any(m.author.handle == "Google Alert - Slack" for m in mentions)
    first = next(m for m in mentions if m.remote_id == "tag:google.com,2013:googlealerts/feed:13685523368333461374")
    # The alert's link goes through google.com/url; the page it found is the mention's url, its site the author.
    assert first.url == "https://investorplace.com/2019/07/slack-stock-truly-compelling/"
    assert first.author.handle == "investorplace.com" and first.author.remote_id == "https://investorplace.com/"
    assert first.thread == f"page:{first.url}" and first.in_reply_to is None
    assert first.text.startswith("Slack Stock Has a Compelling Story")
    assert len({m.thread for m in mentions}) == 20  # every page its own conversation
    assert all(m.thread != m.remote_id for m in mentions)


def test_a_feed_author_is_kept_on_its_own_site_only(feeds: Feeds) -> None:
    url = feeds.serve("/feed.json", raw("rss", "json_feed_inessential.json"), "application/feed+json")
    mentions = list(mentions_of(make_source([url])).values())
    assert mentions and {m.author.handle for m in mentions} == {"Brent Simmons"}  # a blog: the feed's author
    assert all(m.author.url == "http://inessential.com/" for m in mentions)


def test_alerts_become_one_conversation_per_page_and_no_bot(feeds: Feeds, tmp_path: Any) -> None:
    from h2h.app.inbox import build_queue
    from h2h.config import Config
    from h2h.ingest.ingest import ingest
    from h2h.store.sqlite import SQLiteStore
    from h2h.triage.engine import Engine

    url = feeds.serve("/alerts.atom", raw("rss", "google_alerts_atom.xml"))
    mentions = [m for p in fetch_all(make_source([url])) for m in p.mentions]
    engine = Engine.from_config(Config())
    with SQLiteStore.open(tmp_path / "h2h.db") as store:
        ingest(store, mentions, engine)
        queue = build_queue(store, engine, show_all=True, limit=None)
        assert len(queue.items) == 20
        reasons = [r for item in queue.items for r in json.dumps([x.to_json() for x in item.reasons]).split('"')]
        assert not [r for r in reasons if "posts in a day" in r or "automated" in r]


class TestFeedsFromOtherParsersCorpora(SourceContract):
    """feedjira's, feed-rs's and a Discourse archiver's captures: a search alert, a podcast, two JSON Feeds,
    a forum's latest posts."""

    failure_kinds = ("not_found", "malformed")
    supports_send = False
    scenario = "other projects"

    @pytest.fixture
    def source(self, feeds: Feeds) -> FeedSource:
        return make_source([feeds.serve("/alerts.atom", raw("rss", "google_alerts_atom.xml")),
                            feeds.serve("/bbc.rss", raw("rss", "bbc_rss2_podcast.xml"), "application/rss+xml"),
                            feeds.serve("/inessential.json", raw("rss", "json_feed_inessential.json"),
                                        "application/feed+json"),
                            feeds.serve("/elastic.json", raw("rss", "json_feed_1_1_elastic.json"),
                                        "application/feed+json"),
                            feeds.serve("/posts.rss", raw("rss", "discourse_latest_posts.xml"), "application/rss+xml")])

    @pytest.fixture
    def failing_source(self, httpserver: HTTPServer, feeds: Feeds) -> Callable[[str], FeedSource]:
        answers = {"not_found": Response("<html>404</html>", status=404, content_type="text/html"),
                   "malformed": Response(b'{"version": "https://jsonfeed.org/version/1.1", "items": ', status=200,
                                         content_type="application/feed+json")}

        def make(kind: str) -> FeedSource:
            httpserver.clear()
            httpserver.expect_request("/broken").respond_with_response(answers[kind])
            return make_source([httpserver.url_for("/broken")])
        return make

    @pytest.fixture
    def sent_count(self) -> Callable[[], int]:
        return lambda: 0



def test_a_forum_feed_names_its_authors(feeds: Feeds) -> None:
    mentions = list(mentions_of(make_source([feeds.serve("/posts.rss", raw("rss", "discourse_latest_posts.xml"),
                                                         "application/rss+xml")])).values())
    assert len(mentions) > 20 and all(m.author.handle.startswith("@") for m in mentions)  # dc:creator, not a site
    assert not any(m.thread and m.thread.startswith("page:") for m in mentions)
