"""Run the `h2h` command in-process, as a user would, and capture what it printed."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

from h2h.cli.main import main
from tests.helpers import Result


def h2h(*args: str) -> Result:
    from h2h.cli import logs

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
    logs.close()  # every command starts with a fresh log handler, as a new process would
    return Result(code, out.getvalue(), err.getvalue())


def record(id: str, text: str, at: str, author: Any, **extra: Any) -> dict[str, Any]:
    return {"id": id, "text": text, "created_at": at, "author": author, **extra}


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def write_config(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


CONFIG = """
[me]
name = "Alex"
handles = ["@us@example.social", "us.bsky.social"]
team = ["@jo@example.social"]
languages = ["en", "fr"]

[triage]
sla = "4h"
"""
