"""Homes and import records for commands run against a known database (people, stats, logs, cron)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


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
