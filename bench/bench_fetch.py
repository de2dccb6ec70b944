"""`h2h fetch` over 6 sources that each answer every request after 200 ms, against
the slowest single source fetched alone.

    python bench/bench_fetch.py [--latency 0.2] [--sources 6]

Target (issue 8): all six take <= 1.5x the slowest single source (sources are
fetched concurrently). Each source is a Mastodon-shaped server on 127.0.0.1 that
serves a real recorded notifications page (../shared/fixtures/mastodon, see
PROVENANCE.md there) once, then empty pages; every request, whatever its path,
waits --latency first. Each figure is the median of --runs runs; "slowest single"
is, in each run, the slowest of the sources fetched one at a time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

FIXTURES = [Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "mastodon",
            Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "mastodon",
            Path("/work/shared/fixtures/mastodon")]
ACCOUNT = {"id": "1", "username": "acme", "acct": "acme", "display_name": "Acme", "bot": False,
           "followers_count": 10, "url": "http://127.0.0.1/@acme", "created_at": "2020-01-01T00:00:00.000Z"}


def _page() -> bytes:
    for folder in FIXTURES:
        path = folder / "notifications_mentions_only.json"
        if path.exists():
            return path.read_bytes()
    return b"[]"


def serve(latency: float, page: bytes) -> ThreadingHTTPServer:
    served = {"page": False}
    lock = threading.Lock()

    def answer(path: str) -> tuple[int, bytes]:
        time.sleep(latency)
        if "verify_credentials" in path:
            return 200, json.dumps(ACCOUNT).encode()
        if "notifications" in path or "search" in path:
            with lock:
                body, served["page"] = (b"[]", True) if served["page"] else (page, True)
            return 200, body
        return 200, b"{}"

    return common.json_server(answer)

def fetch_available() -> bool:
    done = subprocess.run(common.h2h_cmd() + ["fetch", "--help"], capture_output=True)
    return done.returncode == 0


def run_fetch(names: list[str], ports: dict[str, int], home: Path) -> float:
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    tables = "".join(f'[sources.{n}]\ntype = "mastodon"\nurl = "http://127.0.0.1:{p}"\n'
                     f'token_env = "H2H_BENCH_TOKEN"\n\n' for n, p in ports.items())
    (home / "config.toml").write_text('[me]\nname = "Bench"\n\n' + tables, encoding="utf-8")
    (home / "config.toml").chmod(0o600)
    environ = common.env(home, H2H_BENCH_TOKEN="bench-token-not-secret")
    t = time.perf_counter()
    done = subprocess.run(common.h2h_cmd() + ["fetch", *names], env=environ, capture_output=True)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"h2h fetch {' '.join(names)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--sources", type=int, default=6)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if not fetch_available():
        raise SystemExit("this h2h has no `fetch` command: install the project first (see bench/README.md)")
    page = _page()
    results_all, results_single, every_single = [], [], []
    for _ in range(args.runs):
        servers = {f"m{i}": serve(args.latency, page) for i in range(args.sources)}
        ports = {n: s.server_address[1] for n, s in servers.items()}
        results_all.append(run_fetch([], ports, common.CACHE / "fetch-all"))
        for s in servers.values():
            s.shutdown()
        singles = []
        for name in ports:
            servers = {name: serve(args.latency, page)}
            singles.append(run_fetch([name], {name: servers[name].server_address[1]}, common.CACHE / "fetch-one"))
            servers[name].shutdown()
        results_single.append(max(singles))
        every_single.extend(singles)
    all_t, one_t = sorted(results_all)[len(results_all) // 2], sorted(results_single)[len(results_single) // 2]
    print(f"h2h fetch, {args.sources} sources at {args.latency * 1000:.0f} ms a request: {all_t * 1000:.0f} ms")
    med = sorted(every_single)[len(every_single) // 2]
    print(f"one source alone: median {med * 1000:.0f} ms, slowest of each run {one_t * 1000:.0f} ms (median); "
          f"ratio {all_t / one_t:.2f}x (target <= 1.5x); against the median single {all_t / med:.2f}x; "
          f"load average {common.load()}")


if __name__ == "__main__":
    main()
