"""The in-memory source passes the contract first; every adapter follows it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest

from h2h import errors
from h2h.models import Mention, Person
from h2h.sources.memory import MemorySource
from tests.sources.contract import SourceContract, fetch_all

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def mentions(n: int, start: int = 0) -> list[Mention]:
    return [Mention(source="mem", platform="memory", remote_id=str(i),
                    author=Person(source="mem", remote_id=f"u{i % 3}", handle=f"user{i % 3}"),
                    text=f"message {i}?", created_at=T0 + timedelta(minutes=i), raw={"i": i})
            for i in range(start, start + n)]


class TestMemorySource(SourceContract):
    failure_kinds = ("auth", "not_found", "rate_limited", "malformed", "server")

    @pytest.fixture
    def source(self) -> MemorySource:
        return MemorySource("mem", mentions(7), page_size=3)

    @pytest.fixture
    def failing_source(self) -> Callable[[str], MemorySource]:
        failures = {"auth": errors.AuthError("bad token"), "not_found": errors.NotFound("gone"),
                    "rate_limited": errors.RateLimited("slow down", retry_after=60),
                    "malformed": errors.SourceError("not JSON"), "server": errors.RemoteError("500")}

        def make(kind: str) -> MemorySource:
            src = MemorySource("mem", mentions(2))
            src.failure = failures[kind]
            return src
        return make

    @pytest.fixture
    def sent_count(self, source: MemorySource) -> Callable[[], int]:
        return lambda: source.post_calls


def test_new_mentions_arrive_after_the_cursor() -> None:
    src = MemorySource("mem", mentions(4), page_size=3)
    pages = fetch_all(src)
    assert [len(p.mentions) for p in pages] == [3, 1]
    src.add(mentions(2, start=4))
    new = [m.remote_id for p in fetch_all(src, pages[-1].cursor) for m in p.mentions]
    assert new == ["4", "5"]


def test_from_config_rejects_a_bad_page_size() -> None:
    with pytest.raises(errors.ConfigError):
        MemorySource.from_config("mem", {"type": "memory", "page_size": 0})

