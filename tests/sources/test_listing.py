"""Walking newest-first listings: pauses, resumes, stale page tokens, bad cursors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from h2h import errors
from h2h.sources.listing import Listing, ListingState, dump_cursor, load_cursor


class Feed:
    """A newest-first API over ids 1..n, `size` per page, page tokens 'p<offset>'."""

    def __init__(self, n: int, size: int = 3):
        self.ids = list(range(n, 0, -1))
        self.size = size
        self.stale: set[str] = set()

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


def run(feed: Feed, state: ListingState, max_pages: int = 100) -> tuple[list[int], ListingState]:
    got: list[int] = []
    for items, state in Listing("l", feed.fetch, lambda i: i, max_pages).walk(state):
        got += items
    return got, state


def test_a_paused_walk_resumes_and_then_sees_only_new_items() -> None:
    feed = Feed(10)
    first, state = run(feed, ListingState(), max_pages=2)
    assert first == [10, 9, 8, 7, 6, 5] and state.page == "p6" and state.since is None and state.top == 10
    feed.add(2)                                   # arrives while the walk is paused
    rest, state = run(feed, state)
    assert set(rest) >= {4, 3, 2, 1} and state.page is None and state.since == 10
    new, state = run(feed, state)
    assert new == [12, 11] and state.since == 12


def test_a_stale_token_restarts_from_the_newest() -> None:
    feed = Feed(7)
    _, state = run(feed, ListingState(), max_pages=1)
    feed.stale.add(state.page)
    rest, state = run(feed, state)
    assert set(rest) == set(range(1, 8)) and state.since == 7


def test_a_failure_on_a_fresh_walk_is_raised() -> None:
    feed = Feed(5)
    feed.stale.add(None)
    with pytest.raises(errors.SourceError):
        run(feed, ListingState())


def test_cursor_round_trip_keeps_tuple_keys() -> None:
    states = {"n": ListingState(since=(1700000000000, 3), top=None, page=None), "s": ListingState(page=2, top=5)}
    assert load_cursor(dump_cursor(states), "src") == states


@pytest.mark.parametrize("bad", ["{", "[]", '{"v": 99}', '{"v": 1, "listings": {"a": 3}}'])
def test_an_unreadable_cursor_starts_afresh(bad: str, caplog: pytest.LogCaptureFixture) -> None:
    assert load_cursor(bad, "src") == {}
    assert "unreadable cursor" in caplog.text


@given(st.integers(0, 40), st.integers(1, 5), st.integers(1, 4), st.lists(st.integers(0, 6), max_size=4))
def test_nothing_is_lost_across_runs(n: int, size: int, pages: int, arrivals: list[int]) -> None:
    feed = Feed(n, size)
    seen: list[int] = []
    state = ListingState()
    for k in arrivals:                     # runs that pause after `pages` pages, while new items arrive
        got, state = run(feed, state, max_pages=pages)
        seen += got
        feed.add(k)
    newest = feed.ids[0] if feed.ids else None
    for _ in range(500):                   # then runs until a walk has finished at the newest item
        got, state = run(feed, state, max_pages=pages)
        seen += got
        if state.page is None and state.since == newest:
            break
    assert set(seen) == set(feed.ids)
    # Offset pages shift when items arrive, so a paused walk may see an item twice (ingest is
    # idempotent); a finished walk never hands out an item again.
    assert run(feed, run(feed, state, max_pages=1000)[1])[0] == []
