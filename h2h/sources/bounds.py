"""How much one fetch of one source may take: bytes and time per response, pages and
items per listing. A hostile or broken server (a body trickled a byte a second, an
endless chunked body, a gzip bomb, a listing whose next page never ends or comes back)
costs that source a clear error, never the run, the memory or the fetch lock.

The defaults are far above what a real account meets; `[sources.NAME]` may change them
(`max_response_mb`, `max_response_time`, `max_listing_pages`, `max_listing_items`).
The registry records a source's bounds when it builds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from h2h.errors import SourceError

MB = 1024 * 1024


@dataclass(frozen=True)
class Bounds:
    # Decoded (a gzip bomb is cut where its output passes this). The largest real answers (a Hacker
    # News thread of thousands of comments, 500 Reddit comments) are 1-2 MB.
    response_bytes: int = 4 * MB
    response_seconds: float = 120.0   # from sending the request to the body's last byte
    # Objects and arrays in one JSON answer: parsed, each costs 60+ bytes, so 8 MB of "{}," would
    # take 200 MB. A page of 100 GitHub issues holds ~2,000; a 5,000-comment HN thread ~15,000.
    json_containers: int = 100_000
    # A first fetch of a busy account (a week of notifications) walks tens of pages.
    listing_pages: int = 500           # pages one listing may walk in one run
    listing_items: int = 25_000        # items one listing may deliver in one run

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> "Bounds":
        base = cls()
        mb, time, pages, items = (values.get(k) for k in ("max_response_mb", "max_response_time",
                                                           "max_listing_pages", "max_listing_items"))
        return cls(response_bytes=int(mb) * MB if mb else base.response_bytes,
                   response_seconds=float(time) if time else base.response_seconds,
                   listing_pages=int(pages) if pages else base.listing_pages,
                   listing_items=int(items) if items else base.listing_items)


class BoundReached(SourceError):
    """A source reached one of its bounds: it stops for this run; the others go on."""

    code = "bound"
    hint = ("The server sent far more than any real account does (or never stopped); "
            "if it is right, raise the bound named above in [sources.NAME].")


DEFAULT = Bounds()

# Per source name, set when the source is built; a source never built here (a test's) has the defaults.
_by_source: dict[str, Bounds] = {}


def set_for(source: str, bounds: Bounds) -> None:
    _by_source[source] = bounds


def of(source: str) -> Bounds:
    return _by_source.get(source, DEFAULT)
