"""Walking newest-first listings (mentions, notifications, search by date)
so that a run can stop after any page and the next run loses nothing and
repeats nothing.

Such APIs page backwards from the newest item, so "the newest id seen" is not a
safe cursor until the walk reaches items it already had. One listing's cursor
is therefore three things:

- `since`: the key of the newest item of the last *finished* walk (None: never);
- `top`: the newest key seen by the walk under way;
- `page`: where the walk under way continues (a token, an offset, a number).

A walk finishes when a page reaches `since`, when the listing ends, or when the
listing has nothing new; it pauses after `max_pages` and resumes from `page` on
the next run. A source with several listings keeps one such state per listing
in a single JSON cursor.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterator, Mapping, TypeVar

from h2h.errors import NotFound, SourceError
from h2h.models import Mention
from h2h.sources.base import Page

T = TypeVar("T")
log = logging.getLogger("h2h.sources")
CURSOR_VERSION = 1


@dataclass(frozen=True)
class ListingState:
    since: Any = None
    top: Any = None
    page: Any = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in (("since", self.since), ("top", self.top), ("page", self.page)) if v is not None}

    @classmethod
    def from_json(cls, data: Any) -> "ListingState":
        if not isinstance(data, Mapping):
            raise ValueError("listing state is not an object")
        return cls(since=_key(data.get("since")), top=_key(data.get("top")), page=data.get("page"))


def _key(value: Any) -> Any:
    # JSON has no tuples; composite keys come back as lists and must compare as tuples.
    return tuple(value) if isinstance(value, list) else value


def load_cursor(cursor: str | None, source: str) -> dict[str, ListingState]:
    """Listing states from a stored cursor; an unreadable one starts afresh (ingest is idempotent)."""
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
        if not isinstance(data, dict) or data.get("v") != CURSOR_VERSION:
            raise ValueError("unknown cursor version")
        return {name: ListingState.from_json(state) for name, state in data.get("listings", {}).items()}
    except (ValueError, TypeError) as exc:
        log.warning("%s: ignoring an unreadable cursor (%s); fetching from the newest items again", source, exc)
        return {}


def dump_cursor(states: Mapping[str, ListingState]) -> str:
    return json.dumps({"v": CURSOR_VERSION, "listings": {k: v.to_json() for k, v in states.items()}},
                      separators=(",", ":"), sort_keys=True)


@dataclass
class Listing(Generic[T]):
    """One newest-first listing: `fetch(page, since) -> (items, next_page or None)`, `key(item)`
    grows with time. `since` lets an API filter on its side (X's since_id); items at or
    below it are dropped here anyway."""

    name: str
    fetch: Callable[[Any, Any], tuple[list[T], Any]]
    key: Callable[[T], Any]
    max_pages: int = 10

    def walk(self, state: ListingState) -> Iterator[tuple[list[T], ListingState]]:
        """Yields each page's new items (newest first) with the state that resumes after them."""
        since, top, page = state.since, state.top, state.page
        resumed = page is not None
        for _ in range(self.max_pages):
            try:
                items, next_page = self.fetch(page, since)
            except (SourceError, NotFound):
                if not resumed:
                    raise
                # A stale page token: walk again from the newest item; what repeats is deduplicated downstream.
                log.info("listing %s: could not resume from %r; restarting from the newest items", self.name, page)
                page, top, resumed = None, None, False
                continue
            resumed = False
            fresh = [item for item in items if since is None or self.key(item) > since]
            for item in fresh:
                k = self.key(item)
                top = k if top is None or k > top else top
            if not items or next_page is None or len(fresh) < len(items):
                yield fresh, ListingState(since=top if top is not None else since)
                return
            page = next_page
            yield fresh, ListingState(since=since, top=top, page=page)


def walk_all(source: str, cursor: str | None, listings: list[Listing[Any]],
             convert: Callable[[str, list[Any]], list[Mention]]) -> Iterator[Page]:
    """Pages over several listings in turn, one cursor for all, each mention once per run.

    `convert(listing_name, items)` turns one page of platform items into mentions
    (it may drop some, or fetch what they lack in one batch).
    """
    states = load_cursor(cursor, source)
    seen: set[str] = set()
    for listing in listings:
        for items, state in listing.walk(states.get(listing.name, ListingState())):
            mentions = []
            for m in convert(listing.name, items):
                if m.remote_id not in seen:
                    seen.add(m.remote_id)
                    mentions.append(m)
            states[listing.name] = state
            yield Page(mentions=tuple(mentions), cursor=dump_cursor(states))
