"""The store's interface: what every backend implements (SQLite today: store/sqlite/),
split by aggregate. Methods return `h2h.models` records, never a driver's rows;
`tests/store/contract.py` is the suite each backend passes.

Conventions every backend keeps:
- Identity is (source, remote_id) for people and messages; ids (`int`) are the
  backend's and stay stable; conversation keys come from `store.common`.
- Times are ISO 8601 UTC text (`clock.iso`), compared as text; JSON columns are
  JSON text (`store.common`), and a value given `Encoded` is stored as it is.
- Writes happen inside `transaction()`; a `transaction()` inside another is a
  savepoint: its failure undoes its own writes only, and the outer one goes on.
- Batch methods ("..._many", "...s") answer exactly what their one-row form would,
  for each key, in one round trip per few hundred keys.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Iterable, Iterator, Mapping, Protocol, Sequence

from h2h.models import (
    Action,
    BacklogEntry,
    Conversation,
    DailyCount,
    Flags,
    Identity,
    Mention,
    MentionState,
    MessageFacts,
    Person,
    QueueCandidate,
    QueueRow,
    RecentMessage,
    Reply,
    SearchHit,
    SourceStatus,
    StatsConversation,
    StoredDraft,
    StoredMention,
    ThreadMessage,
    Unanswered,
)
from h2h.store.common import RECENT_MESSAGES, Key


class Placed(Protocol):
    """A conversation as `waiting_elsewhere` needs it: a `Conversation` or a `QueueCandidate`."""

    @property
    def id(self) -> int: ...
    @property
    def person_id(self) -> int: ...
    @property
    def active(self) -> int: ...
    @property
    def section(self) -> str: ...


class Mentions(Protocol):
    def mention(self, source: str, remote_id: str) -> StoredMention | None: ...

    def platform_mention(self, source: str, remote_id: str) -> Mention | None:
        """The stored message as its adapter gave it, raw JSON (and its author's) decoded:
        what replying to it needs."""
        ...

    def mentions_by_key(self, keys: Iterable[Key]) -> dict[Key, MentionState]:
        """Those of these messages that are stored."""
        ...

    def next_mention_id(self) -> int:
        """The id the next message inserted without one gets: the largest plus one."""
        ...

    def insert_mentions(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """New messages, in order, as column -> value (StoredMention's fields; JSON columns as
        their JSON text, `common.encode`); an `id` of None is the backend's to choose."""
        ...

    def update_mention(self, mention_id: int, m: Mention, *, role: str, signals: Any, evidence: Any,
                       engine: str, raw: Any = None) -> None:
        """A message edited on its platform. `raw`, when given, stands for m.raw (ingest may
        have encoded it already)."""
        ...

    def mentions_needing_signals(self, engine: str, limit: int, after: int = 0) -> list[tuple[int, str, str | None]]:
        """(id, text, lang) of messages whose signals are not of `engine`, in id order after
        `after`: each call resumes where the last stopped."""
        ...

    def set_mentions_signals(self, rows: Sequence[tuple[Any, Any, str, int]]) -> None:
        """(signals, evidence, engine, message id), encoded or not."""
        ...

    def conversation_messages(self, conv: Conversation) -> list[ThreadMessage]:
        """The person's messages and the answers to them in its thread: ours, a teammate's,
        and other people's that are filed in no conversation; oldest first (created_at, then
        id; app/order.py gives the platform's order)."""
        ...

    def conversations_facts(self, convs: Sequence[Conversation]) -> dict[int, list[MessageFacts]]:
        """conversation_messages() of each conversation, as facts to judge it by."""
        ...

    def persons_recent(self, person_ids: Iterable[int],
                       limit: int = RECENT_MESSAGES) -> dict[int, list[RecentMessage]]:
        """Each person's latest messages, newest first (created_at, then id)."""
        ...

    def unanswered_mentions_many(self, convs: Sequence[tuple[int, str | None]]) -> dict[int, list[Unanswered]]:
        """For each (conversation id, since): the person's messages of it since `since`
        (all when None), oldest first (created_at, then id)."""
        ...

    def group_messages(self, person_ids: Sequence[int], limit: int) -> list[ThreadMessage]:
        """These identities' messages and our replies to them, newest first."""
        ...

    def mentions_rooted_at(self, keys: Iterable[Key]) -> list[StoredMention]:
        """Messages whose thread root is one of these (source, remote id), in id order."""
        ...

    def conversation_mentions(self, conv_id: int) -> list[StoredMention]:
        """The messages filed in this conversation, in id order."""
        ...

    def place_mentions(self, moves: Sequence[tuple[int | None, str, int]]) -> None:
        """(conversation id or None, thread root, message id) for each message moved."""
        ...

    def newest_mention_id(self) -> int:
        """The largest message id (0 when none): ids grow with every message stored, so this
        is what a decision made now has seen (app/states.py)."""
        ...

    def search_mentions(self, text: str, *, platform: str | None = None, limit: int = 200) -> list[SearchHit]:
        """The messages holding every word of `text` (`common.search_words`; each a prefix,
        accents ignored) in their text or their author's handle or name, best match first,
        then the latest; each snippet marks its matches. No words, no hits."""
        ...


class Conversations(Protocol):
    def conversation(self, ident: str) -> Conversation:
        """By full key, or an unambiguous prefix of at least 4 characters. NotFound, or
        UsageError when a prefix matches several."""
        ...

    def conversation_by_id(self, conv_id: int) -> Conversation:
        """NotFound when there is none."""
        ...

    def conversations_by_ids(self, ids: Iterable[int]) -> dict[int, Conversation]: ...

    def conversation_ids(self, after: int = 0, limit: int = 1000) -> list[int]:
        """Ids in order, after `after`."""
        ...

    def has_source(self, source: str) -> bool:
        """Whether any conversation comes from this source (an imported file's source is in
        the database only)."""
        ...

    def source_names(self) -> list[str]:
        """The sources conversations come from, sorted."""
        ...

    def platform_names(self) -> list[str]:
        """The platforms conversations are on, sorted."""
        ...

    def find_conversation(self, source: str, thread_root: str, person_id: int) -> Conversation | None: ...

    def find_conversations(self, keys: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str, int], Conversation | None]:
        """find_conversation() of each (source, thread root, person id)."""
        ...

    def latest_standalone(self, source: str, person_id: int) -> Conversation | None:
        """The person's latest conversation begun by a post that answers none (by last_at, then id)."""
        ...

    def latest_standalone_many(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Conversation | None]: ...

    def thread_conversations(self, source: str, thread_root: str) -> list[Conversation]:
        """A thread's conversations, latest last_at first."""
        ...

    def person_conversations(self, person_id: int) -> list[Conversation]:
        """A human's conversations, on every identity linked to them, by first_at."""
        ...

    def group_conversations(self, person_ids: Sequence[int]) -> list[Conversation]:
        """These identities' conversations, by first_at, then id."""
        ...

    def conversations_rooted_at(self, keys: Iterable[tuple[str, str]]) -> list[Conversation]:
        """Conversations whose thread root is one of these (source, remote id), by id within
        each source."""
        ...

    def delete_conversations(self, ids: Sequence[int]) -> None:
        """Conversations left without a message (their messages joined another)."""
        ...

    def next_conversation_id(self) -> int:
        """The id the next conversation inserted without one gets: the largest plus one."""
        ...

    def insert_conversations(self, convs: Sequence[tuple[Conversation, str]]) -> None:
        """New conversations (each with its person's remote id), with the ids they were
        given from next_conversation_id() on, in order. Each gets its key from
        `common.conversation_key`, two characters longer while it is taken; the key in the
        record given is not read."""
        ...

    def save_conversation(self, conv_id: int, values: Mapping[str, Any]) -> None:
        """Set these columns (a Conversation's field names)."""
        ...

    def save_conversations(self, changes: Sequence[tuple[int, Mapping[str, Any]]]) -> None: ...

    def previous_conversations(self, person_id: int, before: str) -> int:
        """How many conversations the human (every linked identity) began before `before`."""
        ...

    def conversations_before(self, queries: Sequence[tuple[int, str]]) -> list[int]:
        """For each (person id, time): that identity's conversations begun earlier
        (previous_conversations() for a person linked to no one)."""
        ...

    # --- the queue
    def queue_scan(self, section: str, *, source: str | None = None,
                   since: str | None = None) -> Iterator[QueueCandidate]:
        """Active conversations of a section (last_at after `since`), best base score
        first. Lazy: the queue stops reading once the rest cannot rank."""
        ...

    def section_conversations_of(self, section: str, person_ids: Sequence[int], *, source: str | None = None,
                                 since: str | None = None) -> list[QueueCandidate]:
        """Active conversations of these persons in a section (last_at after `since`), any order."""
        ...

    def put_away(self, state: str, now: str, *, source: str | None = None, since: str | None = None,
                 limit: int | None = None) -> list[QueueCandidate]:
        """Conversations in a state out of the queue (`snoozed`: still snoozed at `now`), the
        latest decided first (state_mark, else last_at; then id, descending)."""
        ...

    def queue_details(self, conv_ids: Sequence[int]) -> dict[int, QueueRow]: ...

    def waiting_elsewhere(self, convs: Sequence[Placed], most: int = 100) -> dict[int, tuple[int, str | None]]:
        """For each conversation whose human (every identity linked to them) also waits in
        other active conversations outside `noise`: how many (exact up to `most`, then
        `most` + 1), and when exactly one, since when it waits."""
        ...

    def count_active(self, section: str, now: str, source: str | None = None, since: str | None = None) -> int:
        """Open conversations of a section, and snoozed ones whose time has come."""
        ...

    # --- the user's record
    def record_action(self, conversation: str, action: str, at: str, until: str | None = None,
                      detail: Mapping[str, Any] | None = None) -> None: ...

    def actions(self, conversation: str) -> list[Action]:
        """By time, then in the order recorded."""
        ...

    def last_undoable_action(self, actions: Sequence[str]) -> Action | None:
        """The latest recorded of these decisions whose detail records what it changed
        (`before`) and that no "undo" action names (`detail.undid` = its id)."""
        ...


class People(Protocol):
    def upsert_persons(self, items: Sequence[tuple[Person, str, str, Any]]) -> None:
        """(person, platform, seen_at, raw) in order. Known identities keep what a later
        sighting lacks (a name, a URL, follower counts) and widen first_seen/last_seen."""
        ...

    def person_ids(self, keys: Iterable[Key]) -> dict[Key, int]:
        """(source, remote_id) -> id, for those stored."""
        ...

    def person(self, person_id: int) -> Identity:
        """NotFound when there is none."""
        ...

    def persons_by_ids(self, ids: Iterable[int]) -> dict[int, Identity]: ...

    def persons_by_handle(self, handle: str, source: str | None = None) -> list[Identity]:
        """Exact handle (case-insensitive, with or without a leading @); failing that, `alice`
        also finds `@alice@any.instance`. By id."""
        ...

    def person_group(self, person_id: int) -> list[Identity]:
        """Every identity linked to this one (itself included), by first_seen, then id."""
        ...

    def person_group_ids(self, person_id: int) -> list[int]:
        """The ids of person_group(), ascending."""
        ...

    def person_group_ids_many(self, person_ids: Sequence[int]) -> dict[int, list[int]]:
        """person_group_ids() of each."""
        ...

    def person_root(self, source: str, remote_id: str) -> Key:
        """The identity that names this one's group (itself when linked to no one)."""
        ...

    def linked_among(self, keys: Iterable[Key]) -> set[Key]:
        """Which of these identities belong to a group of linked identities."""
        ...

    def link_roots(self, root: Key, other: Key) -> None:
        """Merge group `other` into group `root` (both given by their root identity)."""
        ...

    def unlink_identity(self, source: str, remote_id: str) -> None:
        """Take one identity out of its group; a root's earliest linked member takes over."""
        ...

    def group_flags(self, person_id: int) -> Flags:
        """The flags of the whole group: VIP or muted if any identity is; notes joined with
        "; " (in the order set); every identity's handle."""
        ...

    def person_flags_many(self, keys: Iterable[Key]) -> dict[Key, Flags]:
        """The flags set on each of these identities alone (handles empty), where any are."""
        ...

    def set_person_flags(self, source: str, remote_id: str, *, vip: bool | None = None,
                         muted: bool | None = None, note: str | None = None) -> None:
        """None leaves a flag as it is."""
        ...


class Replies(Protocol):
    """A reply is recorded (status "pending") before the network call, keyed by an
    idempotency key: a retry after a crash finds it and reuses the key instead of
    posting twice."""

    def reply_by_key(self, key: str) -> Reply | None: ...

    def replies(self, conversation: str) -> list[Reply]:
        """A conversation's replies, in the order begun."""
        ...

    def begin_reply(self, *, key: str, conversation: str, source: str, platform: str, in_reply_to: str,
                    target: str, text: str, draft_id: int | None, now: str) -> Reply:
        """Record an attempt; another attempt with the same key counts on the same reply (and
        takes its text, draft and message answered). A conversation holds at most one pending
        attempt: beginning one under another key while one is pending raises StoreError."""
        ...

    def unsettled_reply(self, conversation: str) -> Reply | None:
        """The conversation's attempt whose outcome is not known (status "pending": the answer
        was lost, or the process died), or None. Every later attempt goes on it, with its key."""
        ...

    def unknown_reply(self, key: str, error: str, now: str) -> None:
        """A pending attempt ended without knowing whether it was posted: it stays pending,
        with the error."""
        ...

    def fail_reply(self, key: str, error: str, now: str) -> None:
        """A pending attempt failed (a reply already sent stays sent)."""
        ...

    def finish_reply(self, key: str, *, status: str, remote_id: str | None, url: str | None, sent_at: str,
                     response_s: float | None, now: str) -> None: ...


class Drafts(Protocol):
    def add_draft(self, *, conversation: str, text: str, backend: str, lang: str | None, intent: str,
                  lint: Iterable[Mapping[str, Any]], edited: bool, variants: Sequence[str] = (),
                  note: str | None = None, created_at: str) -> int: ...

    def draft(self, draft_id: int) -> StoredDraft | None: ...

    def drafts_of(self, conversation: str) -> list[StoredDraft]:
        """Every draft of the conversation, oldest first (none is ever deleted)."""
        ...

    def latest_draft(self, conversation: str) -> StoredDraft | None: ...

    def recent_draft_variants(self, *, exclude: str | None = None, limit: int = 10) -> list[list[str]]:
        """Template lines of the latest drafts for other conversations, most recent first."""
        ...


class Cursors(Protocol):
    """What fetching has read of each source: where to resume, how the last fetches went,
    and which threads were read since."""

    def get_cursor(self, source: str) -> str | None: ...

    def set_cursor(self, source: str, cursor: str | None) -> None: ...

    def record_fetch(self, source: str, type_: str, *, at: str, ok: bool, duration_s: float, fetched: int,
                     new: int, error: tuple[str, str, str] | None = None,
                     rate_limit: Mapping[str, Any] | None = None) -> None:
        """One fetch's outcome; `error` is (code, message, hint). A failure keeps the last success."""
        ...

    def record_account(self, source: str, type_: str, account: str | None,
                       rate_limit: Mapping[str, Any] | None = None) -> None: ...

    def source_statuses(self) -> dict[str, SourceStatus]: ...

    def mark_thread_checked(self, source: str, remote_ids: Iterable[str], at: str) -> None: ...

    def threads_to_recheck(self, source: str, before: str, limit: int) -> list[Mention]:
        """The latest message of open conversations whose thread was not read since
        `before` (the user may have answered on the platform itself), latest first."""
        ...


class Stats(Protocol):
    def stats_conversations(self, since: str, until: str,
                            person_ids: Sequence[int] | None = None) -> list[StatsConversation]:
        """Conversations a person began in [since, until), with the first answer each got:
        our (or a teammate's) first message after theirs, and the first reply sent through
        h2h. By first_at, then id."""
        ...

    def stats_backlog(self, now: str) -> list[BacklogEntry]:
        """What the queue holds now (open, or snoozed until a time that has passed)."""
        ...

    def stats_daily(self, since: str, until: str) -> list[DailyCount]:
        """Messages per UTC day, source and role; replies sent through h2h count once."""
        ...

    def source_counts(self) -> dict[str, dict[str, int]]:
        """Per source: "mentions" stored, "conversations", and "open" ones in `reply`."""
        ...


class Memory(Protocol):
    """Answer memory and the knowledge file (h2h/draft/memory.py, knowledge.py): documents
    with their terms, ranked by BM25; documents are dicts, column -> value."""

    def our_messages_after(self, after_id: int, limit: int = 500) -> list[dict[str, Any]]:
        """Our messages (ours and the team's) after mention `after_id`, oldest first, with the
        conversation of the message each answers."""
        ...

    def indexed_answers_upto(self) -> int: ...

    def set_indexed_answers_upto(self, mention_id: int) -> None: ...

    def add_answer(self, values: Mapping[str, Any], question_terms: Sequence[str], answer_terms: Sequence[str]) -> int:
        """One of our replies and what it answered; again for the same mention replaces it."""
        ...

    def knowledge_digest(self) -> str | None: ...

    def replace_knowledge(self, entries: Sequence[tuple[Mapping[str, Any], Sequence[str], Sequence[str]]],
                          digest: str) -> None:
        """The whole knowledge file at once: (entry, question terms, answer terms) each."""
        ...

    def knowledge_entries(self) -> list[dict[str, Any]]: ...

    def search(self, kind: str, terms: Sequence[str], *, limit: int = 20, weights: tuple[float, float] = (1.0, 0.3),
               exclude: Sequence[str | None] = ()) -> list[dict[str, Any]]:
        """The documents of `kind` ("answers" or "knowledge") sharing a term with `terms`, best
        BM25 first; each row has the document's columns, `rank` (lower is better, as FTS5 has
        it) and `q_terms`/`a_terms`, its indexed terms. Answers filed in one of the
        conversations `exclude` names (None: in no conversation) are left out."""
        ...

    def term_counts(self, kind: str, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        """How many documents of `kind` there are, and in how many of their questions each term occurs."""
        ...

    def recent_draft_texts(self, *, exclude: str | None = None, limit: int = 60) -> list[str]:
        """The latest draft of each of the `limit` conversations drafted most recently, but `exclude`."""
        ...

    def draft_variants_of(self, conversation: str) -> list[list[str]]:
        """The template lines of every draft of a conversation, oldest first."""
        ...

    def set_draft_grounding(self, draft_id: int, grounding: Mapping[str, Any] | None) -> None: ...

    def knowledge_translation(self, entry: str, lang: str) -> dict[str, Any] | None: ...


class Store(Mentions, Conversations, People, Replies, Drafts, Cursors, Stats, Memory, Protocol):
    def transaction(self) -> AbstractContextManager[Store]:
        """All of the block's writes, or none; nested, a savepoint."""
        ...

    def bulk(self, lock_wait_s: float = 60.0) -> AbstractContextManager[Store]:
        """For a batch job (a large import): wait longer for another writer, and tune the
        backend for many writes. Durability is unchanged."""
        ...

    def data_version(self) -> int:
        """Changes whenever another connection commits (this one's writes do not change it)."""
        ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...
