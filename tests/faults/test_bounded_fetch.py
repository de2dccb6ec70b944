"""Every fetch ends, in bounded memory: `h2h fetch` (a real process) against loopback servers
that trickle, never end, inflate, or page in circles. The hostile source stops with a clear
error, the healthy one is fetched, the run exits 6 and leaves the fetch lock free; the
process's peak memory (its VmHWM) stays under 200 MB."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from werkzeug import Request, Response

from tests.faults import hostile_server as hs
from tests.faults.helpers import h2h

PEAK_MB = 200
TOKEN = "bounded-fetch-token-6a1f"


@pytest.fixture
def server() -> Iterator[Callable[[dict[str, Any]], hs.HostileServer]]:
    made: list[hs.HostileServer] = []

    def make(behaviours: dict[str, Any]) -> hs.HostileServer:
        made.append(hs.HostileServer(behaviours))
        return made[-1]
    yield make
    for s in made:
        s.close()


def _config(home: Path, hostile: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        '[me]\nname = "Alex"\nhandles = ["@acme@mastodon.social"]\n\n'
        '[sources.healthy]\ntype = "memory"\n\n' + hostile, encoding="utf-8")


def _fetch(home: Path, timeout: float) -> tuple[int, str, float, float]:
    """exit code, stderr, seconds, peak RSS in MB of the h2h process."""
    started = time.monotonic()
    proc = h2h("fetch", home=home, env={"H2H_BOUNDED_TOKEN": TOKEN})
    deadline = started + timeout
    peak_kb = 0
    while True:
        # VmHWM: the high-water mark of this process's own memory (ru_maxrss of a child would
        # count the test process it was forked from, before exec).
        try:
            status_text = Path(f"/proc/{proc.pid}/status").read_text()
            peak_kb = max(peak_kb, next(int(line.split()[1]) for line in status_text.splitlines()
                                        if line.startswith("VmHWM:")))
        except (OSError, StopIteration):
            pass
        pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            pytest.fail(f"h2h fetch still running after {timeout}s")
        time.sleep(0.1)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, err, time.monotonic() - started, peak_kb / 1024


def _mastodon(url: str, extra: str = "") -> str:
    return (f'[sources.hostile]\ntype = "mastodon"\nurl = "{url}"\ntoken_env = "H2H_BOUNDED_TOKEN"\n' + extra)


def _after_run(home: Path, code: int, err: str, words: str) -> None:
    assert code == 6, err
    assert "hostile" in err and words in err, err
    doc = json.loads(subprocess.run(
        [sys.executable, "-m", "h2h", "--json", "sources"], env={**os.environ, "H2H_HOME": str(home)},
        capture_output=True, text=True, check=False).stdout)
    status = {s["name"]: s for s in doc["data"]["sources"]}
    assert status["healthy"]["last_error"] is None and status["hostile"]["last_error"]["code"] == "bound"
    again = h2h("fetch", home=home, env={"H2H_BOUNDED_TOKEN": TOKEN})
    _, second = again.communicate(timeout=120)
    assert b"another `h2h fetch` is running" not in second  # the lock was let go


def test_a_body_trickled_a_byte_a_second_ends_at_the_time_bound(home: Path, server) -> None:  # type: ignore[no-untyped-def]
    s = server({"/": hs.trickle})
    _config(home, _mastodon(s.url, 'max_response_time = "3s"\n'))
    code, err, seconds, _ = _fetch(home, timeout=40)
    assert seconds < 20
    _after_run(home, code, err, "max_response_time")


def test_an_endless_chunked_body_ends_at_the_size_bound(home: Path, server) -> None:  # type: ignore[no-untyped-def]
    s = server({"/": hs.endless_chunked})
    _config(home, _mastodon(s.url))
    code, err, seconds, peak = _fetch(home, timeout=120)
    assert peak < PEAK_MB, peak
    _after_run(home, code, err, "max_response_mb")


def test_a_1_gb_json_answer_is_never_held(home: Path, server) -> None:  # type: ignore[no-untyped-def]
    s = server({"/": hs.huge_json(1.0)})
    _config(home, _mastodon(s.url))
    code, err, _, peak = _fetch(home, timeout=120)
    assert peak < PEAK_MB, peak
    _after_run(home, code, err, "max_response_mb")


def test_a_gzip_bomb_is_cut_where_its_output_passes_the_bound(home: Path, server) -> None:  # type: ignore[no-untyped-def]
    payload = hs.gzip_bomb(1024)
    assert len(payload) < 1.5 * 1024 * 1024
    s = server({"/": hs.bomb(payload)})
    _config(home, _mastodon(s.url))
    code, err, _, peak = _fetch(home, timeout=120)
    assert peak < PEAK_MB, peak
    _after_run(home, code, err, "max_response_mb")


def test_an_answer_of_millions_of_tiny_objects_is_refused(home: Path, server) -> None:  # type: ignore[no-untyped-def]
    s = server({"/": hs.many_objects(1_300_000)})  # 3.9 MB: under the size bound, 85 MB once parsed
    _config(home, _mastodon(s.url))
    code, err, _, peak = _fetch(home, timeout=120)
    assert peak < PEAK_MB, peak
    _after_run(home, code, err, "JSON objects")


# --- listings that never end ------------------------------------------------------------

def _reddit_listing(next_after: Callable[[str | None], str | None]) -> Callable[[Request], Response]:
    def answer(request: Request) -> Response:
        after = request.args.get("after") or None
        name = f"t1_{abs(hash((request.path, after))) % 10**9:x}"
        child = {"kind": "t1", "data": {"name": name, "id": name[3:], "created_utc": time.time() - 60,
                                        "author": "marie", "body": "is there an export?", "link_id": "t3_abc",
                                        "parent_id": "t3_abc", "context": f"/r/x/comments/abc/_/{name[3:]}/"}}
        data = {"kind": "Listing", "data": {"after": next_after(after), "children": [child]}}
        return Response(json.dumps(data), content_type="application/json")
    return answer


def _no_threads(httpserver) -> None:  # type: ignore[no-untyped-def]
    httpserver.expect_request(re.compile(r"/comments/.*")).respond_with_json({"error": 404}, status=404)


def _reddit(url: str, extra: str = "") -> str:
    return (f'[sources.hostile]\ntype = "reddit"\nurl = "{url}"\ntoken_env = "H2H_BOUNDED_TOKEN"\n'
            f'username = "acme"\n' + extra)


def test_a_reddit_after_that_cycles_is_caught(home: Path, httpserver) -> None:  # type: ignore[no-untyped-def]
    cycle = {None: "c1", "c1": "c2", "c2": "c3", "c3": "c1"}
    httpserver.expect_request(re.compile(r"/message/.*")).respond_with_handler(
        _reddit_listing(lambda after: cycle[after]))
    _no_threads(httpserver)
    _config(home, _reddit(httpserver.url_for("/").rstrip("/")))
    code, err, seconds, _ = _fetch(home, timeout=120)
    _after_run(home, code, err, "cycle")


def test_a_reddit_listing_that_never_ends_stops_at_the_page_bound(home: Path, httpserver) -> None:  # type: ignore[no-untyped-def]
    httpserver.expect_request(re.compile(r"/message/.*")).respond_with_handler(
        _reddit_listing(lambda after: f"p{int((after or 'p0')[1:]) + 1}"))
    _no_threads(httpserver)
    _config(home, _reddit(httpserver.url_for("/").rstrip("/"), "max_listing_pages = 40\n"))
    code, err, seconds, _ = _fetch(home, timeout=90)
    assert sum(1 for r, _ in httpserver.log if r.path.startswith("/message/")) == 40
    _after_run(home, code, err, "max_listing_pages")

