"""The one way tests run the h2h command in-process: `run(*ARGS)` as a pipe sees it
(or as a terminal does, `tty=True`), with its exit code, stdout and stderr."""

from __future__ import annotations

import io
import json
import sys
from typing import Any, NamedTuple

from h2h.cli.main import main


class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


class _Stdin(io.TextIOWrapper):
    def isatty(self) -> bool:
        return False


class Result(NamedTuple):  # a tuple too: `code, out, err = run(...)`, `run(...) == (0, "", "")`
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def lines(self) -> list[Any]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


def run(*args: str, tty: bool = False, stdin: bytes | str | None = None) -> Result:
    """`h2h ARGS...` as a user would run it. main() always ends in SystemExit, as the
    process does; returning without one is a failure of the test."""
    out, err = _Stream(tty), _Stream(tty)
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr = out, err
    if stdin is not None:
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        sys.stdin = _Stdin(io.BytesIO(data), encoding="utf-8")
    exited: int | None = None
    try:
        main(list(args))
    except SystemExit as exc:
        exited = int(exc.code or 0)
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved
        if "h2h.cli.logs" in sys.modules:  # every command starts with a fresh log handler, as a new process would
            sys.modules["h2h.cli.logs"].close()
    assert exited is not None, f"h2h {' '.join(args)} returned without an exit status"
    return Result(exited, out.getvalue(), err.getvalue())
