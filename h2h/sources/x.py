"""X (API v2): posts mentioning the account and a recent search, conversation
threads, replies through `POST /2/tweets`.

Every read asks for the fields it uses (`tweet.fields`, `user.fields`,
`expansions`): without them X answers ids and text only. Authors come from
`includes.users`. A 200 answer may also carry `errors[]` (a referenced post
deleted, an author suspended): the good data is kept and the problems are
logged and listed in `problems`. Each endpoint has its own rate-limit window,
so each gets its own budget from the `x-rate-limit-*` headers.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import datetime, timezone
from typing import Any, ClassVar, Iterator, Mapping

import requests

from h2h import clock
from h2h.errors import AuthError, InputError, NotFound, RateLimited, SourceError
from h2h.models import Mention, Person, SentReply, Thread
from h2h.sources import options
from h2h.redact import clip
from h2h.sources.auth import secret
from h2h.sources.base import SOURCE_API_VERSION, Page
from h2h.sources.http import RATE_HEADERS, Http, RateBudget
from h2h.sources.listing import Cursor, Listing, MalformedItem, each, walk_all
from h2h.length import MAX_WEIGHTED, weighted_length

log = logging.getLogger("h2h.sources.x")

TWEET_FIELDS = ("author_id,conversation_id,created_at,entities,in_reply_to_user_id,lang,note_tweet,"
                "public_metrics,referenced_tweets")
USER_FIELDS = "created_at,name,public_metrics,username,verified"
EXPANSIONS = "author_id,in_reply_to_user_id,referenced_tweets.id"
FIELDS = {"tweet.fields": TWEET_FIELDS, "user.fields": USER_FIELDS, "expansions": EXPANSIONS}
TWITTER_EPOCH_MS = 1288834974657   # snowflake ids carry their creation time
_LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")
_URL = re.compile(r"https?://\S+")


def _describe(response: requests.Response) -> str:
    body = response.json()
    if not isinstance(body, dict):
        return ""
    parts = [str(body[k]) for k in ("title", "detail") if isinstance(body.get(k), str)]
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        parts.append(str(errors[0].get("message") or errors[0].get("detail") or ""))
    return ": ".join(p for p in parts if p)


def _same_text(posted: str, ours: str) -> bool:
    """Whether a post X shows is the text we sent: X escapes &<>, shortens links and may add
    the reply's leading @names."""
    def norm(text: str) -> str:
        text = _LEADING_MENTIONS.sub("", html.unescape(text).strip())
        return " ".join(_URL.sub("<link>", text).split())
    return norm(posted) == norm(ours)


class XSource:
    type: ClassVar[str] = "x"
    api_version: ClassVar[int] = SOURCE_API_VERSION
    # The drafter's budget for one reply (weighted: see h2h.length).
    max_length: ClassVar[int] = MAX_WEIGHTED

    def __init__(self, name: str, *, token: str, session: requests.Session, url: str = "https://api.x.com",
                 query: str | None = None, mentions: bool = True, user_id: str | None = None,
                 username: str | None = None, max_pages: int = 5, max_results: int = 100):
        self.name = name
        self.query = query
        self.mentions = mentions
        self.max_pages = max_pages
        self.max_results = max_results
        self.problems: list[str] = []
        self._anonymous = False
        self._me = Person(source=name, remote_id=user_id, handle=username) if user_id and username else None
        headers = {"Authorization": f"Bearer {token}"}
        # One client per endpoint: X counts each endpoint's requests in its own window.
        self._http = {part: Http(session, name, url.rstrip("/"), budget=RateBudget(RATE_HEADERS["x"]),
                                 headers=headers, describe=_describe)
                      for part in ("users", "mentions", "search", "lookup", "timeline", "post")}

    @classmethod
    def from_config(cls, name: str, table: Mapping[str, Any], session: requests.Session) -> "XSource":
        v = options.parse(cls.type, name, table)
        query = v["query"]
        if query is None and v["keywords"]:
            # Reposts repeat what someone else said; the conversation is with the original.
            query = "(" + " OR ".join(f'"{k}"' if " " in k or "." in k else k for k in v["keywords"]) + ") -is:retweet"
        username = v["username"]
        return cls(name, token=secret(name, table) or "", session=session, url=v["url"], query=query,
                   mentions=v["mentions"], user_id=v["user_id"], username=username.lstrip("@") if username else None,
                   max_pages=v["max_pages"], max_results=v["max_results"])

    # --- who we are -----------------------------------------------------------

    def whoami(self) -> Person:
        if self._me is None:
            body = self._get("users", "/2/users/me", {"user.fields": USER_FIELDS})
            user = body.get("data")
            if not isinstance(user, dict) or not user.get("id"):
                raise SourceError(f"{self.name}: /2/users/me did not describe an account")
            self._me = self._person(user["id"], user)
        return self._me

    def _person(self, user_id: str | None, user: Mapping[str, Any] | None, tweet_id: str = "") -> Person:
        if not user_id:
            # Only when X ignored our expansions (default-field answers): an unknown author per post,
            # never one "unknown" person who would collect everyone's messages.
            return Person(source=self.name, remote_id=f"unknown-author-of-{tweet_id}", handle="unknown")
        user = user or {}
        username = user.get("username")
        metrics = user.get("public_metrics") or {}
        created = None
        if user.get("created_at"):
            try:
                created = clock.parse_time(user["created_at"])
            except ValueError:
                created = None
        return Person(source=self.name, remote_id=str(user_id), handle=str(username or user_id),
                      name=str(user.get("name") or ""), url=f"https://x.com/{username}" if username else None,
                      followers=metrics.get("followers_count") if isinstance(metrics.get("followers_count"), int) else None,
                      created_at=created, raw=dict(user) if user else None)

    # --- mentions -------------------------------------------------------------

    def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
        listings: list[Listing[Any]] = []
        if self.mentions:
            listings.append(Listing("mentions", self._mentions_page, _key, max_pages=self.max_pages))
        if self.query:
            listings.append(Listing("search", self._search_page, _key, max_pages=self.max_pages))
        if not listings:
            return iter(())
        return walk_all(Cursor.load(cursor, self.name), listings, self._convert)

    def _mentions_page(self, page: Any, since: Any) -> tuple[list[Any], Any]:
        me = self.whoami()
        return self._timeline("mentions", f"/2/users/{me.remote_id}/mentions", page, since, {})

    def _search_page(self, page: Any, since: Any) -> tuple[list[Any], Any]:
        if self._me is None and not self.mentions and not self._anonymous:
            try:  # to tell our own posts and posts addressed to us; an app-only token cannot say
                self.whoami()
            except AuthError:
                self._anonymous = True
                log.info("%s: this token cannot say whose it is; set user_id and username", self.name)
        try:
            return self._timeline("search", "/2/tweets/search/recent", page, since, {"query": self.query})
        except SourceError:
            if since is None:
                raise
            # Recent search refuses a since_id older than its 7-day window; the walk still stops at `since`.
            log.info("%s: recent search refused since_id=%s; searching without it", self.name, since)
            return self._timeline("search", "/2/tweets/search/recent", page, None, {"query": self.query})

    def _timeline(self, part: str, path: str, page: Any, since: Any, extra: dict[str, Any]) -> tuple[list[Any], Any]:
        params = {**FIELDS, **extra, "max_results": self.max_results}
        if since is not None:
            params["since_id"] = str(since)
        if page:
            params["pagination_token"] = page
        body = self._get(part, path, params)
        tweets = body.get("data") or []
        if not isinstance(tweets, list):
            raise SourceError(f"{self.name}: {path} answered `data` that is not a list")
        users = {u.get("id"): u for u in (body.get("includes") or {}).get("users") or [] if isinstance(u, dict)}
        items = [{"tweet": t, "author": users.get(t.get("author_id"))} for t in tweets
                 if isinstance(t, dict) and str(t.get("id", "")).isdigit()]
        meta = body.get("meta") or {}
        return items, meta.get("next_token") if items else None

    def _get(self, part: str, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        body = self._http[part].get_json(path, params=params)
        if not isinstance(body, dict):
            raise SourceError(f"{self.name}: {path} answered something that is not a JSON object")
        problems = body.get("errors")
        if isinstance(problems, list) and problems:
            if "data" not in body and not (body.get("meta") or {}).get("result_count") == 0:
                raise _partial_error(self.name, path, problems)
            for p in problems:
                note = _problem(p)
                self.problems.append(note)
                log.warning("%s: %s answered with a problem: %s", self.name, path, note)
        return body

    def _convert(self, listing: str, items: list[Any]) -> list[Mention]:
        return each(self.name, items, lambda i: self._mention(i["tweet"], i["author"],
                                                             to_me=True if listing == "mentions" else None))

    def _mention(self, tweet: Mapping[str, Any], author: Mapping[str, Any] | None, *, to_me: bool | None) -> Mention:
        tweet_id = str(tweet["id"])
        person = self._person(tweet.get("author_id"), author, tweet_id)
        try:
            created = clock.parse_time(tweet["created_at"]) if tweet.get("created_at") else _snowflake_time(tweet_id)
        except ValueError:
            raise MalformedItem(f"{self.name}: post {tweet_id} has an unreadable created_at") from None
        me = self._me
        if to_me is None:
            mentioned = {str(m.get("username", "")).lower() for m in (tweet.get("entities") or {}).get("mentions") or []}
            to_me = me is not None and (tweet.get("in_reply_to_user_id") == me.remote_id or me.handle.lower() in mentioned)
        parent = next((r.get("id") for r in tweet.get("referenced_tweets") or []
                       if isinstance(r, dict) and r.get("type") == "replied_to"), None)
        lang = tweet.get("lang")
        username = (author or {}).get("username") or "i/web"
        return Mention(source=self.name, platform="x", remote_id=tweet_id, author=person, text=_text(tweet),
                       created_at=created, url=f"https://x.com/{username}/status/{tweet_id}",
                       in_reply_to=str(parent) if parent else None,
                       thread=str(tweet["conversation_id"]) if tweet.get("conversation_id") else None,
                       to_me=bool(to_me), from_me=me is not None and person.remote_id == me.remote_id,
                       lang=lang if isinstance(lang, str) and len(lang) == 2 else None,
                       raw={"tweet": dict(tweet), "author": dict(author) if author else None})

    # --- threads --------------------------------------------------------------

    def fetch_thread(self, mention: Mention) -> Thread:
        """The conversation's posts from the last 7 days (what recent search can see), with its first post."""
        root = mention.thread or str(((mention.raw or {}).get("tweet") or {}).get("conversation_id") or mention.remote_id)
        items, _ = self._timeline("search", "/2/tweets/search/recent", None, None, {"query": f"conversation_id:{root}"})
        found = {i["tweet"]["id"]: i for i in items}
        if root not in found and root != mention.remote_id:
            body = self._get("lookup", "/2/tweets", {**FIELDS, "ids": root})
            users = {u.get("id"): u for u in (body.get("includes") or {}).get("users") or [] if isinstance(u, dict)}
            for t in body.get("data") or []:
                found[str(t["id"])] = {"tweet": t, "author": users.get(t.get("author_id"))}
        posts = each(self.name, found.values(), lambda i: self._mention(i["tweet"], i["author"], to_me=None))
        if mention.remote_id not in found:
            posts.append(mention)
        return Thread(source=self.name, root=root, mentions=tuple(sorted(posts, key=lambda m: (m.created_at, int(m.remote_id)))))

    # --- replying -------------------------------------------------------------

    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply:
        """Post once. X has no idempotency key: the reply layer records the attempt before
        calling, and here we first look through our latest posts for a reply to the same post
        with the same text (our own timeline is read back at once, unlike search). X also
        refuses identical text from one account (403 duplicate content), which sends us
        looking again rather than failing."""
        length = weighted_length(text)
        if not 0 < length <= MAX_WEIGHTED:
            raise InputError(f"the reply is {length} characters as X counts them; X allows {MAX_WEIGHTED}",
                             hint="Shorten the draft (`h2h draft ID --edit`); a link counts 23, CJK and emoji 2.")
        me = self.whoami()
        existing = self._our_reply(me, mention.remote_id, text)
        if existing is not None:
            return self._sent(existing, mention, key, me)
        http = self._http["post"]
        response = http.request("POST", "/2/tweets", json={"text": text, "reply": {"in_reply_to_tweet_id": mention.remote_id}},
                                expect=(200, 201, 403, 429))
        if response.status_code == 429:
            raise RateLimited(f"{self.name}: X refused the post: too many posts", retry_after=_post_retry_after(response))
        body = http.json(response)
        if response.status_code == 403:
            detail = _describe(response)
            if "duplicate" in detail.lower():
                existing = self._our_reply(me, mention.remote_id, text)
                if existing is not None:
                    return self._sent(existing, mention, key, me)
                raise SourceError(f"{self.name}: X refused the post as a duplicate of an earlier one",
                                  hint="Change the wording, or check the conversation on X.")
            raise AuthError(f"{self.name}: X refused the post: {detail}",
                            hint="Posting needs a user-context token with the tweet.write scope; see the README.")
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not data.get("id"):
            raise SourceError(f"{self.name}: X accepted the reply but did not say which post it made",
                              hint=f"Check {mention.url} before sending again.")
        return self._sent(data, mention, key, me)

    def find_replies(self, mention: Mention, *, key: str) -> list[SentReply]:
        """Our replies to `mention` among our latest posts, whatever their text (X keeps no key)."""
        me = self.whoami()
        return [self._sent(t, mention, key, me) for t in self._our_replies(me, mention.remote_id, None)]

    def _our_reply(self, me: Person, parent: str, text: str) -> dict[str, Any] | None:
        return next(iter(self._our_replies(me, parent, text)), None)

    def _our_replies(self, me: Person, parent: str, text: str | None) -> list[dict[str, Any]]:
        body = self._get("timeline", f"/2/users/{me.remote_id}/tweets",
                         {"tweet.fields": "created_at,referenced_tweets,conversation_id", "max_results": 20})
        found = []
        for tweet in body.get("data") or []:
            if not isinstance(tweet, dict):
                continue
            replies_to = {r.get("id") for r in tweet.get("referenced_tweets") or [] if r.get("type") == "replied_to"}
            if parent in replies_to and (text is None or _same_text(str(tweet.get("text", "")), text)):
                found.append(tweet)
        return found

    def _sent(self, tweet: Mapping[str, Any], mention: Mention, key: str, me: Person) -> SentReply:
        tweet_id = str(tweet["id"])
        try:
            sent_at = clock.parse_time(tweet["created_at"]) if tweet.get("created_at") else clock.now()
        except ValueError:
            sent_at = clock.now()
        return SentReply(source=self.name, remote_id=tweet_id, url=f"https://x.com/{me.handle}/status/{tweet_id}",
                         sent_at=sent_at, in_reply_to=mention.remote_id, key=key)


def _key(item: Mapping[str, Any]) -> int:
    return int(item["tweet"]["id"])


def _text(tweet: Mapping[str, Any]) -> str:
    """Plain text: the long-post text when there is one, links expanded, X's &amp; undone."""
    note = tweet.get("note_tweet")
    text = str((note or {}).get("text") or tweet.get("text") or "") if isinstance(note, dict) else str(tweet.get("text") or "")
    for url in ((tweet.get("entities") or {}).get("urls") or []):
        if isinstance(url, dict) and url.get("url") and url.get("expanded_url"):
            text = text.replace(url["url"], url["expanded_url"])
    return html.unescape(text)


def _snowflake_time(tweet_id: str) -> datetime:
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + TWITTER_EPOCH_MS) / 1000, timezone.utc)


def _problem(p: Any) -> str:
    if not isinstance(p, dict):
        return clip(str(p), 200)
    what = p.get("detail") or p.get("message") or p.get("title") or "a problem"
    return clip(f"{p.get('title') or 'error'}: {what}", 300)


def _partial_error(source: str, path: str, problems: list[Any]) -> Exception:
    first = problems[0] if isinstance(problems[0], dict) else {}
    kind = str(first.get("type", ""))
    text = f"{source}: {path} answered only errors: {_problem(first)}"
    if kind.endswith("resource-not-found"):
        return NotFound(text, hint="Check user_id (or remove it to let h2h ask X who the token belongs to).")
    if kind.endswith(("not-authorized-for-resource", "client-forbidden")):
        return AuthError(text)
    return SourceError(text)


def _post_retry_after(response: requests.Response) -> float | None:
    # Posting has a 15-minute window (x-rate-limit-*) and a 24-hour cap per user (x-user-limit-24hour-*).
    now = clock.now().timestamp()
    for prefix in ("x-user-limit-24hour", "x-app-limit-24hour", "x-rate-limit"):
        if response.headers.get(f"{prefix}-remaining") == "0":
            try:
                return max(0.0, float(response.headers.get(f"{prefix}-reset", "")) - now)
            except ValueError:
                continue
    value = response.headers.get("Retry-After")
    return float(value) if value and value.isdigit() else None
