"""Source types for the cron tests: succeed, fail in a chosen way, or hold the
fetch (and so its lock) until a file appears. `install()` adds them to the
registry's built-in table, in this process only."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar, Iterator, Mapping

from h2h import errors
from h2h.models import Mention, Person
from h2h.sources.base import SOURCE_API_VERSION, Page

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


class OkSource:
    type: ClassVar[str] = "test-ok"
    api_version: ClassVar[int] = SOURCE_API_VERSION

    def __init__(self, name: str, table: Mapping[str, Any]):
        self.name, self.table = name, table

    @classmethod
    def from_config(cls, name: str, table: Mapping[str, Any], session: Any = None) -> "OkSource":
        return cls(name, table)

    def whoami(self) -> Person:
        return Person(source=self.name, remote_id="me", handle="me")

    def _hold(self) -> None:
        pass

    def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
        self._hold()
        start = int(cursor or 0)
        count = int(self.table.get("count", 2))
        if start < count:
            yield Page(mentions=tuple(
                Mention(source=self.name, platform="test", remote_id=f"{self.name}-{i}",
                        author=Person(source=self.name, remote_id=f"u{i}", handle=f"user{i}"),
                        text=f"Question number {i}?", created_at=T0 + timedelta(minutes=i))
                for i in range(start, count)), cursor=str(count))

    def fetch_thread(self, mention: Mention) -> Any:
        raise errors.NotSupported("no threads here")

    def send_reply(self, mention: Mention, text: str, *, key: str) -> Any:
        raise errors.NotSupported("read-only")


class FailingSource(OkSource):
    type: ClassVar[str] = "test-fail"
    KINDS = {"auth": errors.AuthError("401 Unauthorized: the token was refused"),
             "remote": errors.RemoteError("503 Service Unavailable after 3 retries"),
             "rate": errors.RateLimited("429 Too Many Requests", retry_after=900)}

    def whoami(self) -> Person:
        raise self.KINDS[self.table.get("kind", "remote")]

    def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
        raise self.KINDS[self.table.get("kind", "remote")]


class HoldingSource(OkSource):
    """Writes `started_file`, then waits (up to 30 s) for `release_file` before fetching."""

    type: ClassVar[str] = "test-hold"

    def _hold(self) -> None:
        Path(self.table["started_file"]).write_text("started")
        deadline = time.monotonic() + 30
        while not Path(self.table["release_file"]).exists() and time.monotonic() < deadline:
            time.sleep(0.05)


def install() -> None:
    from h2h.sources import registry

    for cls in (OkSource, FailingSource, HoldingSource):
        registry.BUILTIN[cls.type] = f"{__name__}:{cls.__name__}"
