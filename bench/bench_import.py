"""`h2h import` of N synthetic mentions into a fresh database, with full scoring.

    python bench/bench_import.py --count 1000000

Target (issue 8): >= 10,000 messages/s on 2 cores, peak memory <= 200 MB.
Prints wall time, throughput, CPU of the writer and of the worker processes, the
peak memory of them all together (proportional set size from /proc, sampled every
100 ms: pages the forked workers share with the writer count once), peak RSS of the
writer and of the largest worker, and the machine's load average.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", "-n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", default=None, help="H2H_WORKERS for the run (default: h2h's choice)")
    args = ap.parse_args()
    src = common.synth_file(args.count, args.seed)
    home = common.CACHE / f"import-run-{args.count}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    extra = {"H2H_WORKERS": args.workers} if args.workers is not None else {}
    before = common.load()
    r = common.measured(["-q", "import", str(src)], home, **extra)
    db = home / "h2h.db"
    size = db.stat().st_size / 2**20
    print(f"h2h import {args.count:,} messages (seed {args.seed}): {r['wall']:.1f} s wall, "
          f"{args.count / r['wall']:,.0f} messages/s")
    print(f"  CPU: writer {r['cpu']:.1f} s ({r['cpu'] / args.count * 1e6:.0f} us/msg), "
          f"workers {r['cpu_workers']:.1f} s ({r['cpu_workers'] / args.count * 1e6:.0f} us/msg)")
    print(f"  peak memory, all processes together (PSS): {r['pss_total_mb']:.0f} MB; "
          f"peak RSS: writer {r['rss_mb']:.0f} MB, largest worker {r['rss_workers_mb']:.0f} MB")
    print(f"  database {size:,.0f} MB; load average before/after: {before}/{common.load()}")
    (home / ".complete").touch()  # bench_queue.py may use this database


if __name__ == "__main__":
    main()
