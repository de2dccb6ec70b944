"""The contract every source adapter keeps (DESIGN §4).

Adapters return `h2h.models` objects only, raise only `h2h.errors` types, build
HTTP only through `sources/http.py`, do no I/O at import, and keep no state but
their session: cursors live in the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Iterator, Mapping, Protocol, Sequence, runtime_checkable

from h2h.models import Mention, Person, SentReply, Thread

if TYPE_CHECKING:
    import requests

# Bumped when the protocol changes incompatibly; plugins declare the version they speak.
SOURCE_API_VERSION = 1


@dataclass(frozen=True)
class Page:
    """Mentions and the cursor that resumes right after them. None keeps the saved cursor:
    a walk that cannot resume half-way (newest first) gives its new cursor on its last page."""

    mentions: Sequence[Mention]
    cursor: str | None


@runtime_checkable
class Source(Protocol):
    type: ClassVar[str]
    api_version: ClassVar[int]
    name: str

    @classmethod
    def from_config(cls, name: str, table: Mapping[str, Any], session: "requests.Session") -> "Source": ...

    def whoami(self) -> Person: ...

    def fetch_mentions(self, cursor: str | None) -> Iterator[Page]: ...

    def fetch_thread(self, mention: Mention) -> Thread: ...

    # Post `text` as a reply to `mention`, once per `key`: send the key as the platform's
    # idempotency header where there is one (Mastodon: Idempotency-Key) or derive the record's
    # id from it (Bluesky rkey), so that h2h's retry after a crash cannot post twice. Read-only
    # sources raise NotSupported; h2h then asks the person to post it by hand.
    # Optional: a `limit` attribute (int, characters per reply on this platform or instance;
    # may be a property that asks the platform once); h2h/draft/limits.py remembers it.
    # Never retry the POST itself: when its answer is lost, raise, and the reply layer decides.
    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply: ...

    # Optional, for a source that posts: our replies to `mention` on the platform, whatever
    # their text (the one made with `key` where the platform keeps it), oldest first. After an
    # attempt of unknown outcome h2h asks this before posting again (reply/send.py); without
    # it, h2h reads `fetch_thread` for replies of ours to `mention`.
    # def find_replies(self, mention: Mention, *, key: str) -> list[SentReply]: ...
