"""Serve the real recordings in tests/fixtures/ from a loopback HTTP server.

A recording is `NAME.json` (the body as the platform sent it) and
`NAME.meta.json` (the request, status and headers). `answer()` replays the
body with the recorded status and the headers that matter to h2h (rate-limit
headers, Link, Retry-After); absolute URLs of the recorded host are rewritten
to the test server, as a recording proxy would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from werkzeug import Response

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KEPT = ("ratelimit", "link", "retry-after", "x-poll-interval")


def body(platform: str, name: str) -> Any:
    return json.loads((FIXTURES / platform / f"{name}.json").read_text(encoding="utf-8"))


def meta(platform: str, name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / platform / f"{name}.meta.json").read_text(encoding="utf-8"))


def rewrite(data: Any, hosts: Mapping[str, str]) -> Any:
    text = json.dumps(data)
    for old, new in hosts.items():
        text = text.replace(old, new)
    return json.loads(text)


def answer(platform: str, name: str, *, hosts: Mapping[str, str] | None = None, data: Any = None,
           status: int | None = None) -> Response:
    """The recording `name` as a response (optionally with `data` in place of its body)."""
    info = meta(platform, name)
    payload = body(platform, name) if data is None else data
    if hosts:
        payload = rewrite(payload, hosts)
    headers = {}
    for key, value in (info.get("headers") or {}).items():
        if any(k in key.lower() for k in KEPT):
            text = value[0] if isinstance(value, list) else str(value)
            for old, new in (hosts or {}).items():
                text = text.replace(old, new)
            headers[key] = text
    return Response(json.dumps(payload), status=status or info.get("status") or 200, headers=headers,
                    content_type="application/json; charset=utf-8")
