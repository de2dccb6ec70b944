"""Feeds: RSS, Atom and JSON Feed (search alerts, forum and comment feeds).

Each feed is fetched over HTTP by h2h (http.py), conditionally (ETag and
Last-Modified are kept in the cursor), and parsed from bytes: feedparser for
RSS and Atom, a few lines for JSON Feed. An entry is new when its id was not
in the feed the last time it was read. A feed that fails (unreachable, not a
feed, broken beyond use) is skipped and the others go on; once every feed has
been tried, the failures are raised together, so the fetch runner records the
source as failed while the cursor already holds the good feeds' progress.
Comment feeds keep their threading (`thr:in-reply-to`, RFC 4685).

Search alerts and aggregators (Google Alerts, news feeds) list pages that
others wrote and name no author. Such an entry is never the feed's own
"person": its author is the linked page's site (`example.com`, the page found
through the alert's redirect link), and its thread is the page itself
(`page:URL`), so every page is its own conversation, however many a site has.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
from datetime import datetime, timezone
from typing import Any, ClassVar, Iterator, Mapping
from urllib.parse import parse_qs, urlsplit

import feedparser

from h2h import clock
from h2h.errors import H2HError, NotSupported, SourceError
from h2h.models import Mention, Person, SentReply, Thread
from h2h.sources import options
from h2h.redact import clip
from h2h.sources.base import SOURCE_API_VERSION, Page
from h2h.sources.http import Http
from h2h.sources.listing import dump_json, each, load_json
from h2h.sources.htmltext import html_to_text
from h2h.textutil import valid_text

MAX_BYTES = 5 * 1024 * 1024
MAX_SEEN = 2000
ACCEPT = ("application/atom+xml, application/rss+xml, application/feed+json, application/json;q=0.9, "
          "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1")
# feedparser's complaints that still leave a usable feed (wrong label, charset fix-ups).
BENIGN = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
# Markup left after one pass: the feed escaped its HTML twice (common in RSS descriptions).
_STILL_HTML = re.compile(r"<(?:!--|/?(?:p|div|br|a|span|b|i|em|strong|ul|ol|li|img|pre|code|blockquote|h\d)\b)", re.I)


class FeedSource:
    type: ClassVar[str] = "rss"
    api_version: ClassVar[int] = SOURCE_API_VERSION

    def __init__(self, name: str, session: Any, feeds: tuple[str, ...], *, to_me: bool = False,
                 handle: str | None = None, lookback_s: float = 7 * 86400):
        self.name = name
        self.session = session
        self.feeds = feeds
        self.to_me = to_me
        self.handle = handle
        self.lookback_s = lookback_s

    @classmethod
    def from_config(cls, name: str, table: Mapping[str, Any], session: Any) -> "FeedSource":
        v = options.parse(cls.type, name, table)
        return cls(name, session, v["feeds"], to_me=v["to_me"], handle=v["handle"], lookback_s=v["backfill"])

    # --- the protocol --------------------------------------------------------

    def whoami(self) -> Person:
        handle = self.handle or "(feeds)"
        return Person(source=self.name, remote_id=handle, handle=handle)

    def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
        known = (load_json(cursor) or {}).get("feeds")
        known = known if isinstance(known, dict) else {}
        state = {url: known[url] for url in self.feeds if isinstance(known.get(url), dict)}
        failures: list[tuple[str, H2HError]] = []
        delivered: set[str] = set()
        for url in self.feeds:
            before = state.get(url, {})
            try:
                entries, after = self._read(url, before)
            except H2HError as exc:
                failures.append((url, exc))
                continue
            floor = clock.now().timestamp() - self.lookback_s if not before else None
            seen = set(before.get("seen", ()))
            mentions = []
            for entry in entries:
                if _digest(entry["id"]) in seen or entry["id"] in delivered:
                    continue
                if floor is not None and entry["published"] is not None and entry["published"].timestamp() < floor:
                    continue
                delivered.add(entry["id"])
                mentions += each(self.name, [entry], self._mention)
            state[url] = after
            yield Page(mentions=tuple(mentions), cursor=dump_json({"feeds": state}))
        if failures:
            raise _combined(self.name, failures, len(self.feeds))

    def fetch_thread(self, mention: Mention) -> Thread:
        feed = (mention.raw or {}).get("feed")
        root = mention.thread or mention.remote_id
        items = {mention.remote_id: mention}
        if isinstance(feed, str) and feed.startswith(("http://", "https://")):
            entries, _ = self._read(feed, {})
            for other in each(self.name, entries, self._mention):
                if (other.thread or other.remote_id) == root or other.remote_id == root:
                    items[other.remote_id] = other
        return Thread(source=self.name, root=root, mentions=tuple(sorted(items.values(), key=lambda m: m.created_at)))

    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply:
        url = mention.url or mention.remote_id
        err = NotSupported(f"{self.name}: feeds are read-only",
                           hint=f"Open {url}, answer there; then run `h2h done`.")
        err.url = url  # type: ignore[attr-defined]  # the reply flow prints it beside the text
        raise err

    # --- one feed ------------------------------------------------------------

    def _read(self, url: str, before: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The feed's entries (normalised) and its next state; ([], before) when unchanged."""
        http = Http(self.session, self.name, url)
        headers = {"Accept": ACCEPT}
        if before.get("etag"):
            headers["If-None-Match"] = str(before["etag"])
        if before.get("modified"):
            headers["If-Modified-Since"] = str(before["modified"])
        response = http.request("GET", url, expect=(200, 304), headers=headers, stream=True)
        try:
            if response.status_code == 304:
                return [], dict(before)
            data = _read_capped(response, url, self.name)
        finally:
            response.close()
        content_type = response.headers.get("Content-Type", "")
        entries = _parse(data, content_type, url, self.name)
        after: dict[str, Any] = {"seen": sorted({_digest(e["id"]) for e in entries})[:MAX_SEEN]}
        if response.headers.get("ETag"):
            after["etag"] = response.headers["ETag"]
        if response.headers.get("Last-Modified"):
            after["modified"] = response.headers["Last-Modified"]
        return entries, after

    def _mention(self, entry: Mapping[str, Any]) -> Mention:
        author = entry["author"] or "(unknown)"
        person = Person(source=self.name, remote_id=entry["author_id"] or author, handle=author,
                        name=entry["author"] or "", url=entry["author_url"])
        body = entry["text"]
        title = entry["title"]
        # Comment feeds title an entry with the start of its text: say it once.
        text = body if title and body.startswith(title.rstrip(".… ")) else f"{title}\n\n{body}".strip()
        return Mention(source=self.name, platform="rss", remote_id=entry["id"], author=person,
                       text=valid_text(text), created_at=entry["published"] or clock.now(), url=entry["link"],
                       in_reply_to=entry["in_reply_to"], thread=entry["thread"], to_me=self.to_me,
                       from_me=bool(self.handle and author == self.handle), lang=entry["lang"], raw=entry["raw"])


# --- parsing -------------------------------------------------------------------

def _read_capped(response: Any, url: str, source: str) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_content(65536):
        size += len(chunk)
        if size > MAX_BYTES:
            raise SourceError(f"{source}: {url} is larger than {MAX_BYTES // (1024 * 1024)} MB; not a feed h2h reads",
                              hint="Check the URL: a feed of recent entries is far smaller.")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(data: bytes, content_type: str, url: str, source: str) -> list[dict[str, Any]]:
    head = data.lstrip()[:1]
    if "json" in content_type.lower() or head in (b"{", b"["):
        return _json_feed(data, url, source)
    parsed = feedparser.parse(io.BytesIO(data), response_headers={"content-type": content_type,
                                                                  "content-location": url})
    problem = parsed.get("bozo_exception")
    entries = each(source, parsed.entries, lambda raw: _feed_entry(raw, parsed, url))
    if not parsed.version:
        what = "an HTML page" if b"<html" in data[:2048].lower() else "not RSS, Atom or JSON Feed"
        raise SourceError(f"{source}: {url} is {what}" + (f" ({type(problem).__name__})" if problem else ""),
                          hint="Point feeds at the feed itself (its RSS or Atom link), not at a web page.")
    if problem is not None and not isinstance(problem, BENIGN) and not entries:
        raise SourceError(f"{source}: {url} is a broken feed: {clip(str(problem), 120)}",
                          hint="The site serves an invalid feed; it is skipped until it is fixed.")
    _settle(entries, parsed.feed.get("link") or url, url)
    return entries


def _settle(entries: list[dict[str, Any]], home: str, feed: str) -> None:
    """Authors and threads, once every entry of the feed is read."""
    site = _host(home) or _host(feed)
    for entry in entries:
        inherited_elsewhere = entry.get("inherited") and _host(page_of(entry["link"]) or "") not in ("", site)
        if not entry["author"] or inherited_elsewhere:
            _by_site(entry, feed)
    _thread(entries)


def _host(url: str | None) -> str:
    return (urlsplit(url or "").hostname or "").lower().removeprefix("www.")


def _feed_entry(raw: Mapping[str, Any], parsed: Any, url: str) -> dict[str, Any] | None:
    content = raw.get("content") or []
    html = content[0].get("value", "") if content else raw.get("summary", "")
    text = _plain_text(html or "")
    title = _plain_text(raw.get("title") or "")
    link = raw.get("link") or None
    if not (text or title):  # nothing a person wrote: nothing to answer
        return None
    stamp = raw.get("published_parsed") or raw.get("updated_parsed")
    published = datetime(*stamp[:6], tzinfo=timezone.utc) if stamp else None  # type: ignore[misc]
    detail = raw.get("author_detail") or {}
    # An Atom feed's author writes the entries that name none (RFC 4287), on the feed's own site.
    inherited = not (detail.get("name") or raw.get("author")) and str(parsed.get("version", "")).startswith("atom")
    if inherited:
        detail = parsed.feed.get("author_detail") or {}
    author = (detail.get("name") or raw.get("author") or "").strip()
    reply = raw.get("thr_in-reply-to") or {}
    entry_id = raw.get("id") or link or "sha1:" + _digest(f"{title}\n{text}\n{stamp}")
    lang = (raw.get("title_detail") or {}).get("language") or parsed.feed.get("language") or ""
    return {"id": str(entry_id), "link": link, "title": title, "text": text, "published": published,
            "author": author, "author_id": detail.get("href") or detail.get("email") or None,
            "author_url": detail.get("href"), "in_reply_to": reply.get("ref") or reply.get("href") or None,
            "inherited": inherited and bool(author), "thread": None, "lang": lang[:2].lower() if len(lang) >= 2 and lang[:2].isalpha() else None,
            "raw": {"feed": url, "entry": _plain(raw)}}


def _json_feed(data: bytes, url: str, source: str) -> list[dict[str, Any]]:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        raise SourceError(f"{source}: {url} claims to be JSON but is not",
                          hint="The site serves a broken feed; it is skipped until it is fixed.") from None
    version = doc.get("version") if isinstance(doc, dict) else None
    if not (isinstance(version, str) and version.startswith("https://jsonfeed.org/version/")) \
            or not isinstance(doc.get("items"), list):
        raise SourceError(f"{source}: {url} is JSON but not a JSON Feed (no jsonfeed.org version or items)",
                          hint="Point feeds at an RSS, Atom or JSON Feed URL.")

    def entry(item: Any) -> dict[str, Any] | None:
        if item.get("id") in (None, ""):
            return None
        own = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        authors = own or doc.get("authors") or ([doc["author"]] if isinstance(doc.get("author"), dict) else [])
        first = authors[0] if authors and isinstance(authors[0], dict) else {}
        html = item.get("content_html")
        text = (_plain_text(html) if isinstance(html, str)
                else str(item.get("content_text") or item.get("summary") or ""))
        try:
            published = clock.parse_time(item.get("date_published") or item.get("date_modified"))
        except (TypeError, ValueError):
            published = None
        lang = str(item.get("language") or doc.get("language") or "")
        return {"id": str(item["id"]), "link": item.get("url"), "title": str(item.get("title") or ""),
                "text": text, "published": published, "author": str(first.get("name") or ""),
                "author_id": first.get("url"), "author_url": first.get("url"), "in_reply_to": None,
                "inherited": not own and bool(first.get("name")), "thread": None, "lang": lang[:2].lower() if lang[:2].isalpha() else None,
                "raw": {"feed": url, "entry": item}}
    entries = each(source, doc["items"], entry)
    _settle(entries, str(doc.get("home_page_url") or url), url)
    return entries


def _plain_text(html: str) -> str:
    text = html_to_text(html)
    return html_to_text(text) if _STILL_HTML.search(text) else text


# Links that search alerts wrap around the page they found (Google Alerts, Bing News): the page is in `url`.
_REDIRECTORS = ("google.", "bing.com")


def page_of(link: str | None) -> str | None:
    """The page a link leads to, through a search alert's redirect."""
    if not link:
        return None
    parts = urlsplit(link)
    host = (parts.hostname or "").lower()
    if any(r in host for r in _REDIRECTORS) and parts.query:
        query = parse_qs(parts.query)
        for key in ("url", "q", "u"):
            target = (query.get(key) or [""])[0]
            if target.startswith(("http://", "https://")):
                return target
    return link


def _by_site(entry: dict[str, Any], feed: str) -> None:
    """An entry that names no author: the linked page's site wrote it, and the page is its thread."""
    page = page_of(entry["link"])
    host = _host(page) or _host(feed)
    entry.update(author=host, author_id=f"https://{host}/", author_url=f"https://{host}/", link=page, site=True)


def _thread(entries: list[dict[str, Any]]) -> None:
    """Each entry's thread root: follow in-reply-to through the feed as far as it goes. An entry
    found by an alert (see `_by_site`) is about its page: one conversation per page."""
    parent = {e["id"]: e["in_reply_to"] for e in entries}
    for entry in entries:
        if entry.get("site") and not entry["in_reply_to"]:
            entry["thread"] = f"page:{entry['link'] or entry['id']}"
            continue
        node, hops = entry["id"], 0
        while parent.get(node) and hops < 100:
            node, hops = parent[node], hops + 1
        entry["thread"] = node


def _plain(value: Any) -> Any:
    """feedparser's dicts as plain JSON (times become ISO strings)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not isinstance(value, time.struct_time):
        return [_plain(v) for v in value]
    if isinstance(value, time.struct_time):
        return clock.iso(datetime(*value[:6], tzinfo=timezone.utc))
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _digest(entry_id: str) -> str:
    return hashlib.sha1(entry_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _combined(source: str, failures: list[tuple[str, H2HError]], total: int) -> H2HError:
    """One failed feed keeps its own error (auth, not found, ...); several become one SourceError."""
    if len(failures) == 1:
        url, exc = failures[0]
        where = "" if url in exc.message else f"feed {url}"
        others = f"the other {total - 1} were read" if total > 1 else ""
        if where or others:
            exc.message = f"{exc.message} ({'; '.join(x for x in (where, others) if x)})"
            exc.args = (exc.message,)
        return exc
    lines = "; ".join(f"{url}: {exc.message}" for url, exc in failures)
    return SourceError(f"{source}: {len(failures)} of {total} feeds failed: {lines}",
                       hint="The other feeds were read; fix or remove the ones listed.")
