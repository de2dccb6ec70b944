"""Real recorded API answers (tests/fixtures/<platform>/, see PROVENANCE.md),
replayed by a loopback HTTP server with the headers that were recorded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Response

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# Recorded headers worth replaying: the ones adapters read.
REPLAYED = ("content-type", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-used",
            "www-authenticate", "retry-after", "link")


def raw(platform: str, name: str) -> bytes:
    return (FIXTURES / platform / name).read_bytes()


def body(platform: str, name: str) -> Any:
    return json.loads(raw(platform, name + ".json"))


def meta(platform: str, name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / platform / f"{name}.meta.json").read_text())


def headers(platform: str, name: str) -> dict[str, str]:
    recorded = meta(platform, name).get("headers") or {}
    out = {}
    for key, value in recorded.items():
        if key.lower() in REPLAYED:
            out[key] = value[0] if isinstance(value, list) else str(value)
    return out


def status(platform: str, name: str) -> int:
    return meta(platform, name).get("status") or 200


def replay(platform: str, name: str, data: Any = None, **extra_headers: str) -> Response:
    """The recording as a response: its status and headers, its body (or `data` built from it)."""
    payload = json.dumps(body(platform, name) if data is None else data)
    hdrs = {"Content-Type": "application/json; charset=UTF-8", **headers(platform, name), **extra_headers}
    return Response(payload, status=status(platform, name), headers=hdrs)
