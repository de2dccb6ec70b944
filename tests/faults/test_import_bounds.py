"""`h2h import` reads a line at most 32 MB long: one endless line (`/dev/zero`) is a bad
line, told at once, in bounded memory, and a long line between good ones costs itself only."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

from tests.clirun import run
from tests.faults.helpers import children, h2h

PEAK_MB = 200


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def test_importing_dev_zero_tells_a_bad_line_in_bounded_memory(home: Path) -> None:
    proc = h2h("import", "/dev/zero", home=home, start_new_session=True)
    err: list[bytes] = []
    assert proc.stderr is not None
    reader = threading.Thread(target=lambda: err.append(os.read(proc.stderr.fileno(), 4096)), daemon=True)
    reader.start()
    peak = 0.0
    try:
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and not err:
            peak = max(peak, _rss_mb([proc.pid, *children(proc.pid)]))
            assert peak < PEAK_MB, f"{peak:.0f} MB"
            time.sleep(0.05)
        for _ in range(20):  # still bounded while it skips the rest of the line
            peak = max(peak, _rss_mb([proc.pid, *children(proc.pid)]))
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert peak < PEAK_MB, f"{peak:.0f} MB"
    assert err and b"line 1: longer than 32 MB" in err[0], err


def test_a_long_line_between_good_ones_costs_itself(home: Path, tmp_path: Path) -> None:
    good = [json.dumps({"id": f"g{i}", "source": "masto", "text": f"export question {i}?",
                        "created_at": 1_700_000_000 + i, "author": f"p{i}"}).encode() for i in range(2)]
    src = tmp_path / "in.jsonl"
    with src.open("wb") as f:
        f.write(good[0] + b"\n")
        f.write(b'{"id": "long", "text": "' + b"a" * (40 * 1024 * 1024) + b'"}\n')
        f.write(good[1] + b"\n")
    r = run("import", str(src))
    assert r.code == 6, r.err
    assert "line 2: longer than 32 MB" in r.err and "imported 2 messages" in r.err
    scored = run("score", str(src))
    assert scored.code == 6 and len(scored.out.splitlines()) == 2
