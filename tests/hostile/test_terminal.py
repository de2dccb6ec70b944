"""The rich renderer on a real terminal (a pty), with the hostile corpus imported:
what reaches the terminal is text and h2h's own styles, nothing else. And the
demo, on a terminal and when it cannot write where it was asked to."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.clirun import run
from tests.hostile import corpus

ROOT = Path(__file__).resolve().parents[2]


def on_pty(args: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    master, slave = pty.openpty()
    environ = dict(os.environ, **env, TERM="xterm-256color", COLUMNS="120", LINES="40", PAGER="cat", PYTHONPATH=str(ROOT))
    environ.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "h2h", *args], stdin=slave, stdout=slave, stderr=slave,
                            env=environ, close_fds=True)
    os.close(slave)
    chunks = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("pty")
    src = home / "corpus.jsonl"
    corpus.write_all(src, [c for c in corpus.load() if c.name not in ("big_body", "big_name")])
    done = subprocess.run([sys.executable, "-m", "h2h", "import", str(src)], capture_output=True,
                          env=dict(os.environ, H2H_HOME=str(home), PYTHONPATH=str(ROOT)))
    assert done.returncode == 6, done.stderr
    return home


@pytest.mark.parametrize("args", [["queue", "--all", "--limit", "0"], ["queue", "--section", "reply"]])
def test_queue_on_a_real_terminal(hostile_home: Path, args: list[str]) -> None:
    code, out = on_pty(args, {"H2H_HOME": str(hostile_home), "H2H_NOW": "2026-11-20T12:00:00Z"})
    assert code == 0, out
    assert "\x1b[" in out  # it did draw with styles: the test is not vacuous
    corpus.assert_inert(out.replace("\r\n", "\n"), styled=True)


def test_demo_on_a_real_terminal(tmp_path: Path) -> None:
    code, out = on_pty(["demo", "--all"], {"H2H_HOME": str(tmp_path)})
    assert code == 0, out
    assert "Reply to these humans first" in out
    corpus.assert_inert(out.replace("\r\n", "\n"), styled=True)


def test_demo_into_a_place_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    r = run("--json", "demo", "--into", str(blocker / "demo"))
    assert r.code == 1
    assert "cannot write the demo" in r.out and "hint" in r.out
    assert blocker.read_text() == "not a folder"
