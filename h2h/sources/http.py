"""How h2h talks HTTP (what to call lives in each adapter).

One session per source: a User-Agent naming h2h, timeouts on every call,
urllib3's Retry for connection errors and 5xx (honouring Retry-After), and a
rate-limit budget read from each platform's headers so h2h slows down before
the server has to say 429. Every failure becomes an `h2h.errors` type whose
message never carries a secret.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from h2h import __version__
from h2h.clock import parse_time
from h2h.errors import AuthError, NotFound, RateLimited, RemoteError, SourceError
from h2h.redact import clip, redact

USER_AGENT = f"h2h/{__version__} (conversation triage; +https://pypi.org/project/h2h/)"
TIMEOUT = (5.0, 30.0)        # connect, read
MAX_POLITE_WAIT = 5.0        # sleep this long at most to respect a budget or a 429; beyond, give up for now
RESET_MARGIN = 1.0          # seconds added to a rate-limit reset before calling again
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
MAX_REDIRECTS = 5
# Headers that say nothing about who is asking; any other header (Authorization, Api-Key,
# a platform's own) or any body makes a request one whose redirects stay on its host.
NEUTRAL_HEADERS = frozenset({"user-agent", "accept", "accept-encoding", "accept-language", "if-none-match",
                             "if-modified-since", "content-type", "connection"})
BODY_ARGS = ("data", "json", "files", "auth", "cookies")


class _Retry(Retry):
    # A 429 is Http.request's to handle: it waits only when the wait is short and otherwise
    # gives up for this run (the cursor resumes next time), where urllib3 would sleep up to
    # retry_after_max on every call. 503 + Retry-After stays here.
    RETRY_AFTER_STATUS_CODES = frozenset({413, 503})


def make_session(*, retries: int = 3, backoff: float = 0.5) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    retry = _Retry(total=retries, connect=retries, read=retries, status=retries, other=0,
                  backoff_factor=backoff, backoff_max=30, status_forcelist=(500, 502, 503, 504),
                  allowed_methods=IDEMPOTENT, respect_retry_after_header=True,
                  retry_after_max=int(MAX_POLITE_WAIT * 6), raise_on_status=False)
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# --- rate limits ----------------------------------------------------------------

@dataclass(frozen=True)
class RateHeaders:
    """Where a platform puts its budget, and how it spells the reset."""

    limit: str
    remaining: str
    reset: str
    reset_style: str  # "epoch" (Unix seconds), "iso" (ISO 8601 time) or "delta" (seconds from now)


RATE_HEADERS = {
    "github": RateHeaders("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "epoch"),
    "mastodon": RateHeaders("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "iso"),
    "bluesky": RateHeaders("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "epoch"),
    "reddit": RateHeaders("X-Ratelimit-Used", "X-Ratelimit-Remaining", "X-Ratelimit-Reset", "delta"),
    "x": RateHeaders("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset", "epoch"),
}


@dataclass
class RateBudget:
    headers: RateHeaders | None
    limit: float | None = None
    remaining: float | None = None
    reset_at: float | None = None   # Unix time
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def update(self, response_headers: Mapping[str, str], now: float | None = None) -> None:
        if self.headers is None:
            return
        now = time.time() if now is None else now
        h = self.headers
        remaining = _number(response_headers.get(h.remaining))
        if remaining is None:
            return
        reset = response_headers.get(h.reset)
        with self._lock:
            self.remaining = remaining
            self.limit = _number(response_headers.get(h.limit))
            self.reset_at = _reset_time(reset, h.reset_style, now) if reset else None

    def wait_needed(self, now: float | None = None) -> float:
        """Seconds to wait before the next call; 0 when there is budget left."""
        now = time.time() if now is None else now
        with self._lock:
            if self.remaining is None or self.remaining >= 1 or self.reset_at is None:
                return 0.0
            # A second past the announced reset: the server's clock and window edges are not ours.
            return max(0.0, self.reset_at - now + RESET_MARGIN)

    def to_json(self) -> dict[str, Any]:
        return {"limit": self.limit, "remaining": self.remaining, "reset_at": self.reset_at}


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _reset_time(value: str, style: str, now: float) -> float | None:
    try:
        if style == "delta":
            return now + float(value)
        if style == "iso":
            return parse_time(value).timestamp()
        return float(value)
    except ValueError:
        return None


# --- the client ------------------------------------------------------------------

@dataclass
class Http:
    """Calls one platform's API under one source's name."""

    session: requests.Session
    source: str
    base_url: str
    budget: RateBudget = field(default_factory=lambda: RateBudget(None))
    headers: dict[str, str] = field(default_factory=dict)
    timeout: tuple[float, float] = TIMEOUT
    # Turns a platform's error body into a short message; adapters may replace it.
    describe: Callable[[requests.Response], str] | None = None
    sleep: Callable[[float], None] = time.sleep

    def url(self, path: str) -> str:
        """`path` on the configured host; an absolute URL only if it is on that host too, since
        the request carries the source's credentials (a path from an answer may be a URL)."""
        if path.startswith(("http://", "https://")):
            url = path
        else:
            url = urljoin(self.base_url.rstrip("/") + "/", path.lstrip("/"))
        if _origin(url) != _origin(self.base_url):
            raise SourceError(f"{self.source}: refusing to call {_origin(url)[1] or url!r}, which is not "
                              f"{self._host()}, the source's host",
                              hint="The server pointed h2h elsewhere; credentials are only sent to the source's url.",
                              code="other_host")
        return url

    def request(self, method: str, path: str, *, expect: tuple[int, ...] = (200,), **kwargs: Any) -> requests.Response:
        wait = self.budget.wait_needed()
        if wait > MAX_POLITE_WAIT:
            raise RateLimited(f"{self.source}: rate limit used up; resets in {int(wait)}s", retry_after=wait)
        if wait:
            self.sleep(wait)
        headers = {**self.headers, **kwargs.pop("headers", {})}
        url = self.url(path)
        for attempt in range(2):
            try:
                response = self._send(method, url, headers, kwargs)
            except requests.exceptions.RetryError as exc:
                raise RemoteError(f"{self.source}: {self._host()} kept failing: {clip(str(exc.args[0]) if exc.args else '', 200)}") from None
            except requests.exceptions.Timeout:
                raise RemoteError(f"{self.source}: {self._host()} did not answer in time") from None
            except requests.exceptions.ConnectionError:
                raise RemoteError(f"{self.source}: cannot reach {self._host()}",
                                  hint="Check the network and the source's url.") from None
            except requests.exceptions.RequestException as exc:
                raise RemoteError(f"{self.source}: request failed: {redact(type(exc).__name__)}") from None
            self.budget.update(response.headers)
            if response.status_code == 429 and attempt == 0:
                retry_after = _retry_after(response)
                if retry_after is not None and retry_after <= MAX_POLITE_WAIT:
                    self.sleep(retry_after)
                    continue
            break
        if response.status_code in expect:
            return response
        raise self.error(response)

    def _send(self, method: str, url: str, headers: dict[str, str], kwargs: dict[str, Any]) -> requests.Response:
        """One call, following redirects here rather than in requests: requests drops only
        `Authorization` on another host, and re-sends the body (a password) on 307/308."""
        secret = any(k.lower() not in NEUTRAL_HEADERS for k in headers) or any(
            kwargs.get(k) is not None for k in BODY_ARGS)
        for _ in range(MAX_REDIRECTS + 1):
            response = self.session.request(method, url, headers=headers, timeout=self.timeout,
                                            allow_redirects=False, **kwargs)
            if not response.is_redirect:
                return response
            target = urljoin(response.url, response.headers["Location"])
            response.close()
            if secret and _origin(target) != _origin(self.base_url):
                raise SourceError(
                    f"{self.source}: {self._host()} redirected an authenticated request to "
                    f"{_origin(target)[1] or target!r}; h2h sends credentials only to the source's host",
                    hint=f"If the service moved, set the source's url to its new address "
                         f"({_origin(target)[0]}://{_origin(target)[1]}...) and run `h2h sources check`.",
                    code="redirect")
            kwargs = {k: v for k, v in kwargs.items() if k != "params"}  # the Location carries the query
            if response.status_code in (301, 302, 303) and method != "HEAD":
                # What browsers (and requests) do: the next call is a GET, without the body.
                method = "GET"
                kwargs = {k: v for k, v in kwargs.items() if k not in ("data", "json", "files")}
                headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            url = target
        raise RemoteError(f"{self.source}: {self._host()} redirected more than {MAX_REDIRECTS} times")

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.json(self.request("GET", path, **kwargs))

    def json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except (ValueError, RecursionError):
            snippet = clip(response.text, 80) if response.text else "an empty body"
            raise SourceError(f"{self.source}: {self._host()} sent something that is not JSON ({snippet!r})",
                              hint="The server may be misconfigured or behind a captive portal; retry later.") from None

    def error(self, response: requests.Response) -> Exception:
        exc = self._error(response)
        exc.status = response.status_code  # type: ignore[attr-defined]  # adapters may tell 422 from 400
        return exc

    def _error(self, response: requests.Response) -> Exception:
        status = response.status_code
        detail = clip(self._describe(response), 300)
        text = f"{self.source}: {self._host()} answered {status}" + (f": {detail}" if detail else "")
        if status == 401:
            return AuthError(text)
        if status == 403:
            if self.budget.remaining is not None and self.budget.remaining < 1:
                return RateLimited(text, retry_after=self.budget.wait_needed())
            return AuthError(text, hint="The token lacks a permission (scope) this source needs; see the README.")
        if status == 404:
            return NotFound(text, hint="Check the source's url and the account or item it points to.")
        if status == 429:
            return RateLimited(text, retry_after=_retry_after(response) or self.budget.wait_needed() or None)
        if 400 <= status < 500:
            return SourceError(text)
        return RemoteError(text)

    def _describe(self, response: requests.Response) -> str:
        if self.describe is not None:
            try:
                return self.describe(response)
            except Exception:  # noqa: BLE001 - a bad error body must not hide the error
                pass
        try:
            body = response.json()
        except (ValueError, RecursionError):
            return ""
        if isinstance(body, dict):
            for key in ("error_description", "message", "error", "detail", "title"):
                value = body.get(key)
                if isinstance(value, str):
                    return value
                if isinstance(value, dict) and isinstance(value.get("message"), str):
                    return value["message"]
        return ""

    def _host(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.netloc or "").lower()


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # the HTTP-date form
        from email.utils import parsedate_to_datetime

        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def dumps(data: Any) -> str:
    """Compact JSON for request bodies that must be byte-stable (idempotent retries)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
