"""Stack Exchange (Stack Overflow, Super User, ...) through API 2.3 (read-only).

Mentions are the questions `/search/advanced` finds on one `site` by `tags`
and `query`, newest first, walked down to the last fetch (listing.py) inside a
fixed `todate` window so that pages do not shift while new questions arrive.
The API is polite only if the client is: every answer carries
`quota_remaining` (a daily budget per IP, or per app `key`) and sometimes
`backoff` (seconds to wait before calling the same method again). Both are
honoured, and the backoff outlives the process through the cursor.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, Iterator, Mapping

from h2h import clock
from h2h.errors import AuthError, ConfigError, NotFound, NotSupported, RateLimited, RemoteError, SourceError
from h2h.models import Mention, Person, SentReply, Thread
from h2h.sources import options
from h2h.sources.auth import secret
from h2h.sources.base import SOURCE_API_VERSION, Page
from h2h.sources.http import MAX_POLITE_WAIT, Http
from h2h.sources import values
from h2h.sources.listing import Cursor, Listing, MalformedItem, each, walk_all
from h2h.sources.htmltext import html_to_text
from h2h.textutil import valid_text

# The built-in filter that adds `body` to questions and answers.
FILTER = "withbody"
MAX_PAGES = 1000
_SECONDS = re.compile(r"(\d+)\s*seconds?")
COMMUNITY_USER = -1  # "Community", the account every site runs to bump and edit posts: a bot


class StackExchangeSource:
    type: ClassVar[str] = "stackexchange"
    api_version: ClassVar[int] = SOURCE_API_VERSION

    def __init__(self, name: str, http: Http, *, site: str, tags: tuple[str, ...] = (), query: str | None = None,
                 key: str | None = None, token: str | None = None, page_size: int = 100,
                 lookback_s: float = 7 * 86400):
        self.name = name
        self.http = http
        self.site = site
        self.tags = tags
        self.query = query
        self.key = key
        self.token = token
        self.page_size = page_size
        self.lookback_s = lookback_s
        self.not_before = 0.0  # Unix time before which the API asked us not to call again

    @classmethod
    def from_config(cls, name: str, table: Mapping[str, Any], session: Any) -> "StackExchangeSource":
        v = options.parse(cls.type, name, table)
        return cls(name, Http(session, name, v["url"]), site=v["site"], tags=v["tags"], query=v["query"], key=v["key"],
                   token=secret(name, table, required=False), page_size=v["page_size"], lookback_s=v["backfill"])

    # --- the protocol --------------------------------------------------------

    def whoami(self) -> Person:
        if not self.token:
            return Person(source=self.name, remote_id="(anonymous)", handle="(anonymous)")
        items = self._items(self._get("me", {}))
        if not items:
            raise AuthError(f"{self.name}: the access token has no user on {self.site}",
                            hint="Create an account on that site, or remove token_env: searching needs none.")
        return self._person(items[0])

    def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
        saved = Cursor.load(cursor, self.name)
        self.not_before = max(self.not_before, values.moment(saved.extra.get("not_before")) or 0.0)

        def page(at: Any, since: float) -> tuple[list[dict[str, Any]], Any]:
            found = self._search_page(at, since)
            saved.extra = {"not_before": self.not_before} if self.not_before > time.time() else {}
            return found

        search = Listing("search", page, key=lambda q: self._stamp(q, "question_id")[0],
                         ident=lambda q: self._stamp(q, "question_id")[1],
                         start=clock.now().timestamp() - self.lookback_s)
        yield from walk_all(saved, [search], lambda _, items: each(self.name, items, self._mention))

    def _search_page(self, at: Any, since: float) -> tuple[list[dict[str, Any]], Any]:
        at = at if isinstance(at, dict) else {"todate": int(clock.now().timestamp()) + 1, "page": 1}
        params: dict[str, Any] = {"sort": "creation", "order": "desc", "fromdate": int(since),
                                  "todate": at["todate"], "page": at["page"], "pagesize": self.page_size}
        if self.tags:
            params["tagged"] = ";".join(self.tags)
        if self.query:
            params["q"] = self.query
        body = self._get("search/advanced", params)
        items = self._items(body)
        if body.get("has_more") is not True:
            return items, None
        if int(at["page"]) >= MAX_PAGES:
            raise self._malformed(f"search that still has more after {MAX_PAGES} pages")
        return items, {"todate": at["todate"], "page": int(at["page"]) + 1}

    def fetch_thread(self, mention: Mention) -> Thread:
        question = mention.thread or mention.remote_id
        body = self._get(f"questions/{question}/answers", {"sort": "creation", "order": "asc", "pagesize": 100})
        answers = each(self.name, self._items(body), lambda item: self._mention(item, question=question))
        items = ([mention] if mention.remote_id == question else []) + answers
        return Thread(source=self.name, root=question, mentions=tuple(sorted(items, key=lambda m: m.created_at)))

    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply:
        url = mention.url or f"https://{self.site}.com/q/{mention.remote_id}"
        err = NotSupported(f"{self.name}: h2h cannot post answers on Stack Exchange",
                           hint=f"Open {url}, paste the answer there and post it; then run `h2h done`.")
        err.url = url  # type: ignore[attr-defined]  # the reply flow prints it beside the text
        raise err

    # --- calls ---------------------------------------------------------------

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        wait = self.not_before - time.time()
        if wait > MAX_POLITE_WAIT:
            raise RateLimited(f"{self.name}: Stack Exchange asked for a pause of {int(wait) + 1}s",
                              retry_after=wait)
        if wait > 0:
            self.http.sleep(wait)
            self.not_before = 0.0  # served
        params = {**params, "site": self.site, "filter": FILTER}
        if self.key:
            params["key"] = self.key
        if self.token:
            params["access_token"] = self.token
        response = self.http.request("GET", path, params=params, expect=tuple(range(200, 600)))
        try:
            body = response.json()
        except (ValueError, RecursionError):
            if response.status_code == 200:
                return self.http.json(response)  # raises SourceError with a snippet
            raise self.http.error(response) from None
        if not isinstance(body, dict):
            raise self._malformed("answer that is not the common wrapper object")
        if "error_id" in body or response.status_code != 200:
            raise self._error(body, response.status_code)
        self._note_limits(body)
        return body

    def _note_limits(self, body: Mapping[str, Any]) -> None:
        backoff = values.pause(body.get("backoff"))
        if backoff:
            self.not_before = max(self.not_before, time.time() + backoff)
        remaining, limit = body.get("quota_remaining"), body.get("quota_max")
        remaining, limit = values.count(remaining), values.count(limit)
        if remaining is not None:
            # The daily quota resets at midnight UTC; Http refuses to call past an empty budget.
            midnight = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
            budget = self.http.budget
            budget.remaining, budget.limit = float(remaining), float(limit) if limit is not None else None
            budget.reset_at = (midnight + timedelta(days=1)).timestamp()

    def _error(self, body: Mapping[str, Any], status: int) -> Exception:
        error_id = body.get("error_id")
        name = str(body.get("error_name") or "")
        message = f"{self.name}: Stack Exchange answered {error_id or status} {name}: {body.get('error_message') or ''}"
        message = message.rstrip(": ")
        if error_id == 502:  # throttle_violation: "... more requests available in N seconds"
            found = _SECONDS.search(str(body.get("error_message") or ""))
            retry = values.pause(found.group(1)) if found else None
            if retry:
                self.not_before = max(self.not_before, time.time() + retry)
            return RateLimited(message, retry_after=retry)
        if error_id in (401, 402, 403, 406):
            return AuthError(message, hint="Check token_env (an access token for this app) and key.")
        if error_id == 405:
            return AuthError(message, hint="This call needs the app's key: set key in the source's table.")
        if error_id == 400:
            return ConfigError(message, hint="Check the source's site, tags and query.")
        if error_id == 404 or status == 404:
            return NotFound(message, hint="Check the source's url (the API base, e.g. https://api.stackexchange.com/2.3).")
        if error_id in (500, 503) or status >= 500:
            return RemoteError(message)
        return SourceError(message)

    # --- shapes --------------------------------------------------------------

    def _items(self, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        items = body.get("items")
        if not isinstance(items, list):
            raise self._malformed("wrapper without an items list")
        return items

    def _stamp(self, item: Mapping[str, Any], key: str) -> tuple[float, str]:
        try:
            return float(item["creation_date"]), str(int(item[key]))
        except (KeyError, TypeError, ValueError):
            raise MalformedItem(f"{self.name}: Stack Exchange sent an item without creation_date or {key}") from None

    def _person(self, owner: Mapping[str, Any]) -> Person:
        name = html_to_text(str(owner.get("display_name") or "")) or "(unknown)"
        user_id = owner.get("user_id")
        created = owner.get("creation_date")
        return Person(source=self.name, remote_id=str(user_id) if user_id is not None else f"(gone):{name}",
                      handle=name, name=name, url=owner.get("link"),
                      bot=True if user_id == COMMUNITY_USER else None,
                      created_at=clock.parse_time(created) if isinstance(created, int) else None, raw=dict(owner))

    def _mention(self, item: Mapping[str, Any], *, question: str | None = None) -> Mention:
        """A question, or (with `question`) one of its answers."""
        created, item_id = self._stamp(item, "answer_id" if question else "question_id")
        title = html_to_text(str(item.get("title") or ""))
        text = html_to_text(str(item.get("body") or ""))
        owner = item.get("owner")
        owner = owner if isinstance(owner, dict) else {}
        return Mention(source=self.name, platform="stackexchange", remote_id=item_id, author=self._person(owner),
                       text=valid_text(f"{title}\n\n{text}".strip() if not question else text),
                       created_at=clock.parse_time(created), url=item.get("link") or item.get("share_link"),
                       in_reply_to=question, thread=question or item_id, to_me=False, raw=dict(item))

    def _malformed(self, what: str) -> SourceError:
        return SourceError(f"{self.name}: Stack Exchange sent an {what}",
                           hint="The API may have changed; retry later, and report it if it persists.")
