"""Run the h2h command in-process, as a terminal or a pipe would see it."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass

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


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(*args: str, tty: bool = False, stdin: bytes | None = None) -> Result:
    out, err = _Stream(tty), _Stream(tty)
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr = out, err
    if stdin is not None:
        sys.stdin = _Stdin(io.BytesIO(stdin), encoding="utf-8")
    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved
    return Result(code, out.getvalue(), err.getvalue())
