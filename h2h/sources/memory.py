"""A source that lives in memory: the reference adapter for the contract suite,
the tests and the demo. It behaves like a platform: pages, a cursor, threads,
and replies that are posted once per idempotency key.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Iterator, Mapping

from h2h import clock
from h2h.errors import NotFound
from h2h.models import Mention, Person, SentReply, Thread
from h2h.sources import options
from h2h.sources.base import SOURCE_API_VERSION, Page


class MemorySource:
    type: ClassVar[str] = "memory"
    api_version: ClassVar[int] = SOURCE_API_VERSION

    def __init__(self, name: str, mentions: Iterable[Mention] = (), *, me: Person | None = None,
                 page_size: int = 20):
        self.name = name
        self.page_size = page_size
        self.me = me or Person(source=name, remote_id="me", handle="me", name="Me")
        self.posted: dict[str, SentReply] = {}
        self.sent_texts: dict[str, str] = {}
        self.post_calls = 0
        self.failure: Exception | None = None
        self._mentions: list[Mention] = []
        self.add(mentions)

    @classmethod
    def from_config(cls, name: str, table: Mapping[str, Any], session: Any = None) -> "MemorySource":
        return cls(name, page_size=options.parse(cls.type, name, table)["page_size"])

    def add(self, mentions: Iterable[Mention]) -> None:
        """New mentions arrive on the platform, in time order after the ones already there."""
        for m in mentions:
            self._mentions.append(m._replace(source=self.name))

    def whoami(self) -> Person:
        self._maybe_fail()
        return self.me

    def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
        self._maybe_fail()
        start = int(cursor) if cursor else 0
        while start < len(self._mentions):
            end = min(start + self.page_size, len(self._mentions))
            yield Page(mentions=tuple(self._mentions[start:end]), cursor=str(end))
            self._maybe_fail()
            start = end

    def fetch_thread(self, mention: Mention) -> Thread:
        self._maybe_fail()
        root = mention.thread or mention.remote_id
        items = [m for m in self._mentions if (m.thread or m.remote_id) == root or m.remote_id == root]
        items += [self._as_mention(s) for s in self.posted.values() if s.in_reply_to in {m.remote_id for m in items}]
        if not items:
            raise NotFound(f"no thread {root} in source {self.name}")
        return Thread(source=self.name, root=root, mentions=tuple(sorted(items, key=lambda m: m.created_at)))

    def find_replies(self, mention: Mention, *, key: str) -> list[SentReply]:
        self._maybe_fail()
        return [s for s in self.posted.values() if s.in_reply_to == mention.remote_id]

    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply:
        self._maybe_fail()
        if key in self.posted:  # the platform's idempotency: same key, same post
            return self.posted[key]
        self.post_calls += 1
        sent = SentReply(source=self.name, remote_id=f"r{len(self.posted) + 1}",
                         url=f"memory://{self.name}/r{len(self.posted) + 1}", sent_at=clock.now(),
                         in_reply_to=mention.remote_id, key=key)
        self.posted[key] = sent
        self.sent_texts[key] = text
        return sent

    def _as_mention(self, sent: SentReply) -> Mention:
        return Mention(source=self.name, platform="memory", remote_id=sent.remote_id or sent.key,
                       author=self.me, text=self.sent_texts.get(sent.key, ""),
                       created_at=sent.sent_at, in_reply_to=sent.in_reply_to, from_me=True)

    def _maybe_fail(self) -> None:
        if self.failure is not None:
            raise self.failure
