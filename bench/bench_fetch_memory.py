"""Peak memory of one `h2h fetch` whatever the servers send.

    python bench/bench_fetch_memory.py [--runs 1]

Target (issue 15): <= 200 MB for the whole process (PSS, sampled every 100 ms), with
every hostile server of tests/faults/hostile_server.py answering at once, each behind its
own source: a body trickled a byte a second, an endless chunked body, a 1 GB JSON
answer, a 1 MB gzip bomb (1 GB inflated), 1.3 million tiny JSON objects (3.9 MB), the
largest answer the bounds let through (just under 4 MB and 100,000 objects) on three
sources, and a Reddit-shaped listing that never ends; plus one healthy source. Every
hostile source must stop with its bound's error and the run must exit 6.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
import common  # noqa: E402
from h2h.sources import bounds  # noqa: E402
from tests.faults import hostile_server as hs  # noqa: E402


def largest_allowed(send, _path: str) -> None:  # type: ignore[no-untyped-def]
    """As much parsed memory as the bounds let through: an answer just under the size bound holding
    just under the bound on JSON objects and arrays."""
    item = b'{"id": "%d", "account": {"id": "1", "acct": "a"}, "x": [1, 2]},'
    parts, size, n = [b"["], 1, 0
    most, containers = bounds.DEFAULT.response_bytes - 20_000, bounds.DEFAULT.json_containers - 100
    while size < most and 3 * n + 3 < containers:
        piece = item % n
        parts.append(piece)
        size += len(piece)
        n += 1
    parts.append(b'{"pad": "' + b"p" * max(0, most - size) + b'"}]')
    body = b"".join(parts)
    send(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)


def endless_listing() -> ThreadingHTTPServer:
    def answer(path: str) -> tuple[int, bytes]:
        if "/comments/" in path:
            return 404, b'{"error": 404}'
        after = (parse_qs(urlsplit(path).query).get("after") or ["p0"])[0]
        n = int(after[1:]) + 1
        children = [{"kind": "t1", "data": {"name": f"t1_{n}x{i}", "created_utc": time.time() - 60, "author": "m",
                                            "body": "b" * 2000, "link_id": "t3_a", "parent_id": "t3_a"}}
                    for i in range(100)]
        return 200, json.dumps({"kind": "Listing", "data": {"after": f"p{n}", "children": children}}).encode()

    return common.json_server(answer)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    hostile = {"/trickle": hs.trickle, "/chunked": hs.endless_chunked, "/huge": hs.huge_json(1.0),
               "/bomb": hs.bomb(hs.gzip_bomb(1024)), "/objects": hs.many_objects(1_300_000),
               "/big1": largest_allowed, "/big2": largest_allowed, "/big3": largest_allowed}
    server = hs.HostileServer(hostile)
    listing = endless_listing()
    tables = ['[me]\nname = "Alex"\nhandles = ["@acme@mastodon.social"]\n\n[sources.healthy]\ntype = "memory"\n']
    for prefix in hostile:
        tables.append(f'[sources.{prefix[1:]}]\ntype = "mastodon"\nurl = "{server.url}{prefix}"\n'
                      'token_env = "H2H_BENCH_TOKEN"\nmax_response_time = "20s"\n')
    tables.append(f'[sources.listing]\ntype = "reddit"\nurl = "http://127.0.0.1:{listing.server_address[1]}"\n'
                  'token_env = "H2H_BENCH_TOKEN"\nusername = "acme"\nmax_listing_pages = 50\n')
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="h2h-bench-mem-") as tmp:
            home = Path(tmp)
            (home / "config.toml").write_text("\n".join(tables), encoding="utf-8")
            started = time.monotonic()
            result = common.measured(["--json", "fetch"], home, H2H_BENCH_TOKEN="bench-token-0001",
                                     stdout=open(home / "out.json", "w"))
            doc = json.loads((home / "out.json").read_text() or "{}")
            wall = time.monotonic() - started
        errors = {s["source"]: (s["error"] or {}).get("code") for s in doc.get("data", doc).get("sources", [])}
        print(f"h2h fetch, {len(hostile) + 1} hostile sources and one healthy, run {run + 1}: {wall:.1f} s wall; "
              f"peak memory, whole process (PSS): {result['pss_total_mb']:.0f} MB; peak RSS {result['rss_mb']:.0f} MB")
        print("  errors: " + ", ".join(f"{k}={v}" for k, v in sorted(errors.items())))
        print(f"  load average: {common.load()}")
    server.close()
    listing.shutdown()


if __name__ == "__main__":
    main()
