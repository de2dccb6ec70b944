"""Reddit through its OAuth API.

Four streams, each walked newest first down to the last fetch (listing.py):
the inbox's username mentions (`/message/mentions`), replies to our comments
(`/message/comments`), replies to our posts (`/message/selfreply`), and an
optional keyword search of posts. Reddit's own bots (AutoModerator) are
flagged as bots.
Auth is a "script" app (client id and secret, username and password: the
password grant) or a ready bearer token. A thread is the comment's context
(`/comments/LINK/_/COMMENT?context=100`); replies go through `/api/comment`.
Reddit asks every client for a descriptive User-Agent naming its author.
"""

from __future__ import annotations

import re
import time
from typing import Any, Callable, ClassVar, Iterator, Mapping

from h2h import __version__, clock
from h2h.errors import AuthError, RateLimited, SourceError
from h2h.models import Mention, Person, SentReply, Thread
from h2h.redact import register
from h2h.sources import options
from h2h.redact import clip
from h2h.sources.auth import secret
from h2h.sources.base import SOURCE_API_VERSION, Page
from h2h.sources.htmltext import markdown_text
from h2h.sources.http import RATE_HEADERS, Http, RateBudget
from h2h.sources.listing import Cursor, Listing, MalformedItem, each, walk_all
from h2h.textutil import valid_text

SITE = "https://www.reddit.com"
INBOX = {"mentions": "message/mentions", "comments": "message/comments", "selfreply": "message/selfreply"}
# Accounts Reddit itself runs to post on its users' behalf: never a person waiting for us.
PLATFORM_BOTS = frozenset({"automoderator"})
_LINK_IN_CONTEXT = re.compile(r"/comments/([a-z0-9]+)/")


class RedditSource:
    type: ClassVar[str] = "reddit"
    api_version: ClassVar[int] = SOURCE_API_VERSION

    def __init__(self, name: str, http: Http, *, token: str | None = None, login: Http | None = None,
                 client: tuple[str, str] | None = None, username: str | None = None, password: str | None = None,
                 keywords: tuple[str, ...] = (), subreddits: tuple[str, ...] = (), inbox: bool = True,
                 page_size: int = 100, lookback_s: float = 7 * 86400):
        self.name = name
        self.http = http
        self.login = login
        self.client = client
        self.username = username
        self.password = password
        self.keywords = keywords
        self.subreddits = subreddits
        self.inbox = inbox
        self.page_size = page_size
        self.lookback_s = lookback_s
        self._token = token
        self._token_expires = float("inf") if token else 0.0
        self._me: Person | None = None

    @classmethod
    def from_config(cls, name: str, table: Mapping[str, Any], session: Any) -> "RedditSource":
        v = options.parse(cls.type, name, table)
        token = secret(name, table, required=False)
        username = v["username"]
        kwargs: dict[str, Any] = {}
        if token is None:
            kwargs = {"client": (v["client_id"], secret(name, table, prefix="client_secret")),
                      "password": secret(name, table, prefix="password"), "login": Http(session, name, v["auth_url"])}
        agent = v["user_agent"] or f"python:h2h:v{__version__} (by /u/{username or 'h2h-user'})"
        http = Http(session, name, v["url"], budget=RateBudget(RATE_HEADERS["reddit"]), headers={"User-Agent": agent})
        if "login" in kwargs:
            kwargs["login"].headers["User-Agent"] = agent
        return cls(name, http, token=token, username=username, keywords=v["keywords"],
                   subreddits=tuple(s.removeprefix("r/") for s in v["subreddits"]), inbox=v["inbox"],
                   page_size=v["page_size"], lookback_s=v["backfill"], **kwargs)

    # --- the protocol --------------------------------------------------------

    def whoami(self) -> Person:
        data = self._call("GET", "api/v1/me")
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            raise self._malformed("/api/v1/me answer without a name")
        created = data.get("created_utc")
        self._me = Person(source=self.name, remote_id=f"t2_{data.get('id')}" if data.get("id") else data["name"],
                          handle=data["name"], url=f"{SITE}/user/{data['name']}",
                          created_at=clock.parse_time(created) if isinstance(created, (int, float)) else None,
                          raw=data)
        return self._me

    def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
        if self.keywords and not self.username and self._me is None:
            self.whoami()  # a token alone does not say who we are; search results may be ours
        start = clock.now().timestamp() - self.lookback_s
        streams: list[tuple[str, str, dict[str, Any]]] = []
        if self.inbox:
            streams += [(key, path, {}) for key, path in INBOX.items()]
        if self.keywords:
            query = " OR ".join(f'"{k}"' if " " in k else k for k in self.keywords)
            path = f"r/{'+'.join(self.subreddits)}/search" if self.subreddits else "search"
            streams.append(("search", path, {"q": query, "sort": "new", "t": "all", "type": "link",
                                             "restrict_sr": "1" if self.subreddits else "0"}))
        listings = [Listing(key, self._stream(path, params), key=lambda c: self._stamp(self._thing(c))[0],
                            ident=lambda c: self._stamp(self._thing(c))[1], start=start)
                    for key, path, params in streams]
        # A reply that also mentions us is in both inbox streams: walk_all hands it out once.
        yield from walk_all(Cursor.load(cursor, self.name), listings,
                            lambda key, children: each(self.name, children,
                                                       lambda c: self._mention(c, to_me=key != "search")))

    def _stream(self, path: str, params: Mapping[str, Any]) -> Callable[[Any, Any], tuple[list[Any], Any]]:
        def fetch(after: Any, since: Any) -> tuple[list[Any], Any]:
            listing = self._listing(self._call("GET", path, params={**params, "limit": self.page_size,
                                                                     "after": after}))
            following = listing.get("after")
            if following is not None and following == after:
                raise self._malformed("listing whose next page is the same page")
            children = listing["children"]
            return children, following if children and following else None
        return fetch

    def fetch_thread(self, mention: Mention) -> Thread:
        link = self._link36(mention)
        if mention.remote_id.startswith("t1_"):
            answer = self._call("GET", f"comments/{link}/_/{mention.remote_id[3:]}", params={"context": 100})
        else:
            answer = self._call("GET", f"comments/{link}", params={"limit": 500, "sort": "old"})
        items = each(self.name, self._tree(answer), lambda c: self._mention(c, to_me=False))
        items.sort(key=lambda m: (m.created_at, m.remote_id))
        return Thread(source=self.name, root=f"t3_{link}", mentions=tuple(items))

    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply:
        # Reddit takes no idempotency key. A retry after a lost answer must not
        # post twice, so first look among the parent's newest replies for one
        # of ours with the same text: that is the earlier attempt, landed.
        existing = self._our_reply(mention, text)
        if existing is not None:
            return self._sent(existing, mention, key)
        answer = self._call("POST", "api/comment", data={"api_type": "json", "thing_id": mention.remote_id,
                                                         "text": text})
        block = answer.get("json") if isinstance(answer, dict) else None
        if not isinstance(block, dict):
            raise self._malformed("/api/comment answer without its json block")
        problems = block.get("errors") or []
        if problems:
            first = problems[0] if isinstance(problems[0], list) else [str(problems[0])]
            message = f"{self.name}: Reddit refused the reply: {clip(' '.join(str(p) for p in first[:2]), 300)}"
            if first and first[0] == "RATELIMIT":
                raise RateLimited(message)
            raise SourceError(message, hint="Open the thread on Reddit: it may be locked, archived or deleted.")
        things = (block.get("data") or {}).get("things") or []
        if not things or not isinstance(things[0], dict):
            raise self._malformed("/api/comment answer without the new comment")
        return self._sent(self._thing(things[0]), mention, key)

    # --- calls ---------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        params = {k: v for k, v in (kwargs.pop("params", None) or {}).items() if v is not None}
        params["raw_json"] = 1  # bodies as written, not HTML-escaped
        for attempt in range(2):
            self._authorize(force=attempt > 0)
            response = self.http.request(method, path, params=params, expect=(200, 401), **kwargs)
            # A script app's token expires within the day: get a new one, once.
            if response.status_code == 401 and attempt == 0 and self.client is not None:
                continue
            if response.status_code == 401:
                raise self.http.error(response)
            return self.http.json(response)
        raise AssertionError("unreachable")

    def _authorize(self, *, force: bool = False) -> None:
        if self.client is None or self.login is None:
            self.http.headers["Authorization"] = f"bearer {self._token}"
            return
        if not force and self._token and time.time() < self._token_expires:
            return
        response = self.login.request("POST", "api/v1/access_token", auth=self.client,
                                      data={"grant_type": "password", "username": self.username,
                                            "password": self.password})
        data = self.login.json(response)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            reason = data.get("error") if isinstance(data, dict) else None
            raise AuthError(f"{self.name}: Reddit refused the login ({reason or 'no token in the answer'})",
                            hint="Check username, password and the app's client id and secret; accounts with "
                                 "two-factor auth cannot use the password grant.")
        register(token)
        expires = data.get("expires_in")
        self._token = token
        self._token_expires = time.time() + (float(expires) - 60 if isinstance(expires, (int, float)) else 3000)
        self.http.headers["Authorization"] = f"bearer {token}"

    def find_replies(self, mention: Mention, *, key: str) -> list[SentReply]:
        """Our replies to `mention`, whatever their text (Reddit keeps no key)."""
        return [self._sent(data, mention, key) for data in self._our_replies(mention, None)]

    def _our_reply(self, mention: Mention, text: str) -> dict[str, Any] | None:
        return next(iter(self._our_replies(mention, text)), None)

    def _our_replies(self, mention: Mention, text: str | None) -> list[dict[str, Any]]:
        link = self._link36(mention)
        if mention.remote_id.startswith("t1_"):
            path, params = f"comments/{link}/_/{mention.remote_id[3:]}", {"depth": 2, "limit": 100, "sort": "new"}
        else:
            path, params = f"comments/{link}", {"depth": 1, "limit": 100, "sort": "new"}
        me = (self.username or self._me_handle()).lower()
        wanted = None if text is None else text.strip()
        found = []
        for child in self._tree(self._call("GET", path, params=params)):
            data = child.get("data") or {}
            if (data.get("parent_id") == mention.remote_id and str(data.get("author", "")).lower() == me
                    and (wanted is None or str(data.get("body", "")).strip() == wanted)):
                found.append(data)
        return found

    def _me_handle(self) -> str:
        return (self._me or self.whoami()).handle

    # --- shapes --------------------------------------------------------------

    def _listing(self, answer: Any) -> dict[str, Any]:
        data = answer.get("data") if isinstance(answer, dict) and answer.get("kind") == "Listing" else None
        if not isinstance(data, dict) or not isinstance(data.get("children"), list):
            raise self._malformed("answer that is not a Listing")
        return data

    def _tree(self, answer: Any) -> list[dict[str, Any]]:
        """Every post and comment in a comments answer ([post listing, comment listing])."""
        if not isinstance(answer, list):
            raise self._malformed("comments answer that is not a pair of listings")
        out, stack = [], [c for listing in reversed(answer) for c in reversed(self._listing(listing)["children"])]
        while stack:
            child = stack.pop()
            if not isinstance(child, dict) or child.get("kind") not in ("t1", "t3"):
                continue  # "more" stubs: unloaded replies
            out.append(child)
            replies = child.get("data", {}).get("replies") if isinstance(child.get("data"), dict) else None
            if isinstance(replies, dict):  # a Listing, or "" when there are none
                stack.extend(reversed(self._listing(replies)["children"]))
        return out

    def _thing(self, child: Any) -> dict[str, Any]:
        data = child.get("data") if isinstance(child, dict) else None
        if not isinstance(data, dict):
            raise MalformedItem(f"{self.name}: Reddit sent a listing item without data")
        return data

    def _stamp(self, data: Mapping[str, Any]) -> tuple[float, str]:
        try:
            return float(data["created_utc"]), str(data["name"])
        except (KeyError, TypeError, ValueError):
            raise MalformedItem(f"{self.name}: Reddit sent an item without created_utc or name") from None

    def _mention(self, child: Mapping[str, Any], *, to_me: bool) -> Mention:
        data = self._thing(child)
        created, fullname = self._stamp(data)
        is_post = child.get("kind") == "t3" or fullname.startswith("t3_")
        if is_post:
            text = f"{data.get('title') or ''}\n\n{markdown_text(str(data.get('selftext') or ''))}".strip()
        else:
            text = markdown_text(str(data.get("body") or ""))
        author = str(data.get("author") or "[deleted]")
        deleted = author == "[deleted]"
        person = Person(source=self.name, remote_id=f"[deleted]:{fullname}" if deleted else
                        str(data.get("author_fullname") or author), handle=author,
                        url=None if deleted else f"{SITE}/user/{author}",
                        bot=True if author.lower() in PLATFORM_BOTS else None)
        link = self._link_of(data, fullname)
        url = str(data.get("permalink") or data.get("context") or "").split("?")[0] or None
        me = self.username or (self._me.handle if self._me else None)
        return Mention(source=self.name, platform="reddit", remote_id=fullname, author=person,
                       text=valid_text(text), created_at=clock.parse_time(created),
                       url=f"{SITE}{url}" if url and url.startswith("/") else url,
                       in_reply_to=None if is_post else data.get("parent_id"),
                       thread=f"t3_{link}" if link else None, to_me=to_me,
                       from_me=bool(me and not deleted and author.lower() == me.lower()), raw=dict(data))

    def _link_of(self, data: Mapping[str, Any], fullname: str) -> str | None:
        if fullname.startswith("t3_"):
            return fullname[3:]
        link = data.get("link_id")
        if isinstance(link, str) and link.startswith("t3_"):
            return link[3:]
        found = _LINK_IN_CONTEXT.search(str(data.get("context") or data.get("permalink") or ""))
        return found.group(1) if found else None

    def _link36(self, mention: Mention) -> str:
        link = (mention.thread or "").removeprefix("t3_") or self._link_of(mention.raw or {}, mention.remote_id)
        if not link:
            raise SourceError(f"{self.name}: cannot tell which post {mention.remote_id} belongs to",
                              hint="Fetch again so the mention is stored with its thread.")
        return link

    def _sent(self, data: Mapping[str, Any], mention: Mention, key: str) -> SentReply:
        fullname = str(data.get("name") or f"t1_{data.get('id')}")
        link = self._link_of(data, fullname) or self._link36(mention)
        permalink = data.get("permalink") or f"/comments/{link}/_/{fullname.removeprefix('t1_')}/"
        created = data.get("created_utc")
        return SentReply(source=self.name, remote_id=fullname, url=f"{SITE}{permalink}",
                         sent_at=clock.parse_time(created) if isinstance(created, (int, float)) else clock.now(),
                         in_reply_to=mention.remote_id, key=key)

    def _malformed(self, what: str) -> SourceError:
        return SourceError(f"{self.name}: Reddit sent an {what}",
                           hint="The API may have changed, or a proxy answered instead of Reddit; retry later.")
