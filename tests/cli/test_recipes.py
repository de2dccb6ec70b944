"""The README's script recipes, run as written (bash, jq, curl) against a known queue."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from tests.clirun import run
from tests.records import CONFIG, write_config, write_jsonl
from tests.app.test_stats import RECORDS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not (shutil.which("jq") and shutil.which("curl") and shutil.which("bash")),
                                reason="the recipes need bash, jq and curl")


def recipe(name: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(rf"<!-- recipe: {name} -->\s*```sh\n(.*?)```", text, re.S)
    assert m, f"README has no recipe {name!r}"
    return m.group(1)


@pytest.fixture
def shell(home: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    write_config(home, CONFIG)
    tricky = {"id": "q1", "source": "masto", "platform": "mastodon", "created_at": "2026-11-20T09:00:00Z",
              "text": 'Export says "done, 0 notes",\nthen nothing?', "author": {"id": "77", "handle": "@zoe@example.social",
                                                                          "name": "Zoé, \"Z\""}}
    assert run("import", str(write_jsonl(tmp_path / "in.jsonl", RECORDS + [tricky]))).code == 0
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "h2h").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m h2h "$@"\n')
    (bin_dir / "notify-send").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{tmp_path}/notified"\n')
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT)}

    def bash(script: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env={**env, **extra},
                              capture_output=True, text=True, timeout=60)

    return bash


def test_notify_past_the_sla(shell, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = shell(recipe("notify"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "notified").read_text().splitlines() == [
        "h2h: 3 waiting past the SLA", "longest: Ivy (ivy.bsky.social) on bluesky"]


def test_top_five_to_a_webhook(shell) -> None:  # type: ignore[no-untyped-def]
    received: list[tuple[str, bytes]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            received.append((self.headers["Content-Type"], self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = shell(recipe("webhook"), H2H_WEBHOOK_URL=f"http://127.0.0.1:{server.server_port}/hooks/abc")
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    [(ctype, body)] = received
    assert ctype == "application/json"
    lines = json.loads(body)["text"].splitlines()
    assert lines[0] == "Reply to these humans first:"
    assert len(lines) == 6 and all(line.startswith("• ") for line in lines[1:])
    assert any('Zoé, "Z" on mastodon, waiting 3h: Export says "done, 0 notes", then nothing?' in line for line in lines)


def test_csv_export(shell, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = shell(recipe("csv"))
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "queue.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    queue = run("queue", "--jsonl", "--all", "--limit", "0").lines()
    assert [r["id"] for r in rows] == [i["id"] for i in queue]
    zoe = next(r for r in rows if r["handle"] == "@zoe@example.social")
    assert zoe["name"] == 'Zoé, "Z"' and zoe["text"] == 'Export says "done, 0 notes",\nthen nothing?'
