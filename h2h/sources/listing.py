"""Walking newest-first listings (notifications, mentions, search by date) so
that a fetch killed after any page loses nothing and repeats nothing.

Such APIs page backwards from the newest item, so "the newest item seen" is not
a safe cursor until the walk gets down to what it had before. Where one
listing stands is a `Mark`:

- `floor`: the key of the newest item that the last *finished* walk met (None:
  no walk has finished; `start`, the backfill, stands in for it);
- `seen`: the items delivered at or above the floor (less the overlap), by id,
  each with its key and a stamp (whatever changes when the item is edited), so
  that several items on one key are neither lost nor repeated; during a walk it
  holds everything the walk delivered, so a walk resumed on shifted pages, or
  started again, repeats none of it;
- `top` and `page`: the newest key the walk under way has met, and where it
  continues (a token, an offset, a time window).

Items are delivered while the floor stays put; when the walk reaches the
floor (or the end of the listing) the floor moves up to `top` and `seen`
forgets what lies below it. Items that arrive during a walk are newer than
`top`, and the next walk brings them. With an `overlap` (seconds, for time
keys) every walk also looks that far below the floor, for platforms that list
items late.

Keys grow with time: a Unix time (ties allowed: the id tells the items apart)
or a unique id (an int, or a tuple such as (time in ms, id)). A source keeps
the marks of all its listings, and anything else it needs, in one JSON
`Cursor`. `walk_all` is the loop for APIs that page with a token; adapters
whose paging is special (Bluesky, GitHub) drive a Mark themselves.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Iterable, Iterator, Mapping, TypeVar

from h2h import clock
from h2h.errors import NotFound, SourceError
from h2h.models import Mention
from h2h.redact import clip
from h2h.sources.base import Page

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger("h2h.sources")
VERSION = 2


class MalformedItem(SourceError):
    """One item of an answer lacks what h2h needs (an author, an id, a time): it costs that item only."""


# What reading one item's data can raise when the item is not the shape it should be. An error of the
# call itself (a broken answer, a failed request) is not here: it fails the listing, and the cursor stays.
MALFORMED = (MalformedItem, KeyError, IndexError, TypeError, ValueError, AttributeError)


def label(item: Any) -> str:
    """How a warning names an item: its id where it has one."""
    if isinstance(item, Mapping):
        for key in ("id", "name", "uri", "objectID", "question_id", "answer_id", "url", "link"):
            value = item.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
                return f"{key} {clip(str(value), 120)}"
        for inner in item.values():  # wrappers: Reddit's {kind, data}, Lemmy's views, X's {tweet, author}
            if isinstance(inner, Mapping):
                found = label(inner)
                if found != "an item without an id":
                    return found
    return "an item without an id"


def skipped(source: str, item: Any, exc: BaseException) -> None:
    reason = exc.message if isinstance(exc, SourceError) else f"{type(exc).__name__}: {exc}"
    log.warning("%s: skipped an item h2h cannot read (%s): %s", source, clip(label(item), 200), clip(str(reason), 300))


def each(source: str, items: Iterable[T], convert: Callable[[T], R | None]) -> list[R]:
    """`convert` applied to every item; an item it cannot read is left out with a warning naming it."""
    out = []
    for item in items:
        try:
            result = convert(item)
        except MALFORMED as exc:
            skipped(source, item, exc)
            continue
        if result is not None:
            out.append(result)
    return out


@dataclass
class Mark:
    """Where one listing stands (see above)."""

    floor: Any = None
    seen: dict[str, tuple[Any, str]] = field(default_factory=dict)
    top: Any = None
    page: Any = None
    # Not stored: the source's settings, given again on every run.
    start: Any = field(default=None, compare=False)
    overlap: float = field(default=0, compare=False)

    def since(self) -> Any:
        """The oldest key a walk still wants; None: everything."""
        if self.floor is None:
            return self.start
        return self.floor - self.overlap if self.overlap else self.floor

    def below(self, key: Any) -> bool:
        """Older than what the walk wants: it has gone far enough."""
        since = self.since()
        return since is not None and key < since

    def fresh(self, key: Any, item_id: str, stamp: str = "") -> bool:
        """Not below the floor, and not delivered before (or edited since)."""
        known = self.seen.get(item_id)
        return not self.below(key) and (known is None or known[1] != stamp)

    def deliver(self, key: Any, item_id: str, stamp: str = "", *, note: bool = True) -> None:
        """`note=False` when the key is not on the listing's own clock (GitHub: comments
        under a notification thread, whose time is what the floor follows)."""
        self.seen[item_id] = (key, stamp)
        if note:
            self.note(key)

    def note(self, key: Any) -> None:
        """An item exists at this key (delivered or not), so the next walk may start from it."""
        if self.top is None or key > self.top:
            self.top = key

    def finish(self) -> None:
        """The walk reached the floor: the newest key it met becomes the floor."""
        if self.top is not None and (self.floor is None or self.top > self.floor):
            self.floor = self.top
        since = self.since()
        if since is not None:
            self.seen = {i: v for i, v in self.seen.items() if v[0] >= since}
        self.top = self.page = None

    def to_json(self) -> dict[str, Any]:
        data = {"floor": self.floor, "top": self.top, "page": self.page,
                "seen": {i: [k, s] for i, (k, s) in sorted(self.seen.items())} or None}
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_json(cls, data: Any) -> "Mark":
        if not isinstance(data, Mapping):
            raise ValueError("a listing's mark is not an object")
        seen = {str(i): (_key(v[0]), str(v[1])) for i, v in dict(data.get("seen") or {}).items()}
        return cls(floor=_key(data.get("floor")), seen=seen, top=_key(data.get("top")), page=data.get("page"))


def _key(value: Any) -> Any:
    # JSON has no tuples: composite keys come back as lists and must compare as tuples.
    if isinstance(value, list):
        return tuple(_key(v) for v in value)
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    raise ValueError(f"{value!r} is not a listing key")


def _name(key: Any) -> str:
    """The id of an item whose key is unique."""
    return json.dumps(key, separators=(",", ":"))


@dataclass
class Cursor:
    """Everything one source stores: a Mark per listing, and `extra` keys of its own."""

    marks: dict[str, Mark] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    source: str = field(default="", compare=False)  # for warnings about the items its walks skip

    @classmethod
    def load(cls, cursor: str | None, source: str) -> "Cursor":
        """The stored cursor; an unreadable one starts again from the backfill, which is
        safe: ingest is idempotent on (source, remote_id)."""
        loaded = cls._load(cursor, source)
        loaded.source = source
        return loaded

    @classmethod
    def _load(cls, cursor: str | None, source: str) -> "Cursor":
        if not cursor:
            return cls()
        data = load_json(cursor)
        try:
            if data is None:
                raise ValueError("not a JSON object")
            if data.get("v") != VERSION:
                return _legacy(data)
            marks = {str(name): Mark.from_json(m) for name, m in dict(data.get("marks") or {}).items()}
            return cls(marks, {k: v for k, v in data.items() if k not in ("v", "marks")})
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            log.warning("%s: ignoring an unreadable cursor (%s); fetching from the backfill again", source, exc)
            return cls()

    def mark(self, name: str, *, start: Any = None, overlap: float = 0) -> Mark:
        """The listing's mark (a new one if none is stored), with this run's settings."""
        mark = self.marks.setdefault(name, Mark())
        mark.start, mark.overlap = start, overlap
        return mark

    def dump(self) -> str:
        # Marks of listings no longer configured are kept: the listing resumes if it comes back.
        return dump_json({**self.extra, "v": VERSION, "marks": {k: m.to_json() for k, m in self.marks.items()}})


def load_json(cursor: str | None) -> dict[str, Any] | None:
    """The JSON object a cursor holds: {} for none, None when it holds something else."""
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def dump_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _legacy(data: dict[str, Any]) -> Cursor:
    """Cursors written before the three cursor modules became this one: read, never written."""
    if data.get("v") == 1 and isinstance(data.get("listings"), dict):
        # The first listing.py (discourse, lemmy, x): {"v":1,"listings":{name:{since,top,page}}}, unique keys.
        marks = {}
        for name, state in data["listings"].items():
            if not isinstance(state, Mapping):
                raise ValueError("a listing's state is not an object")
            since, top = _key(state.get("since")), _key(state.get("top"))
            seen = {_name(k): (k, "") for k in (since, top) if k is not None}
            marks[str(name)] = Mark(floor=since, seen=seen, top=top, page=state.get("page"))
        return Cursor(marks)
    if data.get("v") == 1:
        # watermark.py (bluesky, github): {"v":1,"n":..,"s":{keyword:..}} or {"v":1,"n":..,"q":..},
        # each {"floor": ISO time, "seen": {id: [stamp, ISO time]}}.
        named = [("notifications", data.get("n")), ("search", data.get("q"))]
        named += [(f"search:{kw}", wm) for kw, wm in dict(data.get("s") or {}).items()]
        return Cursor({name: _from_watermark(wm) for name, wm in named if wm is not None})
    walks = {k: v for k, v in data.items() if isinstance(v, Mapping) and "floor" in v}
    if "v" in data or not walks:
        raise ValueError("unknown cursor version")
    # walk.py (hackernews, stackexchange: {"walk": ..}; reddit: one per stream), beside keys of
    # the source's own; each {"floor", "floor_ids", "top", "top_ids", "at"}, times in seconds.
    marks = {("search" if k == "walk" else k): _from_walk(v) for k, v in walks.items()}
    return Cursor(marks, {k: v for k, v in data.items() if k not in walks})


def _from_watermark(data: Any) -> Mark:
    if not isinstance(data, Mapping):
        raise ValueError("a watermark is not an object")
    floor = clock.parse_time(data["floor"]).timestamp() if data.get("floor") else None
    seen = {str(i): (clock.parse_time(v[1]).timestamp(), str(v[0])) for i, v in dict(data.get("seen") or {}).items()}
    return Mark(floor=floor, seen=seen)


def _from_walk(data: Mapping[str, Any]) -> Mark:
    floor = float(data["floor"])
    top = None if data.get("top") is None else float(data["top"])
    seen = {str(i): (floor, "") for i in data.get("floor_ids", ())}
    seen.update({str(i): (top, "") for i in data.get("top_ids", ())} if top is not None else {})
    return Mark(floor=floor, seen=seen, top=top, page=data.get("at"))


@dataclass
class Listing(Generic[T]):
    """One newest-first listing.

    `fetch(page, since)` answers the items of `page` (None: the newest), newest first, and
    the next page, or None at the end: an empty page need not be the end, since a fetch may
    leave out items it knows are old. `since` (the mark's) lets an API filter on its side
    (X's since_id, a time window). `key(item)` grows with time; `ident(item)` names the item
    where keys can tie (times), and without it keys must be unique. The walk pauses after
    `max_pages` (None: it goes down to the floor in one run).
    """

    name: str
    fetch: Callable[[Any, Any], tuple[list[T], Any]]
    key: Callable[[T], Any]
    ident: Callable[[T], str] | None = None
    max_pages: int | None = None
    start: Any = None

    def walk(self, mark: Mark, source: str = "") -> Iterator[list[T]]:
        """Each page's new items, newest first; `mark` follows in place. An item whose key
        cannot be read is left out with a warning (see `each`)."""
        resumed = mark.page is not None
        pages = 0
        while self.max_pages is None or pages < self.max_pages:
            pages += 1
            try:
                items, next_page = self.fetch(mark.page, mark.since())
            except (SourceError, NotFound):
                if not resumed:
                    raise
                # A stale page token: walk again from the newest item; `seen` keeps what was delivered.
                log.info("listing %s: could not resume from %r; restarting from the newest items", self.name,
                         mark.page)
                mark.page, resumed = None, False
                continue
            resumed = False
            fresh, reached = [], False
            for item in items:
                try:
                    key = self.key(item)
                    item_id = self.ident(item) if self.ident else _name(key)
                except MALFORMED as exc:
                    skipped(source or self.name, item, exc)
                    continue
                # Unique keys: the floor's own item is as far down as the walk needs to go.
                if mark.below(key) or (self.ident is None and key == mark.floor):
                    reached = True
                elif mark.fresh(key, item_id):
                    mark.deliver(key, item_id)
                    fresh.append(item)
            if reached or next_page is None:
                mark.finish()
            else:
                mark.page = next_page
            yield fresh
            if mark.page is None:
                return


def walk_all(cursor: Cursor, listings: list[Listing[Any]],
             convert: Callable[[str, list[Any]], list[Mention]]) -> Iterator[Page]:
    """Pages over several listings in turn, one cursor for all, each mention once per run.

    `convert(listing_name, items)` turns one page of platform items into mentions
    (it may drop some, or fetch what they lack in one batch; it reads each item through `each`).
    """
    delivered: set[str] = set()
    for listing in listings:
        for items in listing.walk(cursor.mark(listing.name, start=listing.start), cursor.source):
            mentions = []
            for m in convert(listing.name, items):
                if m.remote_id not in delivered:
                    delivered.add(m.remote_id)
                    mentions.append(m)
            yield Page(mentions=tuple(mentions), cursor=cursor.dump())
