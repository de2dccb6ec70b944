"""Recorded API answers (tests/fixtures/<platform>/NAME.json with NAME.meta.json),
replayed by a loopback HTTP server with the status and headers they were
recorded with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from werkzeug.wrappers import Response

from h2h.sources.http import make_session

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# Hop-by-hop or re-encoded by the replaying server: not meaningful in a replay.
_DROP = {"content-encoding", "content-length", "transfer-encoding", "set-cookie", "connection", "content-type"}


def load(platform: str, name: str) -> Any:
    return json.loads((FIXTURES / platform / f"{name}.json").read_text(encoding="utf-8"))


def meta(platform: str, name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / platform / f"{name}.meta.json").read_text(encoding="utf-8"))


def recorded_headers(platform: str, name: str) -> dict[str, str]:
    headers = meta(platform, name).get("headers") or {}
    return {k: (v[0] if isinstance(v, list) else str(v)) for k, v in headers.items() if k.lower() not in _DROP}


def replay(platform: str, name: str, *, status: int | None = None, headers: Mapping[str, str] | None = None) -> Response:
    """The recording as it was answered: body bytes verbatim, recorded status and headers."""
    m = meta(platform, name)
    code = status or (m["status"] if isinstance(m.get("status"), int) else 200)
    body = (FIXTURES / platform / f"{name}.json").read_bytes()
    return Response(body, status=code, headers={**recorded_headers(platform, name), **(headers or {})},
                    content_type="application/json; charset=utf-8")


def answer(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, headers=dict(headers or {}), content_type="application/json")


def quick_session():
    """A real session without retries: a replayed failure is final, and nothing sleeps."""
    return make_session(retries=0)
