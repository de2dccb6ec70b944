"""Which conversation a new message belongs to (ingest's grouping rules), with the
conversations one batch needs looked up for the whole batch at once.

Within a batch, conversations change only by being created (they are re-judged
at its end), so what the batch creates is kept here and written together, and
every lookup answers exactly what the database would at that point of the batch.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable, Iterable, Mapping

from h2h import clock
from h2h.models import Mention
from h2h.store import Store
from h2h.store.queries import Row

Conv = Row | dict[str, Any]
Lookup = Callable[[str, str], "dict[str, Any] | None"]  # (source, remote_id) -> a mention as stored or added


def is_standalone(m: Mention) -> bool:
    return m.in_reply_to is None and (m.thread is None or m.thread == m.remote_id)


def thread_root(mention: Lookup, m: Mention) -> str:
    if m.thread and m.thread != m.remote_id:
        return m.thread
    if m.in_reply_to:
        parent = mention(m.source, m.in_reply_to)
        return parent["thread_root"] if parent else m.in_reply_to
    return m.remote_id


class Conversations:
    """The conversations of one batch. `standalone`, `threads` and `ids` are the
    (source, person id), (source, thread root, person id) and ids the batch will likely
    ask about: fetched in three queries; anything else is asked when needed."""

    def __init__(self, store: Store, standalone: Iterable[tuple[str, int]],
                 threads: Iterable[tuple[str, str, int]], ids: Iterable[int] = ()):
        self.store = store
        self.latest: dict[tuple[str, int], Conv | None] = store.latest_standalone_many(standalone)
        self.by_thread: dict[tuple[str, str, int], Conv | None] = store.find_conversations(threads)
        self.by_id: dict[int, Conv] = dict(store.conversations_by_ids(ids))
        self.pending: list[dict[str, Any]] = []
        self.next_id = store.next_conversation_id()

    def latest_standalone(self, source: str, person_id: int) -> Conv | None:
        key = (source, person_id)
        if key not in self.latest:
            self.latest[key] = self.store.latest_standalone(source, person_id)
        return self.latest[key]

    def find(self, source: str, root: str, person_id: int) -> Conv | None:
        key = (source, root, person_id)
        if key not in self.by_thread:
            self.by_thread[key] = self.store.find_conversation(source, root, person_id)
        return self.by_thread[key]

    def get(self, conv_id: int) -> Conv:
        return self.by_id.get(conv_id) or self.store.conversation_by_id(conv_id)

    def create(self, *, source: str, platform: str, person_id: int, person_remote_id: str, thread_root: str,
               standalone: bool, first_at: str) -> Conv:
        """A new conversation, as the database would return it (written by flush())."""
        if standalone:
            last = self.latest_standalone(source, person_id)  # before this one exists
        conv = {"id": self.next_id, "source": source, "platform": platform, "person_id": person_id,
                "person_remote_id": person_remote_id, "thread_root": thread_root, "standalone": int(standalone),
                "first_at": first_at, "last_at": first_at, "last_reply_at": None, "unanswered": 0}
        self.next_id += 1
        self.pending.append(conv)
        self.by_id[conv["id"]] = conv
        self.by_thread[(source, thread_root, person_id)] = conv
        # The latest standalone one is the last by (last_at, id), and this id is the largest.
        if standalone and (last is None or first_at >= last["last_at"]):
            self.latest[(source, person_id)] = conv
        return conv

    def in_thread(self, source: str, root: str) -> list[Row]:
        self.flush()
        return self.store.thread_conversations(source, root)

    def flush(self) -> None:
        """Write the conversations created so far (before any message that refers to them)."""
        if self.pending:
            self.store.insert_conversations(self.pending)
            self.pending = []


def answers_another(parent: Mapping[str, Any] | None, person_id: int) -> bool:
    """The message a reply answers is another person's (or an answer itself, filed nowhere)."""
    return (parent is not None and parent["role"] == "person"
            and (parent["person_id"] != person_id or parent["conversation_id"] is None))


def assign(convs: Conversations, mention: Lookup, m: Mention, person_id: int, role: str, window_s: float,
           at: str, asks: Callable[[], bool] = lambda: True) -> tuple[Conv | None, str]:
    """The conversation a new message belongs to (None: none), and its thread root. `asks`
    says whether the message asks us anything (its signals)."""
    standalone = is_standalone(m)
    root = thread_root(mention, m)
    if role == "person" and standalone:
        last = convs.latest_standalone(m.source, person_id)
        if last is not None and _joins(last, m, window_s):
            return last, last["thread_root"]
    parent = mention(m.source, m.in_reply_to) if m.in_reply_to else None
    if role == "person" and not standalone:
        # An answer to our reply (or to their own message) continues the conversation it
        # answers, or the one the thread's first message is in (as the server's context
        # names it), whatever root that conversation has.
        for known in (parent, mention(m.source, m.thread) if m.thread else None):
            if known is not None and known["conversation_id"]:
                conv = convs.get(known["conversation_id"])
                if conv["person_id"] == person_id:
                    return conv, conv["thread_root"]
    if role == "person" or standalone:
        conv = convs.find(m.source, root, person_id)
        if conv is None:
            if role == "person" and answers_another(parent, person_id) and not asks():
                return None, root  # someone answering another person: it waits for no one
            conv = convs.create(source=m.source, platform=m.platform, person_id=person_id,
                                person_remote_id=m.author.remote_id, thread_root=root,
                                standalone=standalone, first_at=at)
        return conv, root
    # Our reply (or a teammate's): it belongs to the conversation it answers.
    if parent is not None and parent["role"] == "person" and parent["conversation_id"]:
        return convs.get(parent["conversation_id"]), root
    for conv in convs.in_thread(m.source, root):
        if conv["first_at"] <= at:
            return conv, root
    return None, root


def _joins(conv: Conv, m: Mention, window_s: float) -> bool:
    """Consecutive standalone posts of one person, close in time, are one conversation."""
    if conv["last_reply_at"] and not conv["unanswered"]:
        return False  # we answered; a new post is a new conversation
    last = clock.from_iso(conv["last_at"])
    first = clock.from_iso(conv["first_at"])
    window = timedelta(seconds=window_s)
    try:
        return first - window <= m.created_at <= last + window
    except OverflowError:  # times at the ends of the calendar (year 1 or 9999)
        return first.timestamp() - window_s <= m.created_at.timestamp() <= last.timestamp() + window_s
