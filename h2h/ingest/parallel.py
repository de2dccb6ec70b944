"""CPU-bound work (parsing, signals) spread over processes, results in input order.

SQLite has one writer, so the writing process should do nothing else: the
pure work on the next chunks runs in worker processes while it writes. Small
inputs never pay for a pool: the first chunk runs here, and workers start only
when a second chunk arrives. Look-ahead is bounded, so memory does not grow with
the input.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import threading
from collections import deque
from typing import Any, Callable, Iterable, Iterator, TypeVar

from h2h.errors import UsageError

A = TypeVar("A")
B = TypeVar("B")

_END = object()
MAX_WORKERS = 256
_work: Callable[[Any], Any] | None = None


def default_workers() -> int:
    """One per core; the writer mostly waits on SQLite, which releases the GIL."""
    env = os.environ.get("H2H_WORKERS")
    if env is not None and env.strip().isdigit():
        # Each is a process: a typo of many digits would fork until the process table is full.
        if len(env.strip()) > 4 or int(env) > MAX_WORKERS:
            raise UsageError(f"H2H_WORKERS={env.strip()[:20]} is more than {MAX_WORKERS} worker processes",
                             hint="Set H2H_WORKERS to the number of cores (or 0 for one process), or unset it.")
        return int(env)
    return min(os.cpu_count() or 1, 4)


def _die_with_parent() -> None:
    # A worker must not outlive an import killed with -9: ask Linux to kill it too.
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _init(work: Callable[[Any], Any], parent: int) -> None:
    global _work
    _work = work
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles ^C and terminates us
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _run(chunk: Any) -> Any:
    assert _work is not None
    return _work(chunk)


def _context() -> Any:
    import multiprocessing  # not at import: `h2h queue` imports this module and never needs it

    # fork is cheap and inherits imports, but is unsafe once other threads exist.
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def ordered_map(work: Callable[[A], B], chunks: Iterable[A], *, workers: int) -> Iterator[B]:
    """work(chunk) for every chunk, in order. `work` must be picklable (a module-level
    function or a functools.partial of one) when workers > 0."""
    it = iter(chunks)
    first = next(it, _END)
    if first is _END:
        return
    second = next(it, _END) if workers > 0 else _END
    if second is _END:
        yield work(first)  # type: ignore[arg-type]
        for chunk in it:
            yield work(chunk)
        return
    pool = _context().Pool(workers, initializer=_init, initargs=(work, os.getpid()))
    try:
        pending: deque[Any] = deque()
        ahead = workers + 2  # each worker busy, one result waiting: more only holds memory
        for chunk in itertools.chain((first, second), it):  # type: ignore[assignment]
            pending.append(pool.apply_async(_run, (chunk,)))
            while len(pending) >= ahead:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
        pool.close()
    finally:
        pool.terminate()
        pool.join()
