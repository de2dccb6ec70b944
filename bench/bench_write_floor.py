"""The floor under `h2h import`: what SQLite alone spends storing N mentions that are
already analyzed, grouped and judged, in h2h's schema, from one writer.

    python bench/bench_write_floor.py --count 1000000

It copies the rows a finished import left (bench_import.py's database) into a fresh
database, in the import's order and batches (500 mentions, ten batches a
transaction): each batch's new persons, its new conversations (with their final
verdicts, so each is written once where an import writes and re-judges it) and its
mentions, with executemany. Reading the source is not timed. No grouping, judging
or signals: every figure an import reaches is above this one.

`--defer-indexes` measures the most a bulk load could gain from its indexes: every
index but the UNIQUE ones (which the import's lookups need) is dropped first and
built again at the end, and that build is timed too; `--defer a,b` does the same for the
named indexes only. `--defer-search` writes with the search index's per-row trigger
off and feeds the index once at the end (timed), as `h2h import` does now.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

BATCH = 500
PER_TRANSACTION = 10


def _insert(table: str, columns: list[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", "-n", type=int, default=1_000_000)
    ap.add_argument("--defer-indexes", action="store_true")
    ap.add_argument("--defer", default="", help="comma-separated index names to build at the end instead")
    ap.add_argument("--defer-search", action="store_true",
                    help="no search index while writing: built once at the end (timed)")
    ap.add_argument("--cache-mib", type=int, default=None, help="SQLite page cache (default: h2h's)")
    args = ap.parse_args()
    from h2h.store.sqlite import SQLiteStore

    source = sqlite3.connect(common.database(args.count) / "h2h.db")
    home = common.CACHE / f"floor-{args.count}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    store = SQLiteStore.open(home / "h2h.db")
    conn = store.conn
    if args.cache_mib:
        conn.execute(f"PRAGMA cache_size = -{args.cache_mib * 1024}")
    cache_mib = -conn.execute("PRAGMA cache_size").fetchone()[0] // 1024
    cols = {t: [r[1] for r in source.execute(f"PRAGMA table_info({t})")] for t in ("persons", "conversations", "mentions")}
    sql = {t: _insert(t, c) for t, c in cols.items()}
    deferred = [r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                                           "AND tbl_name IN ('persons', 'conversations', 'mentions')")]
    if args.defer:
        names = args.defer.split(",")
        deferred = [r[0] for r in conn.execute(f"SELECT sql FROM sqlite_master WHERE name IN ({', '.join('?' * len(names))})",
                                               names)]
        for name in names:
            conn.execute(f"DROP INDEX {name}")
    if args.defer_indexes:
        for name, in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                                  "AND tbl_name IN ('persons', 'conversations', 'mentions')").fetchall():
            conn.execute(f"DROP INDEX {name}")
    if args.defer_search:
        conn.execute("DROP TRIGGER mention_search_insert")
    persons_seen: set[int] = set()
    convs_seen: set[int] = set()
    wall = cpu = 0.0
    last_id = 0
    written = 0
    while written < args.count:
        batches = []
        for _ in range(PER_TRANSACTION):
            rows = source.execute(f"SELECT {', '.join(cols['mentions'])} FROM mentions WHERE id > ? ORDER BY id LIMIT ?",
                                  (last_id, BATCH)).fetchall()
            if not rows:
                break
            last_id = rows[-1][0]
            pids = sorted({r[4] for r in rows} - persons_seen)
            cids = sorted({r[5] for r in rows if r[5] is not None} - convs_seen)
            persons_seen.update(pids)
            convs_seen.update(cids)
            persons = source.execute(f"SELECT {', '.join(cols['persons'])} FROM persons WHERE id IN "
                                     f"({', '.join('?' * len(pids))})", pids).fetchall() if pids else []
            convs = source.execute(f"SELECT {', '.join(cols['conversations'])} FROM conversations WHERE id IN "
                                   f"({', '.join('?' * len(cids))})", cids).fetchall() if cids else []
            batches.append((persons, convs, rows))
        if not batches:
            break
        t, c = time.perf_counter(), time.process_time()
        conn.execute("BEGIN IMMEDIATE")
        for persons, convs, rows in batches:
            conn.executemany(sql["persons"], persons)
            conn.executemany(sql["conversations"], convs)
            conn.executemany(sql["mentions"], rows)
        conn.execute("COMMIT")
        wall += time.perf_counter() - t
        cpu += time.process_time() - c
        written += sum(len(b[2]) for b in batches)
    if args.defer_indexes or args.defer:
        t, c = time.perf_counter(), time.process_time()
        conn.execute("BEGIN IMMEDIATE")
        for create in deferred:
            conn.execute(create)
        conn.execute("COMMIT")
        wall += time.perf_counter() - t
        cpu += time.process_time() - c
        print(f"{len(deferred)} indexes built at the end in {time.perf_counter() - t:.1f} s")
    if args.defer_search:
        t, c = time.perf_counter(), time.process_time()
        conn.execute("INSERT INTO mention_search (mention_search) VALUES ('rebuild')")
        conn.commit()
        wall += time.perf_counter() - t
        cpu += time.process_time() - c
        print(f"search index built at the end in {time.perf_counter() - t:.1f} s")
    how = "other indexes built at the end" if args.defer_indexes else "every index kept"
    print(f"SQLite alone ({how}, {cache_mib} MB page cache), {written:,} analyzed mentions ({len(persons_seen):,} persons, {len(convs_seen):,} "
          f"conversations) in h2h's schema: {wall:.1f} s wall, {cpu:.1f} s CPU; "
          f"{wall / written * 1e6:.0f} us wall and {cpu / written * 1e6:.0f} us CPU a mention; "
          f"at most {written / wall:,.0f} mentions/s (load average {common.load()})")


if __name__ == "__main__":
    main()
