"""`kill -9` at any moment during `h2h fetch`, again and again, then one clean
run: every mention stored once, none lost, the cursor where the server is."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import MastodonMock
from tests.e2e.test_mastodon_mock import configure, stored_ids

pytestmark = pytest.mark.e2e


def test_kill_9_in_a_loop_loses_nothing_and_doubles_nothing(mastodon: MastodonMock, home: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    alice, bob = mastodon.register("alice"), mastodon.register("bob")
    configure(home, mastodon, monkeypatch, alice)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    posted = 0

    def mention(n: int) -> None:
        nonlocal posted
        for _ in range(n):
            posted += 1
            mastodon.post(bob, f"@alice message {posted}: is there an export?")

    def fetch() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "h2h", "fetch", "--json"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    mention(120)
    mastodon.fault({"type": "latency", "delay_ms": 250})  # every notifications page is slow: kills land mid-walk
    rng = random.Random(20261122)
    kills, partial, resumed = 0, 0, 0
    for i in range(14):
        if i == 6:  # one run allowed to finish: from here on the walk resumes from a saved cursor
            proc = fetch()
            proc.communicate(timeout=120)
            assert proc.returncode == 0 and _cursor(home) is not None
            mention(100)
            continue
        had_cursor = _cursor(home) is not None
        proc = fetch()
        time.sleep(rng.uniform(0.3, 1.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
            resumed += had_cursor  # killed while walking oldest-first from a saved cursor
        proc.communicate()
        if (home / "h2h.db").exists():
            count = len(stored_ids(home))
            partial += 0 < count < posted
        mention(rng.randint(0, 8))
    mastodon.clear_faults()

    proc = fetch()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert json.loads(out)["data"]["failed"] == []
    print(f"kill loop: {kills} kills ({resumed} after a cursor was saved), {partial} left a half-done fetch, "
          f"{posted} mentions")
    assert kills >= 8, "the loop should mostly kill running fetches"
    assert partial >= 1, "at least one kill should leave a half-done fetch behind"
    assert resumed >= 3, "some kills should hit a fetch resuming from a saved cursor"

    truth = mastodon.mention_ids(alice)
    assert len(truth) == posted
    assert stored_ids(home) == sorted(truth)
    with sqlite3.connect(home / "h2h.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (cursor,) = db.execute("SELECT cursor FROM cursors WHERE source = 'masto'").fetchone()
    newest = mastodon.get(alice, "/api/v1/notifications", **{"types[]": "mention", "limit": 1})[0]["id"]
    assert json.loads(cursor)["n"] == newest


def _cursor(home: Path) -> str | None:
    if not (home / "h2h.db").exists():
        return None
    with sqlite3.connect(home / "h2h.db") as db:
        try:
            row = db.execute("SELECT cursor FROM cursors WHERE source = 'masto'").fetchone()
        except sqlite3.OperationalError:
            return None
    return row[0] if row else None


def test_ctrl_c_stops_cleanly_and_the_next_run_finishes(mastodon: MastodonMock, home: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    alice, bob = mastodon.register("alice"), mastodon.register("bob")
    configure(home, mastodon, monkeypatch, alice)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for i in range(120):
        mastodon.post(bob, f"@alice number {i}?")
    mastodon.fault({"type": "latency", "delay_ms": 400})
    proc = subprocess.Popen([sys.executable, "-m", "h2h", "fetch"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and b"interrupted" in err
    mastodon.clear_faults()
    done = subprocess.run([sys.executable, "-m", "h2h", "fetch"], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert stored_ids(home) == sorted(mastodon.mention_ids(alice))
