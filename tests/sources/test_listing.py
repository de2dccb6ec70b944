"""Walking newest-first listings: pauses, kills after any page, resumes, stale page
tokens, ties on one second, late items inside the overlap, bad cursors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from h2h import errors
from h2h.sources.listing import Cursor, Listing, Mark


def saved(mark: Mark) -> str:
    return Cursor({"l": mark}).dump()


def loaded(cursor: str, start: Any = None, overlap: float = 0) -> Mark:
    return Cursor.load(cursor, "src").mark("l", start=start, overlap=overlap)


# --- unique keys, offset pages (Discourse, Lemmy, X) ---------------------------------------------

class Feed:
    """A newest-first API over ids 1..n, `size` per page, page tokens 'p<offset>'."""

    def __init__(self, n: int, size: int = 3):
        self.ids = list(range(n, 0, -1))
        self.size = size
        self.stale: set[Any] = set()

    def add(self, k: int) -> None:
        top = self.ids[0] if self.ids else 0
        self.ids[:0] = list(range(top + k, top, -1))

    def fetch(self, page: Any, since: Any) -> tuple[list[int], Any]:
        if page in self.stale:
            self.stale.discard(page)   # the tokens of a new walk are new tokens
            raise errors.SourceError("invalid pagination token")
        start = int(page[1:]) if page else 0
        items = self.ids[start:start + self.size]
        return items, f"p{start + self.size}" if start + self.size < len(self.ids) else None


def run(feed: Feed, cursor: str | None, max_pages: int | None = 100, kill: int | None = None) -> tuple[list[int], str]:
    """One fetch; `kill` stops it after that many pages, as a process killed there would."""
    mark, got, last = loaded(cursor or ""), [], cursor or ""
    for n, items in enumerate(Listing("l", feed.fetch, lambda i: i, max_pages=max_pages).walk(mark), 1):
        got += items
        last = saved(mark)
        if n == kill:
            break
    return got, last


def test_a_paused_walk_resumes_and_then_sees_only_new_items() -> None:
    feed = Feed(10)
    first, cursor = run(feed, None, max_pages=2)
    mark = loaded(cursor)
    assert first == [10, 9, 8, 7, 6, 5] and mark.page == "p6" and mark.floor is None and mark.top == 10
    feed.add(2)                                   # arrives while the walk is paused, shifting the offsets
    rest, cursor = run(feed, cursor)
    assert rest == [4, 3, 2, 1]                   # 6 and 5 come again at p6, and are known
    assert loaded(cursor).page is None and loaded(cursor).floor == 10
    new, cursor = run(feed, cursor)
    assert new == [12, 11] and loaded(cursor).floor == 12


def test_a_stale_token_restarts_from_the_newest() -> None:
    feed = Feed(7)
    first, cursor = run(feed, None, max_pages=1)
    feed.stale.add(loaded(cursor).page)
    rest, cursor = run(feed, cursor)
    assert sorted(first + rest) == list(range(1, 8)) and loaded(cursor).floor == 7


def test_a_failure_on_a_fresh_walk_is_raised() -> None:
    feed = Feed(5)
    feed.stale.add(None)
    with pytest.raises(errors.SourceError):
        run(feed, None)


def test_the_walk_stops_at_the_floor_item_without_asking_further() -> None:
    feed = Feed(6, size=3)
    _, cursor = run(feed, None)
    feed.add(3)
    calls: list[Any] = []
    fetch = feed.fetch
    feed.fetch = lambda page, since: calls.append(page) or fetch(page, since)  # type: ignore[method-assign]
    new, _ = run(feed, cursor)
    assert new == [9, 8, 7] and calls == [None, "p3"]   # p3 opens with 6, the floor: done


@settings(deadline=None)
@given(st.integers(0, 40), st.integers(1, 5), st.integers(1, 4),
       st.lists(st.tuples(st.integers(0, 6), st.one_of(st.none(), st.integers(1, 3))), max_size=4))
def test_nothing_is_lost_or_repeated_across_runs(n: int, size: int, pages: int,
                                                 runs: list[tuple[int, int | None]]) -> None:
    feed = Feed(n, size)
    seen: list[int] = []
    cursor = None
    for arrivals, kill in runs:            # runs that pause after `pages` pages or die after `kill`
        got, cursor = run(feed, cursor, max_pages=pages, kill=kill)
        seen += got
        feed.add(arrivals)
    newest = feed.ids[0] if feed.ids else None
    for _ in range(500):                   # then runs until a walk has finished at the newest item
        got, cursor = run(feed, cursor, max_pages=pages)
        seen += got
        if loaded(cursor).page is None and loaded(cursor).floor == newest:
            break
    assert sorted(seen) == sorted(feed.ids)
    assert run(feed, cursor, max_pages=1000)[0] == []


def test_cursor_round_trip_keeps_tuple_keys_and_stamps() -> None:
    marks = {"n": Mark(floor=(1700000000000, 3), seen={"[1700000000000,3]": ((1700000000000, 3), "")}),
             "s": Mark(page=2, top=5, seen={"a": (4.5, "cid1")})}
    cursor = Cursor(marks, {"not_before": 12.5}).dump()
    assert Cursor.load(cursor, "src") == Cursor(marks, {"not_before": 12.5})


@pytest.mark.parametrize("bad", ["{", "[]", "123", '{"v": 99}', '{"v": 2, "marks": {"a": 3}}',
                                 '{"v": 2, "marks": {"a": {"floor": "yesterday"}}}', '{"n": "123", "k": {}}',
                                 '{"v": 1, "n": {"floor": "yesterday"}}', '{"walk": {"floor": null}}'])
def test_an_unreadable_cursor_starts_again(bad: str, caplog: pytest.LogCaptureFixture) -> None:
    assert Cursor.load(bad, "src") == Cursor()
    assert "unreadable cursor" in caplog.text


# --- time keys with ties, item-anchored pages (Hacker News, Reddit, Stack Exchange) ---------------

class Timed:
    """Newest first by whole second, ties in no particular order; a page continues after the
    id of the last item it showed, as Reddit's `after` does."""

    def __init__(self, times: list[int], size: int):
        self.items: list[tuple[int, str]] = []
        self.size = size
        self.add(times)

    def add(self, times: list[int]) -> None:
        for t in times:
            item = (t, f"i{len(self.items)}")
            at = next((k for k, (s, _) in enumerate(self.items) if s <= t), len(self.items))
            self.items.insert(at, item)    # a newcomer lists first among its second

    def fetch(self, after: Any, since: Any) -> tuple[list[tuple[int, str]], Any]:
        start = next(k + 1 for k, (_, i) in enumerate(self.items) if i == after) if after else 0
        page = self.items[start:start + self.size]
        return page, page[-1][1] if start + self.size < len(self.items) else None


def timed_run(feed: Timed, cursor: str, kill: int | None) -> tuple[list[str], str]:
    mark, got = loaded(cursor, start=0), []
    listing = Listing("l", feed.fetch, key=lambda i: i[0], ident=lambda i: i[1])
    for n, items in enumerate(listing.walk(mark), 1):
        got += [i for _, i in items]
        cursor = saved(mark)
        if n == kill:
            break
    return got, cursor


@settings(deadline=None)
@given(st.lists(st.integers(0, 5), max_size=12), st.integers(1, 4),
       st.lists(st.tuples(st.lists(st.integers(0, 3), max_size=4), st.one_of(st.none(), st.integers(1, 3))),
                max_size=5))
def test_ties_on_one_second_across_killed_runs(times: list[int], size: int,
                                               runs: list[tuple[list[int], int | None]]) -> None:
    """New items are never older than the newest one, but may share its second."""
    feed, delivered, cursor = Timed(times, size), [], ""
    for later, kill in runs:
        got, cursor = timed_run(feed, cursor, kill)
        delivered += got
        newest = feed.items[0][0] if feed.items else 0
        feed.add([newest + d for d in later])
    for _ in range(100):                   # then whole runs until one starts afresh and finds nothing
        afresh = cursor == "" or loaded(cursor).page is None
        got, cursor = timed_run(feed, cursor, None)
        delivered += got
        if afresh and not got:
            break
    assert sorted(delivered) == sorted(i for _, i in feed.items)


# --- time keys with an overlap, read whole (Bluesky, GitHub) --------------------------------------

MINUTE = 60.0


def overlap_run(mark: Mark, items: dict[str, int]) -> list[str]:
    """One fetch over what the server holds now (id -> minute); returns what is delivered."""
    out = []
    for item_id, minute in sorted(items.items(), key=lambda kv: kv[1]):
        at = minute * MINUTE
        mark.note(at)
        if mark.fresh(at, item_id, "v1"):
            mark.deliver(at, item_id, "v1")
            out.append(item_id)
    mark.finish()
    return out


def roundtrip(mark: Mark) -> Mark:
    return loaded(saved(mark), overlap=mark.overlap)


def test_a_late_item_inside_the_overlap_is_caught_once() -> None:
    mark = Mark(overlap=10 * MINUTE)
    assert overlap_run(mark, {"a": 0, "b": 20}) == ["a", "b"]
    mark = roundtrip(mark)
    assert overlap_run(mark, {"a": 0, "b": 20, "late": 15}) == ["late"]
    mark = roundtrip(mark)
    assert overlap_run(mark, {"a": 0, "b": 20, "late": 15}) == []
    assert overlap_run(mark, {"too-late": 5}) == []  # older than floor - overlap: the platform hid it too long


def test_an_edited_item_comes_again() -> None:
    mark = Mark()
    mark.deliver(0.0, "c1", "2026-11-20T12:00:00Z")
    assert mark.fresh(0.0, "c1", "2026-11-20T12:05:00Z")
    assert not mark.fresh(0.0, "c1", "2026-11-20T12:00:00Z")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 300), min_size=0, max_size=6), min_size=1, max_size=5))
def test_arrivals_within_the_overlap_are_delivered_exactly_once(batches: list[list[int]]) -> None:
    """Items arrive in batches; each may be dated up to 10 minutes before the newest already seen."""
    mark, server, delivered = Mark(overlap=10 * MINUTE), {}, []
    newest = -1
    for n, minutes in enumerate(batches):
        for k, minute in enumerate(minutes):
            minute = max(minute, newest - 9)  # arrives late by less than the overlap
            server[f"{n}-{k}"] = minute
        newest = max([newest, *server.values()])
        delivered += overlap_run(mark, server)
        mark = roundtrip(mark)
    assert sorted(delivered) == sorted(server)
