"""A loopback Mastodon that answers with the real recordings in tests/fixtures/mastodon.

It pages the recorded notifications the way Mastodon does (`max_id`, `min_id`
taking the page right above the cursor, `limit`), honours `Idempotency-Key`
on posts, and can be told to fail a path with a recorded error answer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable

from werkzeug import Request, Response

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mastodon"
RATE_KEYS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "www-authenticate", "content-type")


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def recorded_headers(name: str) -> dict[str, str]:
    meta = json.loads((FIXTURES / f"{name}.meta.json").read_text(encoding="utf-8"))
    out = {}
    for key, values in (meta.get("headers") or {}).items():
        if key.lower() in RATE_KEYS:
            out[key] = values[0] if isinstance(values, list) else values
    return out


def recorded(name: str, status: int | None = None) -> tuple[int, Any, dict[str, str]]:
    meta = json.loads((FIXTURES / f"{name}.meta.json").read_text(encoding="utf-8"))
    return status or meta["status"], load(name), recorded_headers(name)


def order(value: str) -> tuple[int, str]:
    """Ids as servers sort them: Mastodon's decimal snowflakes, Pleroma's flake ids, ULIDs, UUIDv7."""
    return len(value), value


def _page(items: list[dict[str, Any]], args: Any, key: Callable[[dict[str, Any]], str]) -> list[dict[str, Any]]:
    def at(x: dict[str, Any]) -> tuple[int, str]:
        return order(key(x))
    items = sorted(items, key=at, reverse=True)
    limit = max(1, min(int(args.get("limit", 20)), 40))
    if args.get("max_id"):
        items = [x for x in items if at(x) < order(args["max_id"])]
    if args.get("since_id"):
        items = [x for x in items if at(x) > order(args["since_id"])]
    if args.get("min_id"):
        above = sorted((x for x in items if at(x) > order(args["min_id"])), key=at)
        return sorted(above[:limit], key=at, reverse=True)
    return items[:limit]


def as_notification(status: dict[str, Any]) -> dict[str, Any]:
    """A recorded status as the mention notification that would carry it (for servers whose
    notifications no project recorded): the notification's own fields come from the status."""
    return {"id": status["id"], "type": "mention", "created_at": status["created_at"], "account": status["account"],
            "status": status}


class RecordedMastodon:
    def __init__(self, httpserver: Any, *, instance: str = "instance_v2_mastodon_social.excerpt",
                 instance_v1: str | None = None):
        """`instance` answers /api/v2/instance; with `instance_v1`, that one answers /api/v1/instance
        (and v2 too unless `instance` is ""; an older server answers v2 with 404)."""
        self.server = httpserver
        self.instance = load(instance) if instance else None
        self.instance_v1 = load(instance_v1) if instance_v1 else None
        self.me = load("verify_credentials_mastodon_mock")
        v1 = load("notifications_mentions_only") + load("notifications_mastodon_social")
        self.v1 = v1
        self.v2_groups: list[dict[str, Any]] = []
        self.v2_statuses: dict[str, dict[str, Any]] = {}
        self.v2_accounts: dict[str, dict[str, Any]] = {}
        for name in ("notifications_v2_grouped_page1", "notifications_v2_grouped_page2_max_id"):
            data = load(name)
            self.v2_groups += data["notification_groups"]
            self.v2_statuses.update({s["id"]: s for s in data["statuses"]})
            self.v2_accounts.update({a["id"]: a for a in data["accounts"]})
        self.contexts: dict[str, Any] = {}
        self.search: dict[str, Any] = load("search_v2_statuses_empty")
        self.failures: dict[str, tuple[int, Any, dict[str, str]]] = {}
        self.posts: dict[str, dict[str, Any]] = {}
        self.post_calls = 0
        self.post_bodies: list[dict[str, Any]] = []
        self.requests: list[str] = []
        self.rate = recorded_headers("notifications_mentions_only")
        httpserver.expect_request(re.compile(r"/.*")).respond_with_handler(self.handle)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def fail(self, path: str, answer: tuple[int, Any, dict[str, str]] | str) -> None:
        """Make `path` answer with a recorded error (or a raw body string, for malformed answers)."""
        self.failures[path] = answer if isinstance(answer, tuple) else (200, answer, {})

    def _json(self, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        text = body if isinstance(body, str) else json.dumps(body)
        return Response(text, status=status, headers={**self.rate, **(headers or {}),
                                                      "Content-Type": "application/json; charset=utf-8"})

    def handle(self, request: Request) -> Response:
        path = request.path
        self.requests.append(f"{request.method} {request.full_path}")
        if path in self.failures:
            status, body, headers = self.failures[path]
            return self._json(body, status, headers)
        args = request.args
        if path == "/api/v1/accounts/verify_credentials":
            return self._json(self.me)
        if path == "/api/v2/instance" and self.instance is not None:
            return self._json(self.instance)
        if path == "/api/v1/instance" and self.instance_v1 is not None:
            return self._json(self.instance_v1)
        if path == "/api/v1/notifications":
            items = [n for n in self.v1 if not args.getlist("types[]") or n["type"] in args.getlist("types[]")]
            return self._json(_page(items, args, lambda n: str(n["id"])))
        if path == "/api/v2/notifications":
            groups = _page(self.v2_groups, args, lambda g: str(g["page_max_id"]))
            statuses = [self.v2_statuses[g["status_id"]] for g in groups if g.get("status_id") in self.v2_statuses]
            return self._json({"accounts": list(self.v2_accounts.values()), "statuses": statuses,
                               "notification_groups": groups})
        match = re.fullmatch(r"/api/v1/statuses/([^/]+)/context", path)
        if match:
            ours = [s for s in self.posts.values() if s.get("in_reply_to_id") == match.group(1)]
            if match.group(1) in self.contexts:
                context = self.contexts[match.group(1)]
                return self._json({**context, "descendants": [*(context.get("descendants") or []), *ours]})
            if ours:
                return self._json({"ancestors": [], "descendants": ours})
            known = {n["status"]["id"] for n in self.v1 if n.get("status")} | set(self.v2_statuses)
            if match.group(1) in known:
                return self._json(load("status_context_empty"))
            status, body, headers = recorded("error_404_status_missing")
            return self._json(body, status, headers)
        if path == "/api/v2/search":
            return self._json(self.search)
        if path == "/api/v1/statuses" and request.method == "POST":
            key = request.headers.get("Idempotency-Key", "")
            self.post_bodies.append(request.get_json(silent=True) or {})
            if key and key in self.posts:
                return self._json(self.posts[key])
            self.post_calls += 1
            # The recorded reply, as this post: our account, its own id, answering what was asked.
            asked = request.get_json(silent=True) or {}
            body = {**load("status_post_reply"), "account": self.me, "in_reply_to_id": asked.get("in_reply_to_id")}
            if self.post_calls > 1:
                body["id"] = f"{body['id']}{self.post_calls}"
            self.posts[key or f"no-key-{self.post_calls}"] = body
            return self._json(body)
        return self._json({"error": "Not Found"}, 404)
