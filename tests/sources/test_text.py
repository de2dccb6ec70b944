"""Every adapter turns the markup its platform sends into the same plain text: one
table, one row per adapter and kind of markup, through each adapter's own
conversion of an item into a Mention."""

from __future__ import annotations

from typing import Any, Callable

import pytest
import requests

from h2h.models import Mention, Person
from h2h.sources import rss
from h2h.sources.atproto import Session
from h2h.sources.bluesky import BlueskySource
from h2h.sources.discourse import DiscourseSource
from h2h.sources.github import GitHubSource
from h2h.sources.hackernews import HackerNewsSource
from h2h.sources.http import Http
from h2h.sources.lemmy import LemmySource
from h2h.sources.mastodon import MastodonSource
from h2h.sources.reddit import RedditSource
from h2h.sources.stackexchange import StackExchangeSource
from h2h.sources.x import XSource
from tests.sources.replay import body

WHEN = "2026-11-19T10:00:00Z"
ME = Person(source="t", remote_id="1", handle="acme")


def mastodon(html: str) -> Mention:
    src = MastodonSource("masto", None)  # type: ignore[arg-type]
    src._instance = {"domain": "example.social"}
    status = {"id": "1", "created_at": WHEN, "content": html, "account": {"id": "2", "acct": "bob@far.example"}}
    return src._mention(status, raw=status)


def hackernews(html: str) -> Mention:
    hit = {"objectID": "1", "created_at_i": 1763546400, "author": "pg", "comment_text": html, "_tags": ["comment"],
           "parent_id": 2, "story_id": 3}
    return HackerNewsSource("hn", None, query="acme")._mention(hit)  # type: ignore[arg-type]


def stackexchange(html: str) -> Mention:
    item = {"question_id": 1, "creation_date": 1763546400, "title": "Export &amp; import", "body": html,
            "owner": {"user_id": 5, "display_name": "Ann"}}
    m = StackExchangeSource("so", None, site="stackoverflow")._mention(item)  # type: ignore[arg-type]
    assert m.text.startswith("Export & import\n\n")
    return m._replace(text=m.text.removeprefix("Export & import\n\n"))


def feed(html: str) -> Mention:
    doc = ("<?xml version='1.0'?><rss version='2.0'><channel><title>t</title><item><guid>g1</guid>"
           f"<author>ann@example.org (Ann)</author><description><![CDATA[{html}]]></description></item></channel></rss>")
    [entry] = rss._parse(doc.encode(), "application/rss+xml", "https://example.org/feed", "feed")
    return rss.FeedSource("feed", None, ())._mention(entry)


def discourse(html: str) -> Mention:
    src = DiscourseSource("forum", url="https://forum.example", username="acme", api_key="k",
                          session=requests.Session())
    post = {"id": 9, "topic_id": 7, "post_number": 2, "created_at": WHEN, "cooked": html, "username": "ann"}
    return src._mention(post, to_me=False)


def reddit(markdown: str) -> Mention:
    child = {"kind": "t1", "data": {"name": "t1_a", "created_utc": 1763546400.0, "body": markdown, "author": "ann",
                                    "link_id": "t3_b", "parent_id": "t3_b", "permalink": "/r/x/comments/b/_/a/"}}
    return RedditSource("reddit", None)._mention(child, to_me=True)  # type: ignore[arg-type]


def github(markdown: str) -> Mention:
    issue = {"number": 4, "repository_url": "https://api.github.com/repos/acme/app", "title": "t"}
    comment = {"id": 8, "body": markdown, "user": {"login": "ann", "id": 3}, "created_at": WHEN, "updated_at": WHEN}
    return GitHubSource("gh", None, None)._comment_mention(comment, issue, to_me=True, me=ME)  # type: ignore[arg-type]


def lemmy(markdown: str) -> Mention:
    src = LemmySource("lemmy", url="https://lemmy.example", token="t", session=requests.Session())
    view = {"comment": {"id": 3, "published": WHEN, "path": "0.3", "content": markdown}, "post": {"id": 1},
            "creator": {"actor_id": "https://lemmy.example/u/ann", "name": "ann"}}
    return src._comment(view, to_me=True)


def x(text: str) -> Mention:
    tweet = {"id": "1860000000000000000", "text": text, "created_at": WHEN, "author_id": "5"}
    return XSource("x", token="t", session=requests.Session())._mention(tweet, {"id": "5", "username": "ann"},
                                                                         to_me=True)


def bluesky(text: str, monkeypatch: pytest.MonkeyPatch) -> Mention:
    monkeypatch.setattr(Session, "did", property(lambda self: "did:plc:me"))
    src = BlueskySource("bsky", Http(requests.Session(), "bsky", "https://bsky.example"), "acme.bsky.social", None)
    item = {"uri": "at://did:plc:ann/app.bsky.feed.post/3k", "cid": "c", "indexedAt": WHEN,
            "author": {"did": "did:plc:ann", "handle": "ann.bsky.social"},
            "record": {"$type": "app.bsky.feed.post", "text": text, "createdAt": WHEN}}
    return src._mention(item)


HN_REAL = body("hackernews", "search_by_date_comments_query")["hits"][0]["comment_text"]  # "...years.<p>I&#x27;m..."
REDDIT_REAL = body("reddit", "message_mentions")["data"]["children"][0]["data"]["body"]

CASES: list[tuple[str, Callable[..., Mention], str, str]] = [
    # Hacker News never closes its paragraphs.
    ("hn unclosed p", hackernews, "the last 2 years.<p>I&#x27;m not<p>third", "the last 2 years.\n\nI'm not\n\nthird"),
    ("hn real", hackernews, HN_REAL, None),  # type: ignore[list-item]
    ("hn link", hackernews, 'see <a href="https:&#x2F;&#x2F;ex.org&#x2F;a&#x2F;b" rel="nofollow">https:&#x2F;&#x2F;'
     'ex.org&#x2F;a...</a>', "see https://ex.org/a/b"),
    # Block elements keep words apart.
    ("se blocks", stackexchange, "<p>shapes?</p><p>Okay</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<h2>Why</h2>So",
     "shapes?\n\nOkay\n\n- one\n- two\n\nWhy\n\nSo"),
    ("se pre", stackexchange, "<p>Run</p>\n\n<pre><code>x = 1\n  y = 2\n</code></pre>\n", "Run\n\nx = 1\n  y = 2"),
    ("feed figure", feed, '<figure><img src="a.png" alt="A chart"><figcaption>Sales by region</figcaption></figure>'
     "Okay", "A chart\n\nSales by region\n\nOkay"),
    ("feed table", feed, "<table><tr><td>Plan</td><td>Price</td></tr><tr><td>Pro</td><td>9&nbsp;€</td></tr></table>",
     "Plan Price\nPro 9\xa0€"),
    ("feed br", feed, "shapes?<br>Okay<br/>yes", "shapes?\nOkay\nyes"),
    ("discourse td", discourse, "<table><thead><tr><th>a</th><th>b</th></tr></thead></table><p>c</p>", "a b\n\nc"),
    ("discourse quote", discourse, '<aside class="quote" data-post="1"><blockquote><p>old</p></blockquote></aside>'
     '<p>new <img class="emoji" alt=":+1:"></p>', "new :+1:"),
    ("mastodon", mastodon, "<p>shapes?</p><p>Okay<br>then</p>", "shapes?\n\nOkay\nthen"),
    # Markdown: entities decoded, raw HTML read, CRLF gone, code kept.
    ("reddit nbsp", reddit, "Is this a bug?\n\n&nbsp;\n\nSteps: open &amp; close\n\n&#x200B;\n\nThanks",
     "Is this a bug?\n\nSteps: open & close\n\nThanks"),
    ("reddit real", reddit, REDDIT_REAL, None),  # type: ignore[list-item]
    ("github crlf html", github, "Crash on start\r\n\r\n<details><summary>Log</summary>\r\n\r\n```\r\nTrace &amp; <T>"
     "\r\n```\r\n</details>\r\n<!-- Please describe the bug -->\r\nUse `Vec<T>`, not 1 &lt; 2<br>ok",
     "Crash on start\n\nLog\n\n```\nTrace &amp; <T>\n```\n\nUse `Vec<T>`, not 1 < 2\nok"),
    ("lemmy", lemmy, "> quoted\r\n\r\nHello&nbsp;there <sup>[docs](https://x.example/d)</sup>",
     "Hello\xa0there docs (https://x.example/d)"),
    # Plain-text platforms: X escapes &<> and nothing else; Bluesky's text is as written.
    ("x", x, "Tom &amp; Jerry &lt;3", "Tom & Jerry <3"),
    ("bluesky", bluesky, "5 < 6 &amp; <p> stays", "5 < 6 &amp; <p> stays"),
]


@pytest.mark.parametrize("name, convert, markup, text", CASES, ids=[c[0] for c in CASES])
def test_every_adapter_reads_markup_alike(name: str, convert: Callable[..., Any], markup: str, text: str | None,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    m = convert(markup, monkeypatch) if convert is bluesky else convert(markup)
    if text is None:  # a real recording: no markup or entity may survive, and paragraphs stay apart
        for leftover in ("<p>", "<a ", "</a>", "&#x27;", "&amp;", "&quot;", "\r"):
            assert leftover not in m.text
        assert ".I" not in m.text.replace("...", "")
    else:
        assert m.text == text
