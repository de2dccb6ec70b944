"""Walking a newest-first listing down to where the last walk began.

Search APIs (Algolia for Hacker News, Reddit listings, Stack Exchange) answer
newest first. A fetch walks from the newest item down to the `floor`: the
creation time of the newest item the last *complete* walk saw. The cursor of
every page records the floor, the newest item of the walk in progress (`top`)
and the platform's position inside the walk (`at`); a fetch killed mid-walk
resumes at `at`, finishes the way down to the old floor, and only then moves
the floor up to `top`. Items created during the interruption are above `top`
and arrive on the next walk: nothing is lost, nothing is delivered twice.

Several items can share one second; the ids already delivered at the floor
second are kept so that a tie is neither lost nor repeated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass
class Walk:
    floor: float
    floor_ids: set[str] = field(default_factory=set)
    top: float | None = None
    top_ids: set[str] = field(default_factory=set)
    at: Any = None

    @classmethod
    def load(cls, data: Any, default_floor: float) -> "Walk":
        """A walk from its stored form; an unreadable one starts over at `default_floor`.

        Starting over is safe: ingest is idempotent on (source, remote_id).
        """
        if not isinstance(data, Mapping):
            return cls(floor=default_floor)
        try:
            floor = float(data["floor"])
            top = data.get("top")
            return cls(floor=floor, floor_ids={str(i) for i in data.get("floor_ids", ())},
                       top=None if top is None else float(top),
                       top_ids={str(i) for i in data.get("top_ids", ())}, at=data.get("at"))
        except (KeyError, TypeError, ValueError):
            return cls(floor=default_floor)

    def dump(self) -> dict[str, Any]:
        data: dict[str, Any] = {"floor": self.floor, "floor_ids": sorted(self.floor_ids)}
        if self.top is not None:
            data["top"] = self.top
            data["top_ids"] = sorted(self.top_ids)
        if self.at is not None:
            data["at"] = self.at
        return data

    def fresh(self, created: float, item_id: str) -> bool:
        """Not delivered by an earlier walk."""
        return created > self.floor or (created == self.floor and item_id not in self.floor_ids)

    def below(self, created: float) -> bool:
        """Older than the floor: the walk has gone far enough."""
        return created < self.floor

    def saw(self, created: float, item_id: str) -> None:
        if self.top is None or created > self.top:
            self.top, self.top_ids = created, {item_id}
        elif created == self.top:
            self.top_ids.add(item_id)

    def finish(self) -> None:
        """The walk reached the floor: the newest item seen becomes the next floor."""
        if self.top is not None:
            if self.top > self.floor:
                self.floor, self.floor_ids = self.top, set(self.top_ids)
            elif self.top == self.floor:
                self.floor_ids |= self.top_ids
        self.top, self.top_ids, self.at = None, set(), None


def load_cursor(cursor: str | None) -> dict[str, Any]:
    """The JSON object an adapter stored as its cursor; {} for none or an unreadable one."""
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def dump_cursor(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
