"""`h2h import`: JSON Lines parsed and analyzed in worker processes while this
process writes, in the same batches, with the same result, as ingest() would
make of the good lines. Bad lines are reported with their number and skipped.
"""

from __future__ import annotations

from functools import partial
from typing import IO, TYPE_CHECKING, Any, Callable, Iterator, Sequence

from h2h.ingest import parallel
from h2h.ingest.ingest import BATCH, Analyzed, IngestReport, analyze, ingest_analyzed, pack, unpack
from h2h.sources import jsonl
from h2h.sources.jsonl import BadLine
from h2h.triage.engine import Engine

if TYPE_CHECKING:
    from h2h.store import Store

# A bulk import waits this long for another writer (the default is a few seconds, for
# interactive commands); two imports at once then both finish.
BULK_LOCK_WAIT_S = 60.0
CHUNK_BYTES = 8 << 20  # with bounded look-ahead, caps the memory held by 10 MB lines


def _line_chunks(stream: IO[bytes], lines: int,
                 on_long: Callable[[BadLine], None] | None = None) -> Iterator[list[tuple[int, bytes | BadLine]]]:
    chunk: list[tuple[int, bytes | BadLine]] = []
    size = 0
    for number, raw in jsonl.lines(stream, on_long):
        if isinstance(raw, BadLine):
            continue  # told already, by on_long
        chunk.append((number, raw))
        size += len(raw)
        if len(chunk) >= lines or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def analyze_lines(engine: Engine, chunk: Sequence[tuple[int, bytes]], packed: bool = False) -> list[tuple[int, Any]]:
    """Import-format lines to (line number, Analyzed or BadLine); blank lines dropped."""
    from h2h.sources.jsonl import parse_line

    out: list[tuple[int, Any]] = []
    for number, raw in chunk:
        item = parse_line(number, raw)
        if item is None:
            continue
        if isinstance(item, BadLine):
            out.append((number, item))
        else:
            a = analyze(engine, item)
            out.append((number, pack(a) if packed else a))
    return out


def ingest_lines(store: Store, stream: IO[bytes], engine: Engine, *, report: IngestReport | None = None,
                 on_bad: Callable[[int, str], None] | None = None, workers: int = 0,
                 batch_size: int = BATCH, per_transaction: int = 1) -> IngestReport:
    """`h2h import`: lines parsed and analyzed in `workers` processes while this one writes.
    Bad lines go to report.bad (and on_bad) and the rest is imported, in the same batches
    as ingest() would make of the good lines."""
    report = report or IngestReport()
    work = partial(analyze_lines, engine, packed=workers > 0)

    def bad(item: BadLine) -> None:
        report.bad.append((item.line, item.message))
        if on_bad is not None:
            on_bad(item.line, item.message)

    def good() -> Iterator[Analyzed]:
        # An over-long line is told at once (its rest may never end), not after the chunks ahead of it.
        for chunk in parallel.ordered_map(work, _line_chunks(stream, batch_size, bad), workers=workers):
            for _, item in chunk:
                if isinstance(item, tuple):
                    yield unpack(item)
                elif isinstance(item, Analyzed):
                    yield item
                else:
                    bad(item)

    with store.bulk(lock_wait_s=BULK_LOCK_WAIT_S):
        return ingest_analyzed(store, good(), engine, report=report, batch_size=batch_size,
                               per_transaction=per_transaction)
