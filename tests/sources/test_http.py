"""The HTTP client every adapter shares: retries, rate limits, error mapping."""

from __future__ import annotations

import time

import pytest

from h2h import errors
from h2h.sources.http import Http, make_session


def test_a_long_retry_after_is_not_slept_inside_the_pool(httpserver) -> None:  # type: ignore[no-untyped-def]
    httpserver.expect_request("/x").respond_with_json({"error": "slow down"}, status=429,
                                                     headers={"Retry-After": "300"})
    http = Http(make_session(), source="t", base_url=httpserver.url_for("/"))
    started = time.monotonic()
    with pytest.raises(errors.RateLimited) as info:
        http.get_json("/x")
    assert time.monotonic() - started < 2 and info.value.retry_after == 300
    assert len(httpserver.log) == 1
