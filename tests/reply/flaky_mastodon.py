"""A loopback Mastodon whose answer to a post can be lost: it makes the status, then drops
the connection, answers 500, answers later than the client waits, or holds the answer until
the client is killed. It holds every status it made, so a test counts the replies.

Only what `h2h fetch` and `h2h reply` call: verify_credentials, instance, v1 notifications,
a status and its context, and `POST /api/v1/statuses` (honouring `Idempotency-Key` or not).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FAULTS = ("drop", "500", "slow", "hang", "drop_before", "ok")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class FlakyMastodon:
    def __init__(self, *, honour_keys: bool = True, slow_s: float = 3.0):
        self.honour_keys = honour_keys
        self.slow_s = slow_s
        self.faults: list[str] = []       # one per coming POST; "ok" once they are used up
        self.statuses: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, str] = {}
        self.posts = 0
        self.posted = threading.Event()   # a status was made (set before the answer, if any)
        self.release = threading.Event()  # lets a "hang" answer go
        self._ids = iter(range(1000, 10**6))
        self._lock = threading.Lock()
        self.me = {"id": "1", "username": "alex", "acct": "alex", "display_name": "Alex", "url": "",
                   "followers_count": 10, "created_at": "2020-01-01T00:00:00.000Z", "bot": False}
        self.marie = {"id": "2", "username": "marie", "acct": "marie@piaille.fr", "display_name": "Marie",
                      "url": "https://piaille.fr/@marie", "followers_count": 50,
                      "created_at": "2019-01-01T00:00:00.000Z", "bot": False}
        question = self._status(self.marie, "<p>@alex how do I export my notes?</p>", None, "1")
        self.question = question
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def replies(self) -> list[dict[str, Any]]:
        """Our statuses answering the question: what the test counts."""
        return [s for s in self.statuses.values()
                if s["account"]["id"] == self.me["id"] and s["in_reply_to_id"] == self.question["id"]]

    def _status(self, account: dict[str, Any], content: str, in_reply_to: str | None,
                mentions_id: str | None) -> dict[str, Any]:
        sid = str(next(self._ids))
        status = {"id": sid, "created_at": _now(), "in_reply_to_id": in_reply_to,
                  "in_reply_to_account_id": None if in_reply_to is None else self.statuses[in_reply_to]["account"]["id"],
                  "visibility": "public", "language": "en", "uri": f"{self.url_base}/statuses/{sid}",
                  "url": f"{self.url_base}/@{account['username']}/{sid}", "replies_count": 0,
                  "content": content, "account": account, "media_attachments": [], "tags": [], "emojis": [],
                  "mentions": [{"id": mentions_id, "acct": "alex", "username": "alex", "url": ""}] if mentions_id else []}
        self.statuses[sid] = status
        return status

    url_base = "https://masto.example"

    def _create(self, body: dict[str, Any], key: str) -> dict[str, Any]:
        with self._lock:
            if self.honour_keys and key and key in self.keys:
                return self.statuses[self.keys[key]]
            self.posts += 1
            status = self._status(self.me, f"<p>{body.get('status', '')}</p>", body.get("in_reply_to_id"), None)
            if key:
                self.keys[key] = status["id"]
            return status

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        world = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, body: Any, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                path, query = parts.path, parse_qs(parts.query)
                if path == "/api/v1/accounts/verify_credentials":
                    return self._send(world.me)
                if path == "/api/v2/instance":
                    return self._send({"domain": "masto.example",
                                       "configuration": {"statuses": {"max_characters": 500}}})
                if path == "/api/v1/notifications":
                    q = world.question
                    note = {"id": "9001", "type": "mention", "created_at": q["created_at"], "account": q["account"],
                            "status": q}
                    newer = "min_id" not in query and "since_id" not in query or int(query.get("min_id", query.get(
                        "since_id", ["0"]))[0]) < 9001
                    return self._send([note] if newer and "max_id" not in query else [])
                if path.startswith("/api/v1/statuses/"):
                    rest = path.removeprefix("/api/v1/statuses/")
                    sid, _, what = rest.partition("/")
                    if sid not in world.statuses:
                        return self._send({"error": "Record not found"}, 404)
                    if what == "context":
                        with world._lock:
                            below = [s for s in world.statuses.values() if s["in_reply_to_id"] == sid]
                        return self._send({"ancestors": [], "descendants": below})
                    return self._send(world.statuses[sid])
                return self._send({"error": "Not Found"}, 404)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if urlsplit(self.path).path != "/api/v1/statuses":
                    return self._send({"error": "Not Found"}, 404)
                fault = world.faults.pop(0) if world.faults else "ok"
                if fault == "drop_before":
                    return self._drop()
                status = world._create(body, self.headers.get("Idempotency-Key", ""))
                world.posted.set()
                if fault == "drop":
                    return self._drop()
                if fault == "500":
                    return self._send({"error": "Internal server error"}, 500)
                if fault == "slow":
                    time.sleep(world.slow_s)
                elif fault == "hang":
                    world.release.wait(60)
                try:
                    self._send(status)
                except OSError:
                    pass

            def _drop(self) -> None:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        return Handler
