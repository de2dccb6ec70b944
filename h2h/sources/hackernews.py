"""Hacker News through the public Algolia search API (read-only).

Mentions are the stories and comments matching `query`, newest first from
`search_by_date`, walked down to the last fetch with a `created_at_i` window
(see listing.py). A thread is one call to `items/:id`, which returns the whole
tree. Hacker News has no API for posting: `send_reply` raises NotSupported
with the item's URL, and the reply flow prints the text to paste there.
"""

from __future__ import annotations

from datetime import timezone
from typing import Any, ClassVar, Iterator, Mapping

from h2h import clock
from h2h.errors import NotSupported, SourceError
from h2h.models import Mention, Person, SentReply, Thread
from h2h.sources import options
from h2h.sources.base import SOURCE_API_VERSION, Page
from h2h.sources.http import Http
from h2h.sources.listing import Cursor, Listing, MalformedItem, each, walk_all
from h2h.sources.htmltext import html_to_text
from h2h.textutil import valid_text

SITE = "https://news.ycombinator.com"


def item_url(item_id: str) -> str:
    return f"{SITE}/item?id={item_id}"


class HackerNewsSource:
    type: ClassVar[str] = "hackernews"
    api_version: ClassVar[int] = SOURCE_API_VERSION

    def __init__(self, name: str, http: Http, *, query: str, tags: tuple[str, ...] = ("story", "comment"),
                 username: str | None = None, page_size: int = 100, lookback_s: float = 7 * 86400):
        self.name = name
        self.http = http
        self.query = query
        self.tags = tags
        self.username = username
        self.page_size = page_size
        self.lookback_s = lookback_s

    @classmethod
    def from_config(cls, name: str, table: Mapping[str, Any], session: Any) -> "HackerNewsSource":
        v = options.parse(cls.type, name, table)
        return cls(name, Http(session, name, v["url"]), query=v["query"], tags=v["tags"], username=v["username"],
                   page_size=v["page_size"], lookback_s=v["backfill"])

    # --- the protocol --------------------------------------------------------

    def whoami(self) -> Person:
        if not self.username:
            # Read-only and anonymous: a handle no HN account can have.
            return Person(source=self.name, remote_id="(anonymous)", handle="(anonymous)")
        data = self._object(self.http.get_json(f"users/{self.username}"), "user")
        created = data.get("created_at_i")
        return Person(source=self.name, remote_id=str(data.get("username") or self.username),
                      handle=str(data.get("username") or self.username),
                      url=f"{SITE}/user?id={self.username}",
                      created_at=clock.parse_time(created) if isinstance(created, (int, float)) else None,
                      raw=data)

    def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
        search = Listing("search", self._search_page, key=lambda hit: self._stamp(hit)[0],
                         ident=lambda hit: self._stamp(hit)[1], start=clock.now().timestamp() - self.lookback_s)
        yield from walk_all(Cursor.load(cursor, self.name), [search],
                            lambda _, hits: each(self.name, hits, self._mention))

    def _search_page(self, at: Any, since: float) -> tuple[list[Any], Any]:
        """One page of hits inside the window `at` (None: the newest), and the window after it.

        Pages are time windows (`before`), not page numbers: new hits would shift
        numbered pages, and Algolia serves only the first 1000 hits of a query.
        """
        at = at if isinstance(at, dict) else {}
        before = at.get("before")
        page_no = int(at.get("page", 0))
        # Windows saved before the cursor modules merged listed the ids at `before` (now in `seen`).
        skip = [str(i) for i in at.get("ids", ())]
        filters = [f"created_at_i>={int(since)}"]
        if before is not None:
            filters.append(f"created_at_i<={int(before)}")
        body = self._object(self.http.get_json("search_by_date", params={
            "query": self.query, "tags": "(" + ",".join(self.tags) + ")",
            "numericFilters": ",".join(filters), "hitsPerPage": self.page_size, "page": page_no}), "search")
        hits = body.get("hits")
        if not isinstance(hits, list):
            raise self._malformed("search answer without a hits list")
        pages = body.get("nbPages")
        if not isinstance(pages, int):
            raise self._malformed("search answer without nbPages")
        full = len(hits) >= self.page_size
        # A hit without its time or id is left out by the walk (with a warning); it does not move the window.
        stamps = [s for s in map(_stamp_or_none, hits) if s is not None]
        hits = [hit for hit in hits if not (before is not None and _stamp_or_none(hit) in {(before, i) for i in skip})]
        if not full or page_no + 1 >= pages or not stamps:
            return hits, None
        low = min(t for t, _ in stamps)
        if before is not None and low == before:
            # A full page inside one second: the same window again would answer the
            # same page, so move on by page number instead.
            return hits, {"before": low, "page": page_no + 1, **({"ids": skip} if skip else {})}
        return hits, {"before": low, "page": 0}

    def fetch_thread(self, mention: Mention) -> Thread:
        root = mention.thread or mention.remote_id
        tree = self._object(self.http.get_json(f"items/{root}"), "item")
        items: list[Mention] = []
        stack = [tree]
        while stack:  # iterative: real threads nest deeper than Python's recursion limit allows
            node = stack.pop()
            if not isinstance(node, dict):
                continue
            children = node.get("children")
            if isinstance(children, list):
                stack.extend(children)
            if node.get("id") is None or node.get("created_at_i") is None:
                continue
            items += each(self.name, [node], lambda n: self._mention(n, item=True))
        items.sort(key=lambda m: (m.created_at, m.remote_id))
        return Thread(source=self.name, root=str(root), mentions=tuple(items))

    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply:
        url = mention.url or item_url(mention.remote_id)
        err = NotSupported(f"{self.name}: Hacker News has no API for posting replies",
                           hint=f"Open {url}, paste the reply there and send it; then run `h2h done`.")
        err.url = url  # type: ignore[attr-defined]  # the reply flow prints it beside the text
        raise err

    # --- shapes ----------------------------------------------------------------

    def _stamp(self, hit: Any) -> tuple[int, str]:
        found = _stamp_or_none(hit)
        if found is None:
            raise MalformedItem(f"{self.name}: Algolia sent a search hit without created_at_i or objectID")
        return found

    def _mention(self, data: Mapping[str, Any], *, item: bool = False) -> Mention:
        """A search hit, or a node of the items tree (`item=True`), as a Mention."""
        item_id = str(data.get("id") if item else data.get("objectID"))
        if item:
            body = data.get("text") or ""
            is_story = data.get("type") in ("story", "poll", "job")
        else:
            tags = data.get("_tags") or []
            is_story = "comment" not in tags
            body = (data.get("story_text") if is_story else data.get("comment_text")) or ""
        text = html_to_text(str(body))
        if is_story and data.get("title"):
            text = f"{data['title']}\n\n{text}".strip()
        author = data.get("author")
        handle = str(author) if author else "[deleted]"
        parent = data.get("parent_id")
        story = data.get("story_id")
        created = clock.parse_time(int(data["created_at_i"]))
        person = Person(source=self.name, remote_id=handle if author else f"[deleted]:{item_id}", handle=handle,
                        url=f"{SITE}/user?id={handle}" if author else None)
        return Mention(source=self.name, platform="hackernews", remote_id=item_id, author=person,
                       text=valid_text(text), created_at=created.astimezone(timezone.utc), url=item_url(item_id),
                       in_reply_to=str(parent) if parent and not is_story else None,
                       thread=str(story) if story and not is_story else item_id,
                       to_me=False, from_me=bool(self.username and handle == self.username),
                       raw=dict(data) if not item else {k: v for k, v in data.items() if k != "children"})

    def _object(self, body: Any, what: str) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise self._malformed(f"{what} answer is not a JSON object")
        return body

    def _malformed(self, what: str) -> SourceError:
        return SourceError(f"{self.name}: Algolia sent a {what}",
                           hint="The API may have changed; retry later, and report it if it persists.")


def _stamp_or_none(hit: Any) -> tuple[int, str] | None:
    try:
        return int(hit["created_at_i"]), str(hit["objectID"])
    except (KeyError, TypeError, ValueError):
        return None
