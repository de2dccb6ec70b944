"""A cursor for APIs that list newest first and cannot resume "after" an item.

Bluesky notifications, GitHub notifications and both platforms' searches page
backwards from the newest item. h2h's cursor instead has to mean "everything up
to here is committed", so it keeps a time floor and the items seen near it:

- `floor`: every item at or before this time was delivered in an earlier run;
- `seen`: id -> stamp for items delivered after `floor - overlap` (the stamp is
  whatever changes when the item changes: `updated_at`, a content id), so that
  the overlap, which catches items the server indexes late, never delivers an
  item twice;
- intermediate cursors (after each page of one run) keep the old floor and
  grow `seen`; the last one moves the floor and forgets what the overlap no
  longer covers.

A cursor from any page therefore loses nothing and repeats nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping

from h2h import clock
from h2h.errors import SourceError

OVERLAP = timedelta(minutes=10)


@dataclass
class Watermark:
    floor: datetime | None = None
    seen: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    overlap: timedelta = OVERLAP
    # Highest item time delivered in this run; becomes the floor when the run ends.
    _high: datetime | None = None

    # --- what to fetch and what is new --------------------------------------------

    def since(self, backfill: datetime | None = None) -> datetime | None:
        """Ask the server for items after this time (None: from the beginning)."""
        if self.floor is None:
            return backfill
        return self.floor - self.overlap

    def is_new(self, item_id: str, stamp: str, at: datetime, backfill: datetime | None = None) -> bool:
        since = self.since(backfill)
        if since is not None and at < since:
            return False
        known = self.seen.get(item_id)
        return known is None or known[0] != stamp

    def deliver(self, item_id: str, stamp: str, at: datetime, *, move_floor: bool = True) -> None:
        """`move_floor=False` when the floor lives in another clock than the item's
        (GitHub: the floor follows notification times, whatever the comments say)."""
        self.seen[item_id] = (stamp, at)
        if move_floor:
            self.note(at)

    def note(self, at: datetime) -> None:
        """An item exists up to this time (delivered or not), so the next run may start from it."""
        if self._high is None or at > self._high:
            self._high = at

    def finish(self) -> None:
        """The run is complete: move the floor, keep only what the overlap still covers."""
        if self._high is not None and (self.floor is None or self._high > self.floor):
            self.floor = self._high
        if self.floor is not None:
            cut = self.floor - self.overlap
            self.seen = {k: v for k, v in self.seen.items() if v[1] >= cut}
        self._high = None

    # --- encoding --------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {"floor": _iso(self.floor) if self.floor else None,
                "seen": {k: [stamp, _iso(at)] for k, (stamp, at) in sorted(self.seen.items())}}

    @classmethod
    def from_json(cls, data: Any, *, overlap: timedelta = OVERLAP) -> "Watermark":
        if data is None:
            return cls(overlap=overlap)
        try:
            floor = clock.parse_time(data["floor"]) if data.get("floor") else None
            seen = {str(k): (str(v[0]), clock.parse_time(v[1])) for k, v in dict(data.get("seen") or {}).items()}
        except (TypeError, ValueError, AttributeError, KeyError, IndexError):
            raise _bad_cursor() from None
        return cls(floor=floor, seen=seen, overlap=overlap)


def _iso(moment: datetime) -> str:
    # Microseconds kept: Bluesky times carry milliseconds, and a floor rounded up would skip items.
    return moment.astimezone(clock.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def dump_cursor(parts: Mapping[str, Any]) -> str:
    return json.dumps({"v": 1, **parts}, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def load_cursor(cursor: str | None) -> dict[str, Any]:
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except ValueError:
        raise _bad_cursor() from None
    if not isinstance(data, dict) or data.get("v") != 1:
        raise _bad_cursor()
    return data


def _bad_cursor() -> SourceError:
    return SourceError("the saved cursor for this source cannot be read",
                       hint="Reset the source's cursor (it will re-read recent items; nothing is duplicated).")
