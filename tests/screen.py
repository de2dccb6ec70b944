"""h2h on a real pseudo-terminal of a given size (80x24 unless told), its output fed to a
terminal emulator (pyte), so a test asserts what a person would see: the screen as it
stands when a key is read, and every line that scrolled by."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pexpect
import pyte

from tests.conftest import NOW

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r")


class Terminal:
    def __init__(self, home: Path, *args: str, rows: int = 24, cols: int = 80, env: dict[str, str] | None = None):
        full = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COLUMNS", "LINES"))}
        full.update({"H2H_HOME": str(home), "H2H_NOW": NOW, "NO_COLOR": "1", "TERM": "xterm-256color",
                     "PAGER": "cat"})
        full.update(env or {})
        self.rows, self.cols = rows, cols
        self.screen = pyte.HistoryScreen(cols, rows, history=5000)
        self.stream = pyte.Stream(self.screen)
        self.raw = ""
        self.child = pexpect.spawn(sys.executable, ["-m", "h2h", *args], env=full, encoding="utf-8",
                                   dimensions=(rows, cols), timeout=20)

    def _read(self, timeout: float = 0.1) -> bool:
        try:
            data = self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            return True
        except pexpect.EOF:
            return False
        self.raw += data
        self.stream.feed(data)
        return True

    @property
    def text(self) -> str:
        """Everything printed, escape codes stripped."""
        return ANSI.sub("", self.raw)

    def visible(self) -> list[str]:
        """The rows on screen now, right-trimmed."""
        return [line.rstrip() for line in self.screen.display]

    def wait(self, text: str, timeout: float = 20) -> None:
        end = time.monotonic() + timeout
        while text not in self.text:
            if not self._read() and text not in self.text:
                raise AssertionError(f"{text!r} never appeared; the output ends with:\n{self.text[-3000:]}")
            if time.monotonic() > end:
                raise AssertionError(f"{text!r} did not appear in {timeout}s:\n{self.text[-3000:]}")

    def settle(self, quiet: float = 0.3) -> None:
        """Read until the program has printed nothing for `quiet` seconds (it waits for a key)."""
        last = len(self.raw)
        while True:
            if not self._read(timeout=quiet):
                return
            if len(self.raw) == last:
                return
            last = len(self.raw)

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def end(self) -> int:
        while self._read():
            pass
        self.child.close()
        return int(self.child.exitstatus if self.child.exitstatus is not None else 128 + self.child.signalstatus)


def run_on_terminal(home: Path, *args: str, rows: int = 24, cols: int = 80,
                    env: dict[str, str] | None = None) -> tuple[int, str]:
    """A command that needs no keys: its exit code and what it printed."""
    term = Terminal(home, *args, rows=rows, cols=cols, env=env)
    code = term.end()
    return code, term.text
