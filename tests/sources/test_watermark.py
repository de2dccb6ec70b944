"""The cursor of newest-first APIs: late items are caught, nothing comes twice."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from h2h import errors
from h2h.sources.watermark import Watermark, dump_cursor, load_cursor

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def run(mark: Watermark, items: dict[str, int]) -> list[str]:
    """One fetch over what the server holds now (id -> minute); returns what is delivered."""
    out = []
    for item_id, minute in sorted(items.items(), key=lambda kv: kv[1]):
        at = T0 + timedelta(minutes=minute)
        mark.note(at)
        if mark.is_new(item_id, "v1", at):
            mark.deliver(item_id, "v1", at)
            out.append(item_id)
    mark.finish()
    return out


def roundtrip(mark: Watermark) -> Watermark:
    return Watermark.from_json(load_cursor(dump_cursor({"n": mark.to_json()}))["n"], overlap=mark.overlap)


def test_a_late_item_inside_the_overlap_is_caught_once() -> None:
    mark = Watermark(overlap=timedelta(minutes=10))
    assert run(mark, {"a": 0, "b": 20}) == ["a", "b"]
    mark = roundtrip(mark)
    assert run(mark, {"a": 0, "b": 20, "late": 15}) == ["late"]
    mark = roundtrip(mark)
    assert run(mark, {"a": 0, "b": 20, "late": 15}) == []
    assert run(mark, {"too-late": 5}) == []  # older than floor - overlap: the platform hid it too long


def test_an_edited_item_comes_again() -> None:
    mark = Watermark()
    at = T0
    mark.deliver("c1", "2026-11-20T12:00:00Z", at)
    assert mark.is_new("c1", "2026-11-20T12:05:00Z", at)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 300), min_size=0, max_size=6), min_size=1, max_size=5))
def test_arrivals_within_the_overlap_are_delivered_exactly_once(batches: list[list[int]]) -> None:
    """Items arrive in batches; each may be dated up to 10 minutes before the newest already seen."""
    overlap = timedelta(minutes=10)
    mark, server, delivered = Watermark(overlap=overlap), {}, []
    newest = -1
    for n, minutes in enumerate(batches):
        for k, minute in enumerate(minutes):
            minute = max(minute, newest - 9)  # arrives late by less than the overlap
            server[f"{n}-{k}"] = minute
        newest = max([newest, *server.values()])
        delivered += run(mark, server)
        mark = roundtrip(mark)
    assert sorted(delivered) == sorted(server)


def test_a_foreign_cursor_is_a_clear_error() -> None:
    with pytest.raises(errors.SourceError):
        load_cursor("123")
    with pytest.raises(errors.SourceError):
        Watermark.from_json({"floor": "yesterday"})
