"""Small builders of import data (the command itself runs through tests/clirun.py)."""

from __future__ import annotations

import json
from typing import Any


def record(ident: str, text: str, *, at: str = "2026-11-20T10:00:00Z", author: Any = None,
           **extra: Any) -> dict[str, Any]:
    """One line of the import format."""
    return {"id": ident, "source": extra.pop("source", "masto"), "platform": extra.pop("platform", "mastodon"),
            "text": text, "created_at": at,
            "author": author or {"id": "42", "handle": "@marie@piaille.fr", "name": "Marie Dubois"}, **extra}


def jsonl(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
