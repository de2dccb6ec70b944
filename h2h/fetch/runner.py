"""`h2h fetch`: new mentions from every source, sources side by side, one writer.

Each source runs in its own thread (HTTP is the bottleneck) and hands pages to
the calling thread, the only one that writes SQLite. A page is committed in one
transaction together with its cursor, so a fetch killed at any moment resumes
where the last committed page ended: nothing lost, nothing twice. A source that
fails is reported while the others finish. Nothing is ever deleted because a
fetch did not return it.

Threads are read where they can change the verdict: a reply, or a post someone
answered, may already have an answer from us or a teammate; open conversations
are re-read now and then, in case the user answered on the platform itself.

What the runner asks of a source, beyond the Source protocol (all optional):
- `Page.cursor` None means "keep the saved cursor": a newest-first walk yields
  None (or the unchanged cursor) until its last page, which carries the new one.
- `needs_thread(mention) -> bool`: whether reading the thread can change the
  verdict (default: every mention addressed to us).
- `fetch_thread` raising NotSupported: the source has no threads; NotFound:
  the post is gone (nothing is deleted).
- `budget`: a `sources.http.RateBudget`; thread reads stop before it runs low,
  and it is shown by `h2h sources`.

An adapter (a plugin above all) costs its own source only, however it breaks:
building it and reading it run in threads bounded by the source's
`time_limit`, and whatever they raise (KeyboardInterrupt and SystemExit
included: in a worker thread they can only come from the adapter) or a hang
past the limit fails that source, reported, while the others finish.
"""

from __future__ import annotations

import copy
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Iterable, Mapping, NamedTuple, Protocol, Sequence

from h2h import clock
from h2h.errors import ConfigError, H2HError, NotFound, NotSupported, PartialFailure, RemoteError, UsageError
from h2h.ingest.ingest import IngestReport, ingest
from h2h.models import Mention
from h2h.redact import redact
from h2h.triage import handles
from h2h.triage.engine import Engine

if TYPE_CHECKING:
    from h2h.config import Config, SourceConfig
    from h2h.store import Store

THREADS_PER_RUN = 50          # thread reads for new mentions, per source and run
RECHECK_PER_RUN = 10          # open conversations re-read per source and run
RECHECK_AFTER = timedelta(hours=1)
RESERVE = 0.1                 # share of a rate budget kept for paging and replies


class Progress(Protocol):
    def start(self, source: str) -> None: ...
    def page(self, source: str, fetched: int, new: int) -> None: ...
    def done(self, result: "SourceResult") -> None: ...


@dataclass
class SourceResult:
    name: str
    type: str
    ok: bool = True
    pages: int = 0
    fetched: int = 0
    new: int = 0
    updated: int = 0
    threads: int = 0
    replies_found: int = 0
    cursor_before: str | None = None
    cursor_after: str | None = None
    seconds: float = 0.0
    error: H2HError | None = None
    rate_limit: Mapping[str, Any] | None = None
    account: str | None = None

    def message(self) -> str:
        """What went wrong, naming the source once."""
        text = self.error.message if self.error else "failed"
        return text if text.startswith(f"{self.name}:") else f"{self.name}: {text}"

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.name, "type": self.type, "ok": self.ok, "pages": self.pages,
            "fetched": self.fetched, "new": self.new, "updated": self.updated, "threads": self.threads,
            "replies_found": self.replies_found, "seconds": round(self.seconds, 3),
            "cursor_moved": self.cursor_after != self.cursor_before,
            "error": None if self.error is None else {"code": self.error.code, "message": redact(self.error.message),
                                                      "hint": redact(self.error.hint)},
            "rate_limit": dict(self.rate_limit) if self.rate_limit else None,
            "account": self.account,
        }


@dataclass
class FetchReport:
    sources: list[SourceResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[SourceResult]:
        return [r for r in self.sources if not r.ok]

    def to_json(self) -> dict[str, Any]:
        return {"sources": [r.to_json() for r in self.sources], "seconds": round(self.seconds, 3),
                "fetched": sum(r.fetched for r in self.sources), "new": sum(r.new for r in self.sources),
                "failed": [r.name for r in self.failed]}

    def error(self) -> H2HError | None:
        """None when every source worked; PartialFailure (exit 6) when some did; when all failed,
        their common error (config 3, auth 4, remote 5), or a plain error when they differ."""
        failed = self.failed
        if not failed:
            return None
        lines = "; ".join(r.message() for r in failed)
        if len(failed) < len(self.sources):
            # Each failure is told on its own line (with its hint) before this summary.
            return PartialFailure(f"{len(failed)} of {len(self.sources)} sources failed: "
                                  + ", ".join(r.name for r in failed))
        first = failed[0].error or H2HError("failed")
        if len(failed) == 1:
            # The source's own error (its code, exit code and hint), saying which source it was.
            err = copy.copy(first)
            err.message = failed[0].message()
            err.args = (err.message,)
            return err
        if len({r.error.exit_code if r.error else 1 for r in failed}) == 1:
            err = H2HError(f"every source failed ({lines})", hint=first.hint, code=first.code)
            err.exit_code = first.exit_code
            return err
        return H2HError(f"every source failed ({lines})", hint=PartialFailure.hint, code="fetch_failed")


# --- building sources ----------------------------------------------------------------

def select(config: Config, names: Sequence[str]) -> list[SourceConfig]:
    """The `[sources.NAME]` tables to fetch: all of them, or the ones named."""
    if not config.sources:
        raise ConfigError("no sources are configured, so there is nothing to fetch",
                          hint="Add a [sources.NAME] table to the config (see `h2h init` and the README).")
    unknown = [n for n in names if n not in config.sources]
    if unknown:
        raise UsageError(f"no source named {', '.join(map(repr, unknown))}",
                         hint=f"Configured sources: {', '.join(sorted(config.sources))}.")
    return [config.sources[n] for n in (names or config.sources)]


class Deadline(NamedTuple):
    at: float          # time.monotonic()
    limit_s: float     # the source's time_limit


def deadlines(source_configs: Iterable[Any], start: float | None = None) -> dict[str, Deadline]:
    """When each source must be done: its `time_limit` from `start`."""
    from h2h.sources import options

    start = time.monotonic() if start is None else start
    limits = {sc.name: options.time_limit_s(sc.name, sc.table) for sc in source_configs}
    return {name: Deadline(start + limit, limit) for name, limit in limits.items()}


def over_time(name: str, what: str, limit_s: float) -> H2HError:
    return RemoteError(f"{name}: {what} within its time limit ({clock.human_duration(limit_s)})",
                       hint=f"Raise [sources.{name}] time_limit if the source is only slow; the other sources "
                            "were fetched.", code="time_limit")


def build(source_configs: Iterable[Any], until: Mapping[str, Deadline] | None = None) -> tuple[list[Any], list[SourceResult]]:
    """Adapters for the tables, built side by side; a table that cannot become one in time is
    a failed result, not a crash nor a hang."""
    from h2h.sources import registry

    configs = list(source_configs)
    until = dict(until) if until is not None else deadlines(configs)
    slots = [_Build(sc, registry.build) for sc in configs]
    for slot in slots:
        slot.start()
    built, failed = [], []
    for slot in slots:
        sc, deadline = slot.sc, until[slot.sc.name]
        slot.join(max(0.0, deadline.at - time.monotonic()))
        if slot.is_alive():
            error = over_time(sc.name, f"the {sc.type} adapter did not start", deadline.limit_s)
            failed.append(SourceResult(sc.name, sc.type, ok=False, error=error))
        elif slot.error is not None:
            failed.append(SourceResult(sc.name, sc.type, ok=False, error=slot.error))
        else:
            built.append(slot.source)
    return built, failed


class _Build(threading.Thread):
    def __init__(self, sc: Any, make: Any):
        super().__init__(name=f"h2h-build-{sc.name}", daemon=True)
        self.sc, self.make = sc, make
        self.source: Any = None
        self.error: H2HError | None = None
        self.began = time.monotonic()

    def run(self) -> None:
        try:
            self.source = self.make(self.sc)
        except H2HError as exc:
            self.error = exc
        except BaseException as exc:  # noqa: BLE001 - only the adapter's code runs here
            self.error = _adapter_error(self.sc.name, self.sc.type, exc)


def _adapter_error(name: str, kind: str, exc: BaseException) -> H2HError:
    return H2HError(f"{name}: the {kind} adapter failed: {type(exc).__name__}: {redact(str(exc))[:300]}",
                    hint="This is a bug in that adapter; other sources were fetched.", code="adapter")


# --- the run ----------------------------------------------------------------------------

def fetch(store: Store, engine: Engine, sources: Sequence[Any], *, progress: Progress | None = None,
          failed: Sequence[SourceResult] = (), threads_per_run: int = THREADS_PER_RUN,
          recheck_per_run: int = RECHECK_PER_RUN, until: Mapping[str, Deadline] | None = None) -> FetchReport:
    """Fetch every source concurrently; this thread is the only writer. Records each source's outcome.
    A source still running at its deadline (`until`, time.monotonic(); by default its
    time_limit from now) is stopped there and reported."""
    started = time.monotonic()
    until = dict(until or {})
    report = FetchReport()
    results: dict[str, SourceResult] = {}
    inbox: queue.Queue[tuple[Any, ...]] = queue.Queue(maxsize=max(4, 2 * len(sources)))
    stop = threading.Event()
    before = clock.iso(clock.now() - RECHECK_AFTER)
    for r in failed:
        _record(store, r)
        report.sources.append(r)
        if progress:
            progress.done(r)
    workers: dict[str, _Worker] = {}
    for source in sources:
        result = SourceResult(source.name, type(source).type, cursor_before=store.get_cursor(source.name))
        result.cursor_after = result.cursor_before
        results[source.name] = result
        report.sources.append(result)
        recheck = store.threads_to_recheck(source.name, before, recheck_per_run)
        worker = _Worker(source, result.cursor_before, recheck, engine, inbox, stop, threads_per_run)
        workers[source.name] = worker
        if source.name not in until:
            limit = _default_limit()
            until[source.name] = Deadline(started + limit, limit)
        if progress:
            progress.start(source.name)
    for worker in workers.values():
        worker.start()
    running = len(workers)
    finished: set[str] = set()

    def stop_late() -> int:
        now = time.monotonic()
        late = [n for n in workers if n not in finished and now >= until[n].at]
        for n in late:
            finished.add(n)
            workers[n].abandon()
            r = results[n]
            r.ok, r.seconds = False, now - workers[n].began
            r.error = over_time(n, "the fetch did not finish", until[n].limit_s)
            _record(store, r)
            if progress:
                progress.done(r)
        return len(late)

    try:
        while running:
            running -= stop_late()
            if not running:
                break
            try:
                item = inbox.get(timeout=0.2)
            except queue.Empty:
                continue
            kind, name = item[0], item[1]
            if name in finished:
                continue  # stopped at its time limit: what it sends after is dropped
            result = results[name]
            if kind == "page":
                _write_page(store, engine, result, item[2], item[3], item[4], item[5])
                if progress:
                    progress.page(name, result.fetched, result.new)
            elif kind == "threads":
                _write_threads(store, engine, result, item[2], item[3])
            elif kind == "done":
                running -= 1
                finished.add(name)
                error, started_at = item[2], item[3]
                result.seconds = time.monotonic() - started_at
                if error is not None:
                    result.ok, result.error = False, error
                budget = getattr(workers[name].source, "budget", None)
                result.rate_limit = _budget_json(budget)
                _record(store, result)
                if progress:
                    progress.done(result)
    except BaseException:
        stop.set()  # workers notice between pages; the open transaction (if any) was rolled back
        raise
    report.seconds = time.monotonic() - started
    return report


class _Worker(threading.Thread):
    """Reads one source: pages, then the threads they need. Never touches the store."""

    def __init__(self, source: Any, cursor: str | None, recheck: list[Mention], engine: Engine,
                 inbox: "queue.Queue[tuple[Any, ...]]", stop: threading.Event, thread_budget: int):
        super().__init__(name=f"h2h-fetch-{source.name}", daemon=True)
        self.source, self.cursor, self.recheck, self.engine = source, cursor, recheck, engine
        self.inbox, self.stop, self.thread_budget = inbox, stop, thread_budget
        self.threads_ok = callable(getattr(source, "fetch_thread", None))
        self.began = time.monotonic()
        self._abandoned = threading.Event()

    def abandon(self) -> None:
        """Past its time limit: stop between pages, send nothing more."""
        self._abandoned.set()

    def _stopping(self) -> bool:
        return self.stop.is_set() or self._abandoned.is_set()

    def run(self) -> None:
        started = self.began = time.monotonic()
        error: H2HError | None = None
        try:
            for page in self.source.fetch_mentions(self.cursor):
                if self._stopping():
                    return
                mentions = list(page.mentions)
                wanted = [m for m in mentions if self._wants_thread(m)]
                roots, extra, checked = self._threads(wanted)
                mentions = [m._replace(thread=roots[m.remote_id]) if m.remote_id in roots else m for m in mentions]
                self._put(("page", self.source.name, mentions, extra, page.cursor, checked))
            if self.recheck:
                _, extra, checked = self._threads(self.recheck)
                self._put(("threads", self.source.name, extra, checked))
        except H2HError as exc:
            error = exc
        except BaseException as exc:  # noqa: BLE001 - a broken adapter costs its source, not the run
            # KeyboardInterrupt and SystemExit too: signals reach the main thread only, so here
            # they were raised by the adapter itself.
            error = _adapter_error(self.source.name, type(self.source).type, exc)
        self._put(("done", self.source.name, error, started))

    def _put(self, item: tuple[Any, ...]) -> None:
        while not self._stopping():
            try:
                self.inbox.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def _wants_thread(self, m: Mention) -> bool:
        if not self.threads_ok or not m.to_me or m.from_me:
            return False
        needs = getattr(self.source, "needs_thread", None)
        return bool(needs(m)) if callable(needs) else True

    def _threads(self, wanted: list[Mention]) -> tuple[dict[str, str], list[Mention], list[str]]:
        """Thread roots, our and teammates' replies found, and the ids whose thread was read."""
        roots: dict[str, str] = {}
        extra: dict[str, Mention] = {}
        checked: list[str] = []
        for m in wanted:
            if self.thread_budget <= 0 or self._stopping() or not _budget_left(getattr(self.source, "budget", None)):
                break
            self.thread_budget -= 1
            try:
                thread = self.source.fetch_thread(m)
            except NotFound:
                checked.append(m.remote_id)  # deleted: nothing to read, and nothing is deleted here
                continue
            except NotSupported:
                self.threads_ok = False
                break
            except H2HError:
                break  # out of budget or the server is unwell: the pages matter more
            roots[m.remote_id] = thread.root
            checked.append(m.remote_id)
            for t in thread.mentions:
                if t.remote_id != m.remote_id and t.in_reply_to and self._ours(t):
                    extra[t.remote_id] = t
        return roots, list(extra.values()), checked

    def _ours(self, m: Mention) -> bool:
        return handles.role(m.author.handle, m.from_me, self.engine.me, self.engine.team, source=m.source,
                            platform=m.platform) != "person"


def _write_page(store: Store, engine: Engine, result: SourceResult, mentions: list[Mention],
                extra: list[Mention], cursor: str | None, checked: list[str]) -> None:
    """One transaction: the page's mentions, the replies found in their threads, then the cursor."""
    name = result.name
    batch = mentions + [m for m in extra if m.remote_id not in {x.remote_id for x in mentions}]
    report = IngestReport()
    new = sum(1 for m in mentions if store.mention(name, m.remote_id) is None)  # this thread alone writes

    def commit_cursor(s: Store, _: list[Mention] | None = None) -> None:
        s.mark_thread_checked(name, checked, clock.iso(clock.now()))
        if cursor is not None:
            s.set_cursor(name, cursor)

    if batch:
        ingest(store, batch, engine, report=report, batch_size=len(batch), after_batch=commit_cursor)
    else:
        with store.transaction():
            commit_cursor(store)
    if cursor is not None:
        result.cursor_after = cursor
    result.pages += 1
    result.fetched += len(mentions)
    result.new += new
    result.updated += report.updated
    result.threads += len(checked)
    result.replies_found += len(extra)


def _write_threads(store: Store, engine: Engine, result: SourceResult, extra: list[Mention],
                   checked: list[str]) -> None:
    def mark(s: Store, _: list[Mention] | None = None) -> None:
        s.mark_thread_checked(result.name, checked, clock.iso(clock.now()))

    if extra:
        ingest(store, extra, engine, batch_size=len(extra), after_batch=mark)
    else:
        with store.transaction():
            mark(store)
    result.threads += len(checked)
    result.replies_found += len(extra)


def _record(store: Store, r: SourceResult) -> None:
    err = (r.error.code, redact(r.error.message), redact(r.error.hint)) if r.error else None
    with store.transaction():
        store.record_fetch(r.name, r.type, at=clock.iso(clock.now()), ok=r.ok, duration_s=r.seconds,
                           fetched=r.fetched, new=r.new, error=err, rate_limit=r.rate_limit)


def _default_limit() -> float:
    from h2h.sources import options

    return options.time_limit_s("", {})


def _budget_json(budget: Any) -> dict[str, Any] | None:
    if budget is None or getattr(budget, "remaining", None) is None:
        return None
    data = budget.to_json()
    if data.get("reset_at") is not None:
        data["reset_at"] = clock.iso(clock.parse_time(data["reset_at"]))
    return data


def _budget_left(budget: Any) -> bool:
    """Keep a share of the budget for paging and replies: thread reads are the first to go."""
    if budget is None or budget.remaining is None or not budget.limit:
        return True
    if budget.wait_needed() > 0:
        return False
    return budget.remaining > max(2.0, budget.limit * RESERVE)


def run(config: Config, store: Store, engine: Engine, names: Sequence[str] = (), *, progress: Progress | None = None,
        wait: bool = False) -> FetchReport:
    """`h2h fetch`: the sources named (or all), under the fetch lock."""
    from h2h.fetch.lock import FetchLock

    configs = select(config, names)
    with FetchLock().acquire(wait=wait):
        until = deadlines(configs)  # building counts against the source's time limit
        sources, failed = build(configs, until)
        return fetch(store, engine, sources, progress=progress, failed=failed, until=until)


def check(store: Store, source_configs: Iterable[Any]) -> FetchReport:
    """`h2h sources check`: build each source and ask who we are there (one cheap authenticated call)."""
    started = time.monotonic()
    configs = list(source_configs)
    until = deadlines(configs, started)
    built, failed = build(configs, until)
    report = FetchReport(sources=list(failed))

    def ask(source: Any, result: SourceResult) -> None:
        begun = time.monotonic()
        try:
            result.account = source.whoami().handle
        except H2HError as exc:
            result.ok, result.error = False, exc
        except BaseException as exc:  # noqa: BLE001 - a broken adapter costs its source only
            result.ok = False
            result.error = _adapter_error(source.name, result.type, exc)
        result.seconds = time.monotonic() - begun
        result.rate_limit = _budget_json(getattr(source, "budget", None))

    pairs = [(s, SourceResult(s.name, type(s).type)) for s in built]
    threads = [threading.Thread(target=ask, args=pair, daemon=True) for pair in pairs]
    for t in threads:
        t.start()
    for t, (source, result) in zip(threads, pairs):
        t.join(max(0.0, until[source.name].at - time.monotonic()))
        if t.is_alive():
            result.ok, result.error = False, over_time(source.name, "the account check did not answer",
                                                       until[source.name].limit_s)
    for _, result in pairs:
        report.sources.append(result)
        with store.transaction():
            store.record_account(result.name, result.type, result.account, result.rate_limit)
    report.sources.sort(key=lambda r: r.name)
    report.seconds = time.monotonic() - started
    return report
