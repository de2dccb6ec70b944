"""The fetch runner: concurrent sources, one writer, a page and its cursor per
transaction, failures reported while the others finish, threads read."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

from h2h import errors
from h2h.errors import ExitCode
from h2h.fetch import runner
from h2h.fetch.lock import FetchLock
from h2h.models import Mention, Person, Thread
from h2h.sources.base import Page
from h2h.sources.http import RATE_HEADERS, RateBudget
from h2h.sources.memory import MemorySource
from h2h.store import Store
from h2h.store.sqlite import SQLiteStore
from h2h.triage.engine import Engine
from h2h.triage.handles import account_set

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def person(i: int, source: str = "a") -> Person:
    return Person(source=source, remote_id=f"u{i}", handle=f"@user{i}@example.social", name=f"User {i}")


def mentions(n: int, source: str = "a", start: int = 0) -> list[Mention]:
    return [Mention(source=source, platform="memory", remote_id=f"{source}{i}", author=person(i % 5, source),
                    text=f"How do I export my data, part {i}?", created_at=T0 + timedelta(minutes=i))
            for i in range(start, start + n)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = SQLiteStore.open(tmp_path / "h2h.db")
    yield s
    s.close()


def stored(store: Store, source: str) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT remote_id FROM mentions WHERE source = ? ORDER BY remote_id",
                                             (source,))]


def states(store: Store) -> dict[str, str]:
    return {r["thread_root"]: r["state"] for r in store.conn.execute("SELECT thread_root, state FROM conversations")}


class FailsAfter(MemorySource):
    """Fails once `pages` pages were handed out: a network cut in the middle of a walk."""

    def __init__(self, *args: Any, pages: int, error: Exception, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pages, self.error = pages, error

    def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
        for n, page in enumerate(super().fetch_mentions(cursor)):
            if n >= self.pages:
                raise self.error
            yield page


def test_sources_are_fetched_together_and_cursors_saved(store: Store) -> None:
    a = MemorySource("a", mentions(7, "a"), page_size=3)
    b = MemorySource("b", mentions(4, "b"), page_size=2)
    report = runner.fetch(store, Engine(), [a, b])
    assert report.error() is None
    assert {r.name: (r.pages, r.fetched, r.new) for r in report.sources} == {"a": (3, 7, 7), "b": (2, 4, 4)}
    assert len(stored(store, "a")) == 7 and len(stored(store, "b")) == 4
    assert store.get_cursor("a") == "7" and store.get_cursor("b") == "4"
    again = runner.fetch(store, Engine(), [a, b])
    assert sum(r.fetched for r in again.sources) == 0
    a.add(mentions(2, "a", start=7))
    third = runner.fetch(store, Engine(), [a, b])
    assert [r.new for r in third.sources] == [2, 0] and len(stored(store, "a")) == 9


def test_a_failing_source_is_reported_while_the_other_finishes(store: Store) -> None:
    good = MemorySource("good", mentions(5, "good"), page_size=2)
    bad = FailsAfter("bad", mentions(6, "bad"), page_size=2, pages=2,
                     error=errors.RemoteError("bad: example.social answered 502"))
    report = runner.fetch(store, Engine(), [good, bad])
    err = report.error()
    assert isinstance(err, errors.PartialFailure) and err.exit_code == ExitCode.PARTIAL
    assert err.message == "1 of 2 sources failed: bad"
    assert report.failed[0].message() == "bad: example.social answered 502"
    assert len(stored(store, "good")) == 5
    # What the bad source delivered before failing is kept, with the cursor that resumes after it.
    assert len(stored(store, "bad")) == 4 and store.get_cursor("bad") == "4"
    status = store.source_statuses()
    assert status["bad"].failures == 1 and status["bad"].last_error_code == "remote"
    assert status["good"].last_success_at and status["good"].last_error is None
    bad.pages = 99
    assert runner.fetch(store, Engine(), [bad]).error() is None
    assert stored(store, "bad") == sorted(f"bad{i}" for i in range(6))
    after = store.source_statuses()["bad"]
    assert after.failures == 0 and after.last_error_code == "remote"  # the last error stays visible


def test_all_failed_gives_their_common_code(store: Store) -> None:
    one = MemorySource("one", mentions(1, "one"))
    two = MemorySource("two", mentions(1, "two"))
    one.failure = errors.AuthError("one: bad token")
    two.failure = errors.AuthError("two: bad token")
    err = runner.fetch(store, Engine(), [one, two]).error()
    assert err is not None and err.exit_code == ExitCode.AUTH and "one: bad token" in err.message
    two.failure = errors.RemoteError("two: down")
    err = runner.fetch(store, Engine(), [one, two]).error()
    assert err is not None and err.exit_code == ExitCode.ERROR and err.code == "fetch_failed"
    err = runner.fetch(store, Engine(), [two]).error()
    assert isinstance(err, errors.RemoteError) and err.exit_code == ExitCode.REMOTE


def test_a_crashing_adapter_costs_only_its_source(store: Store) -> None:
    class Broken(MemorySource):
        def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
            raise KeyError("oops")
            yield  # pragma: no cover

    report = runner.fetch(store, Engine(), [Broken("broken"), MemorySource("ok", mentions(2, "ok"))])
    err = report.error()
    assert isinstance(err, errors.PartialFailure)
    assert report.sources[0].error is not None and report.sources[0].error.code == "adapter"
    assert len(stored(store, "ok")) == 2


def test_a_mention_missing_from_a_later_fetch_is_kept(store: Store) -> None:
    src = MemorySource("a", mentions(4, "a"))
    runner.fetch(store, Engine(), [src])
    store.set_cursor("a", None)
    gone = MemorySource("a", mentions(2, "a"))  # two were deleted on the platform
    runner.fetch(store, Engine(), [gone])
    assert len(stored(store, "a")) == 4


def test_our_reply_found_in_the_thread_answers_the_conversation(store: Store) -> None:
    me = Person(source="a", remote_id="me", handle="@acme@example.social", name="Acme")
    src = MemorySource("a", mentions(1, "a"), me=me)
    src.send_reply(src._mentions[0], "Settings > Export.", key="k1")  # answered on the platform, not in h2h
    report = runner.fetch(store, Engine(), [src])
    assert report.sources[0].threads == 1 and report.sources[0].replies_found == 1
    assert states(store) == {"a0": "answered"}


def test_a_teammates_reply_answers_it_too(store: Store) -> None:
    jo = Person(source="a", remote_id="jo", handle="@jo@example.social", name="Jo")

    class WithTeam(MemorySource):
        def fetch_thread(self, mention: Mention) -> Thread:
            reply = Mention(source="a", platform="memory", remote_id="r1", author=jo, text="Done!",
                            created_at=mention.created_at + timedelta(minutes=5), in_reply_to=mention.remote_id,
                            to_me=False)
            return Thread(source="a", root=mention.remote_id, mentions=(mention, reply))

    # Bound to the source: on a "memory" platform a fediverse-looking handle names no one by its form.
    runner.fetch(store, Engine(team=account_set(["a:@jo@example.social"])), [WithTeam("a", mentions(1, "a"))])
    assert states(store) == {"a0": "answered"}
    roles = dict(store.conn.execute("SELECT remote_id, role FROM mentions").fetchall())
    assert roles == {"a0": "person", "r1": "team"}


def test_strangers_in_the_thread_are_not_stored(store: Store) -> None:
    class Crowded(MemorySource):
        def fetch_thread(self, mention: Mention) -> Thread:
            other = Mention(source="a", platform="memory", remote_id="x1", author=person(9), text="me too",
                            created_at=mention.created_at + timedelta(minutes=1), in_reply_to=mention.remote_id)
            return Thread(source="a", root="root0", mentions=(mention, other))

    runner.fetch(store, Engine(), [Crowded("a", mentions(1, "a"))])
    assert stored(store, "a") == ["a0"]
    assert store.conn.execute("SELECT thread FROM mentions").fetchone()[0] == "root0"


def test_open_conversations_are_reread_later(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    class NoThreadsAtFirst(MemorySource):
        def needs_thread(self, mention: Mention) -> bool:
            return False

    src = NoThreadsAtFirst("a", mentions(1, "a"))
    runner.fetch(store, Engine(), [src])
    assert states(store) == {"a0": "open"}
    src.send_reply(src._mentions[0], "Answered from my phone", key="k")
    runner.fetch(store, Engine(), [src])
    assert states(store) == {"a0": "open"}  # too soon to re-read
    monkeypatch.setenv("H2H_NOW", "2026-11-20T14:00:00Z")
    report = runner.fetch(store, Engine(), [src])
    assert report.sources[0].threads == 1 and states(store) == {"a0": "answered"}
    monkeypatch.setenv("H2H_NOW", "2026-11-20T16:00:00Z")
    assert runner.fetch(store, Engine(), [src]).sources[0].threads == 0  # answered: no longer re-read


def test_thread_reads_stop_before_the_budget_runs_out() -> None:
    budget = RateBudget(RATE_HEADERS["mastodon"])
    assert runner._budget_left(budget)
    budget.update({"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "100",
                   "X-RateLimit-Reset": "2099-01-01T00:00:00Z"})
    assert runner._budget_left(budget)
    budget.update({"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "29",
                   "X-RateLimit-Reset": "2099-01-01T00:00:00Z"})
    assert not runner._budget_left(budget)


def test_budget_is_recorded_for_h2h_sources(store: Store) -> None:
    src = MemorySource("a", mentions(1, "a"))
    src.budget = RateBudget(RATE_HEADERS["mastodon"])  # type: ignore[attr-defined]
    src.budget.update({"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "250",  # type: ignore[attr-defined]
                       "X-RateLimit-Reset": "2026-11-20T12:05:00Z"})
    report = runner.fetch(store, Engine(), [src])
    assert report.sources[0].rate_limit == {"limit": 300.0, "remaining": 250.0, "reset_at": "2026-11-20T12:05:00Z"}
    assert '"remaining":250.0' in store.source_statuses()["a"].rate_limit


def test_big_pages_commit_with_their_cursor_in_one_transaction(store: Store) -> None:
    src = MemorySource("a", mentions(1200, "a"), page_size=1100)  # more than ingest's default batch
    calls: list[int] = []
    original = store.set_cursor

    def spy(source: str, cursor: str | None) -> None:
        calls.append(store.conn.execute("SELECT count(*) FROM mentions").fetchone()[0])
        original(source, cursor)
    store.set_cursor = spy  # type: ignore[method-assign]
    runner.fetch(store, Engine(), [src])
    assert calls == [1100, 1200]  # the cursor is written only once the whole page is in


def test_select_and_build_report_bad_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    from h2h import config

    cfg = config.parse(b'[sources.m]\ntype = "mastodon"\nurl = "https://example.social"\ntoken_env = "H2H_NOPE"\n'
                       b'[sources.mem]\ntype = "memory"\n')
    with pytest.raises(errors.UsageError):
        runner.select(cfg, ["nope"])
    built, failed = runner.build(runner.select(cfg, []))
    assert [s.name for s in built] == ["mem"]
    assert failed[0].name == "m" and isinstance(failed[0].error, errors.ConfigError)
    with pytest.raises(errors.ConfigError):
        runner.select(config.Config(), [])


def test_the_lock_lets_one_fetch_run(tmp_path: Path) -> None:
    path = tmp_path / "fetch.lock"
    with FetchLock(path).acquire():
        with pytest.raises(errors.H2HError) as info:
            FetchLock(path).acquire()
        assert info.value.code == "fetch_running" and "pid" in info.value.message
    with FetchLock(path).acquire():
        pass


def test_a_second_run_can_wait_for_the_first(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "fetch.lock"
    first = FetchLock(path).acquire()
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(bool(FetchLock(path).acquire(wait=True, poll=0.01))))
    waiter.start()
    waiter.join(0.2)
    assert not got
    first.release()
    waiter.join(5)
    assert got == [True]


def test_reply_thread_fill_keeps_mentions_intact(store: Store) -> None:
    src = MemorySource("a", [m._replace(in_reply_to="zz") for m in mentions(2, "a")])
    runner.fetch(store, Engine(), [src])
    assert len(stored(store, "a")) == 2


def test_a_stored_mention_rebuilds_for_replies(store: Store, httpserver: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.sources.mastodon_server import RecordedMastodon
    from tests.sources.test_mastodon import make

    server = RecordedMastodon(httpserver)
    source = make(server, monkeypatch, notifications="v1")
    runner.fetch(store, Engine(), [source])
    mention = store.platform_mention("masto", "116275331587890092")
    assert mention is not None
    assert mention.author.handle == "@latencyobs@icosahedron.website" and mention.to_me
    assert mention.raw and mention.raw["status"]["visibility"] == "direct"
    sent = source.send_reply(mention, "Thanks!", key="from-the-store")
    assert sent.in_reply_to == "116275331587890092"
    assert server.post_bodies[-1]["visibility"] == "direct"
    assert store.platform_mention("masto", "nope") is None


def test_secrets_in_an_adapter_error_never_reach_the_report_or_database(store: Store) -> None:
    from h2h.redact import register

    register("sk-very-secret-token")

    class Leaky(MemorySource):
        def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
            raise ValueError("bad header Authorization: Bearer sk-very-secret-token")
            yield  # pragma: no cover

    report = runner.fetch(store, Engine(), [Leaky("leaky")])
    assert "sk-very-secret-token" not in json.dumps(report.to_json())
    row = store.source_statuses()["leaky"]
    assert "sk-very-secret-token" not in row.last_error and "***" in row.last_error
