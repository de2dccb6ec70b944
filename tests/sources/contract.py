"""The contract every source adapter passes (DESIGN §4, §9).

A test module subclasses `SourceContract` and provides three fixtures:

- `source`: an adapter wired to a scenario (a loopback server replaying real
  recordings, or memory) holding at least two mentions;
- `failing_source`: a function `kind -> adapter` whose next fetch fails as
  `kind` says, for each kind in `failure_kinds`;
- `sent_count`: a function `() -> int`, how many posts the platform received
  (only used when `supports_send`).
"""

from __future__ import annotations

import json
from datetime import timezone
from pathlib import Path
from typing import Any, Callable, ClassVar

import pytest

from h2h import errors
from h2h.models import Mention, Person, SentReply, Thread
from h2h.sources.base import SOURCE_API_VERSION, Page, Source

EXPECTED = {
    "auth": errors.AuthError,
    "not_found": errors.NotFound,
    "rate_limited": errors.RateLimited,
    "malformed": errors.SourceError,
    "server": errors.RemoteError,
}
MAX_PAGES = 1000
LEGACY = Path(__file__).with_name("legacy_cursors.json")


def legacy_cursors(kind: str, scenario: str = "contract") -> list[dict[str, Any]]:
    """Cursors that earlier versions stored, with what resuming from each brought then."""
    cases = json.loads(LEGACY.read_text(encoding="utf-8"))["cursors"].get(kind, [])
    return [c for c in cases if c["scenario"] == scenario]


def fetch_all(source: Source, cursor: str | None = None) -> list[Page]:
    pages = []
    for page in source.fetch_mentions(cursor):
        pages.append(page)
        assert len(pages) < MAX_PAGES, "pagination never ends"
    return pages


class SourceContract:
    failure_kinds: ClassVar[tuple[str, ...]] = ("auth", "malformed")
    supports_send: ClassVar[bool] = True
    scenario: ClassVar[str] = "contract"  # which recordings the legacy cursors were captured on

    def test_declares_type_and_api_version(self, source: Source) -> None:
        assert isinstance(source, Source)
        assert isinstance(type(source).type, str) and type(source).type
        assert type(source).api_version == SOURCE_API_VERSION

    def test_whoami_is_a_person(self, source: Source) -> None:
        me = source.whoami()
        assert isinstance(me, Person)
        assert me.handle

    def test_mentions_are_models_with_raw_kept(self, source: Source) -> None:
        mentions = [m for p in fetch_all(source) for m in p.mentions]
        assert len(mentions) >= 2
        for m in mentions:
            assert isinstance(m, Mention) and isinstance(m.author, Person)
            assert m.source == source.name
            assert m.remote_id and isinstance(m.remote_id, str)
            assert m.created_at.tzinfo is not None and m.created_at.utcoffset() == timezone.utc.utcoffset(None)
            assert isinstance(m.text, str) and "<p>" not in m.text and "<br" not in m.text
            assert m.raw, "the platform's JSON must be kept in raw"

    def test_ids_are_unique(self, source: Source) -> None:
        ids = [m.remote_id for p in fetch_all(source) for m in p.mentions]
        assert len(ids) == len(set(ids))

    def test_pagination_ends_and_resumes_without_duplicates(self, source: Source) -> None:
        pages = fetch_all(source)
        seen = {m.remote_id for p in pages for m in p.mentions}
        last = next((p.cursor for p in reversed(pages) if p.cursor is not None), None)
        if last is not None:
            again = {m.remote_id for p in fetch_all(source, last) for m in p.mentions}
            assert not (again & seen), "resuming from the final cursor returned mentions already fetched"

    def test_intermediate_cursors_lose_nothing(self, source: Source) -> None:
        pages = fetch_all(source)
        everything = {m.remote_id for p in pages for m in p.mentions}
        for k, page in enumerate(pages[:-1]):
            if page.cursor is None:
                continue
            before = {m.remote_id for p in pages[: k + 1] for m in p.mentions}
            rest = {m.remote_id for p in fetch_all(source, page.cursor) for m in p.mentions}
            assert everything - before <= rest, f"resuming after page {k} lost mentions"

    def test_cursors_saved_by_earlier_versions_resume_as_they_did(self, source: Source) -> None:
        for case in legacy_cursors(type(source).type, self.scenario):
            got = [m.remote_id for p in fetch_all(source, case["cursor"]) for m in p.mentions]
            assert got == case["rest"], f"resuming from the cursor saved after page {case['after_page']}"

    def test_thread_holds_models(self, source: Source) -> None:
        first = next(m for p in fetch_all(source) for m in p.mentions)
        thread = source.fetch_thread(first)
        assert isinstance(thread, Thread)
        assert all(isinstance(m, Mention) for m in thread.mentions)

    def test_errors_map_to_h2h_errors(self, failing_source: Callable[[str], Source]) -> None:
        for kind in self.failure_kinds:
            broken = failing_source(kind)
            with pytest.raises(EXPECTED[kind]):
                fetch_all(broken)

    def test_send_is_idempotent(self, source: Source, sent_count: Callable[[], int]) -> None:
        first = next(m for p in fetch_all(source) for m in p.mentions)
        if not self.supports_send:
            with pytest.raises(errors.NotSupported):
                source.send_reply(first, "hello", key="k-1")
            return
        before = sent_count()
        a = source.send_reply(first, "Thanks, looking into it.", key="h2h-test-key-1")
        b = source.send_reply(first, "Thanks, looking into it.", key="h2h-test-key-1")
        assert isinstance(a, SentReply) and isinstance(b, SentReply)
        assert a.remote_id == b.remote_id
        assert sent_count() - before == 1, "the same key must post once"


    def test_our_earlier_reply_is_found_whatever_its_text(self, source: Source,
                                                         sent_count: Callable[[], int]) -> None:
        if not self.supports_send:
            return
        first = _answerable(source)
        a = source.send_reply(first, "Thanks, looking into it.", key="h2h-test-key-2")
        found = source.find_replies(first, key="h2h-test-key-2")  # type: ignore[attr-defined]
        assert all(isinstance(f, SentReply) and f.in_reply_to == first.remote_id for f in found)
        assert a.remote_id in [f.remote_id for f in found]

    @pytest.mark.parametrize("reword", [False, True], ids=["same-draft", "reworded"])
    @pytest.mark.parametrize("fault", ["lost", "killed", "never_arrived"])
    def test_after_an_unknown_outcome_the_platform_holds_one_reply(self, source: Source, sent_count: Callable[[], int],
                                                                   fault: str, reword: bool) -> None:
        """Through the reply layer: the post reaches the stand-in and its answer is lost, or
        the process dies right after it (kill -9), or it never arrived; the draft is reworded
        or not, and two more attempts follow. The platform received exactly one post."""
        if not self.supports_send:
            return
        from h2h import clock
        from h2h.ingest.ingest import ingest
        from h2h.reply import send
        from tests.draft.world import World

        world = World()
        first = _answerable(source)
        ingest(world.store, [first], world.engine)
        row = world.store.mention(first.source, first.remote_id)
        ident = world.store.conversation_by_id(row.conversation_id).key
        before = sent_count()
        plan = send.plan(world.store, world.config, world.engine, ident)
        if fault == "killed":
            with pytest.raises(_Killed):
                send.send(world.store, world.config, world.engine, plan, source=_Faulty(source, fault))
        else:
            with pytest.raises(errors.RemoteError) as info:
                send.send(world.store, world.config, world.engine, plan, source=_Faulty(source, fault))
            assert info.value.code == "maybe_posted"
        assert sent_count() - before == (0 if fault == "never_arrived" else 1)
        if reword:
            with world.store.transaction():
                world.store.add_draft(conversation=ident, text="Reworded: it is under Settings, then Export.",
                                      backend="edited", lang="en", intent="question", lint=[], edited=True,
                                      created_at=clock.iso(clock.now()))
        statuses = []
        for _ in range(2):
            p = send.plan(world.store, world.config, world.engine, ident)
            assert p.previous in ("pending", "sent")
            statuses.append(send.send(world.store, world.config, world.engine, p, source=source).status)
        assert sent_count() - before == 1, f"{fault}, {'reworded' if reword else 'same draft'}: posted again"
        assert statuses == (["sent", "already_sent"] if fault == "never_arrived" else ["already_sent"] * 2)
        assert world.conversation(ident).state == "answered"


class _Killed(BaseException):
    """Stands for kill -9 right after the post: nothing after it runs."""


class _Faulty:
    """The real adapter, whose post's answer is lost (after it reached the platform, or
    before), or whose process dies right after posting."""

    def __init__(self, inner: Any, fault: str):
        self.inner, self.fault = inner, fault
        self.name = inner.name

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply:
        if self.fault != "never_arrived":
            self.inner.send_reply(mention, text, key=key)
        if self.fault == "killed":
            raise _Killed()
        raise errors.RemoteError(f"{self.name}: the server did not answer in time")


def _answerable(source: Source) -> Mention:
    """A person's message: one addressed to us if the scenario has one."""
    theirs = [m for p in fetch_all(source) for m in p.mentions if not m.from_me]
    return next((m for m in theirs if m.to_me), theirs[0])


def pages_of(source: Source) -> list[Any]:
    return fetch_all(source)
