"""Serve the real recordings in tests/fixtures/ (see PROVENANCE.md) from a loopback HTTP server.

A recording is `NAME.json` (the body as the platform sent it) and `NAME.meta.json`
(the request, status and headers). `respond()` answers with the recorded status and
headers (rate limits, Link, Retry-After, WWW-Authenticate...) and the body verbatim;
with `hosts`, absolute URLs of the recorded host are rewritten to the test server, in
the body and the headers, as a recording proxy would. `answer()` is a made-up body,
for what no recording shows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from werkzeug.wrappers import Response

from h2h.sources.http import make_session

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# Hop-by-hop or re-encoded by the replaying server: not meaningful in a replay.
_DROP = {"content-encoding", "content-length", "transfer-encoding", "set-cookie", "connection", "content-type"}
_JSON = "application/json; charset=utf-8"


def raw(platform: str, name: str) -> bytes:
    """A recording's file as bytes (`name` with its extension)."""
    return (FIXTURES / platform / name).read_bytes()


def body(platform: str, name: str) -> Any:
    return json.loads(raw(platform, name + ".json"))


def meta(platform: str, name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / platform / f"{name}.meta.json").read_text(encoding="utf-8"))


def headers(platform: str, name: str) -> dict[str, str]:
    recorded = meta(platform, name).get("headers") or {}
    return {k: (v[0] if isinstance(v, list) else str(v)) for k, v in recorded.items() if k.lower() not in _DROP}


_recorded_headers = headers  # `respond` takes a `headers` argument of its own


def rewrite(data: Any, hosts: Mapping[str, str]) -> Any:
    text = json.dumps(data)
    for old, new in hosts.items():
        text = text.replace(old, new)
    return json.loads(text)


def respond(platform: str, name: str, data: Any = None, *, hosts: Mapping[str, str] | None = None,
            status: int | None = None, headers: Mapping[str, str] | None = None) -> Response:
    """The recording `name` as it was answered (optionally with `data` in place of its body)."""
    info = meta(platform, name)
    if data is None and not hosts:
        payload = raw(platform, name + ".json")
    else:
        payload = json.dumps(rewrite(body(platform, name) if data is None else data, hosts or {})).encode()
    sent = _recorded_headers(platform, name)
    for old, new in (hosts or {}).items():
        sent = {k: v.replace(old, new) for k, v in sent.items()}
    code = status or (info["status"] if isinstance(info.get("status"), int) else 200)
    return Response(payload, status=code, headers={**sent, **(headers or {})}, content_type=_JSON)


def answer(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, headers=dict(headers or {}), content_type="application/json")


def quick_session():
    """A real session without retries: a replayed failure is final, and nothing sleeps."""
    return make_session(retries=0)
