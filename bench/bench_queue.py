"""`h2h queue --jsonl --limit 50` over a database of N stored mentions, against the
bare indexed SQLite query that returns the same rows.

    python bench/bench_queue.py --count 1000000

Targets (issue 8): <= 150 ms, and within 3x of the bare query. The bare query is
timed two ways: inside a warm process (the SQL alone), and as a whole `python -c`
process that opens the database and prints the rows as JSON Lines (what a script
doing it by hand pays); the ratio is taken against the latter, process to process.
The database is the one bench_import.py leaves (or built here). The rows in common
are fewer than 50 when the `elsewhere` term (a person waiting in several
conversations; computed at query time, never by the bare query) moves some in.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

# The queue's rows without h2h: best base score first in the `reply` section, read
# through the conversations_queue index, with the person and the latest message.
BARE = """SELECT c.key, c.section, c.base_score, c.reasons, c.source, c.platform, c.waiting_since, c.lang,
       p.handle, p.name, p.url, m.text, m.url
FROM conversations c JOIN persons p ON p.id = c.person_id LEFT JOIN mentions m ON m.id = c.latest_mention_id
WHERE c.active = 1 AND c.section = 'reply' AND c.state = 'open'
ORDER BY c.base_score DESC, c.waiting_since, c.id DESC LIMIT 50"""

BARE_SCRIPT = f"""
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
for row in conn.execute({BARE!r}):
    sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\\n")
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", "-n", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--home", type=Path, default=None, help="an H2H_HOME with the database (default: built)")
    args = ap.parse_args()
    home = args.home or common.database(args.count)
    db = home / "h2h.db"
    # After the newest message by more than the SLA: every waiting term is saturated, so
    # the queue's order is the index order and the bare query can return the same rows.
    newest = sqlite3.connect(db).execute("SELECT max(created_at) FROM mentions").fetchone()[0]
    now = newest[:4] + "-12-31T00:00:00Z" if newest < newest[:4] + "-12-30" else newest
    environ = common.env(home, H2H_NOW=now)
    cmd = common.h2h_cmd() + ["queue", "--jsonl", "--limit", "50"]
    out = subprocess.run(cmd, env=environ, capture_output=True, text=True, check=True).stdout
    ours = [json.loads(line)["id"] for line in out.splitlines()]
    conn = sqlite3.connect(db)
    bare = [r[0] for r in conn.execute(BARE)]
    common_rows = len(set(ours) & set(bare))
    t = time.perf_counter()
    for _ in range(args.runs):
        conn.execute(BARE).fetchall()
    sql_ms = (time.perf_counter() - t) / args.runs * 1000
    queue_t = common.wall(cmd, environ, args.runs)
    queue_cpu = common.cpu_summary()
    bare_t = common.wall([sys.executable, "-c", BARE_SCRIPT, str(db)], environ, args.runs)
    bare_cpu = common.cpu_summary()
    n = conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
    c = conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
    print(f"database: {n:,} mentions, {c:,} conversations ({db.stat().st_size / 2**20:,.0f} MB); H2H_NOW={now}")
    print(f"h2h queue --jsonl --limit 50: {common.summary(queue_t)}; {queue_cpu}")
    print(f"bare query, whole python process: {common.summary(bare_t)}; {bare_cpu}")
    print(f"bare query, SQL alone in a warm process: {sql_ms:.2f} ms")
    med = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    print(f"ratio h2h / bare process: {med(queue_t) / med(bare_t):.2f}x; rows in common: {common_rows} of "
          f"{len(bare)} (load average {common.load()})")


if __name__ == "__main__":
    main()
