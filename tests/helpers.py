"""Running the real command line in-process, and small data builders."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from h2h.cli.main import main


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def lines(self) -> list[Any]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


class _Stdin(io.TextIOWrapper):
    def isatty(self) -> bool:
        return False


def run(capsys: pytest.CaptureFixture[str], *args: str, stdin: bytes | str | None = None) -> Result:
    """`h2h ARGS...` as a user would run it, with its exit code, stdout and stderr."""
    capsys.readouterr()
    saved = sys.stdin
    if stdin is not None:
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        sys.stdin = _Stdin(io.BytesIO(data), encoding="utf-8")
    try:
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
    finally:
        sys.stdin = saved
    captured = capsys.readouterr()
    code = exit_info.value.code
    return Result(code=int(code) if code is not None else 0, out=captured.out, err=captured.err)


def record(ident: str, text: str, *, at: str = "2026-11-20T10:00:00Z", author: Any = None,
           **extra: Any) -> dict[str, Any]:
    """One line of the import format."""
    return {"id": ident, "source": extra.pop("source", "masto"), "platform": extra.pop("platform", "mastodon"),
            "text": text, "created_at": at,
            "author": author or {"id": "42", "handle": "@marie@piaille.fr", "name": "Marie Dubois"}, **extra}


def jsonl(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
