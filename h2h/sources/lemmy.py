"""Lemmy (HTTP API v3, Lemmy 0.19): mentions of the account, replies to its
comments and keyword searches; the post's comments as the thread; replies
through `POST /api/v3/comment`.

A mention's `remote_id` is `comment/<id>` or `post/<id>` (the two id series
overlap), its `thread` is `post/<id>`. Authors are identified by their
ActivityPub id, which is the same on every instance.
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar, Iterator, Mapping
from urllib.parse import urlsplit

import requests

from h2h import clock
from h2h.errors import AuthError, NotFound, RateLimited, SourceError
from h2h.models import Mention, Person, SentReply, Thread
from h2h.sources import options
from h2h.sources.auth import secret
from h2h.sources.base import SOURCE_API_VERSION, Page
from h2h.sources.htmltext import markdown_text
from h2h.sources.http import Http
from h2h.sources.listing import Cursor, Listing, MalformedItem, each, walk_all

log = logging.getLogger("h2h.sources.lemmy")

LIMIT = 50                 # the most Lemmy gives per page
THREAD_PAGES = 4           # comments read for a thread: up to 200, oldest first
AUTH_ERRORS = frozenset({"not_logged_in", "incorrect_login", "incorrect_totp_token", "missing_totp_token",
                         "email_not_verified", "registration_application_is_pending", "site_ban", "deleted",
                         "person_is_banned_from_site", "banned"})


def _norm(text: str) -> str:
    return " ".join(text.split())


class LemmySource:
    type: ClassVar[str] = "lemmy"
    api_version: ClassVar[int] = SOURCE_API_VERSION
    max_length: ClassVar[int] = 10000   # Lemmy's limit on a comment's content

    def __init__(self, name: str, *, url: str, token: str, session: requests.Session,
                 keywords: tuple[str, ...] = (), community: str | None = None, mentions: bool = True,
                 max_pages: int = 5):
        self.name = name
        self.base = url.rstrip("/")
        self.keywords = keywords
        self.community = community
        self.mentions = mentions
        self.max_pages = max_pages
        self.http = Http(session, name, self.base, headers={"Authorization": f"Bearer {token}"})
        self._me: Person | None = None
        self._languages: dict[int, str] = {}

    @classmethod
    def from_config(cls, name: str, table: Mapping[str, Any], session: requests.Session) -> "LemmySource":
        v = options.parse(cls.type, name, table)
        return cls(name, url=v["url"], token=secret(name, table) or "", session=session,
                   keywords=v["keywords"] + v["query"], community=v["community"], mentions=v["mentions"],
                   max_pages=v["max_pages"])

    # --- the API ----------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One API call; Lemmy names its errors in the body ({"error": "not_logged_in"}), mostly with a 400."""
        response = self.http.request(method, f"/api/v3/{path}", expect=tuple(range(200, 600)), **kwargs)
        if 200 <= response.status_code < 300:
            body = self.http.json(response)
            if not isinstance(body, dict):
                raise SourceError(f"{self.name}: /api/v3/{path} answered something that is not a JSON object")
            return body
        try:
            error = response.json().get("error")
        except (ValueError, AttributeError):
            error = None
        text = f"{self.name}: {urlsplit(self.base).netloc} answered {response.status_code}" + (f": {error}" if error else "")
        if error in AUTH_ERRORS:
            raise AuthError(text, hint="Log in again for a fresh token (see the README's Lemmy section).")
        if error == "rate_limit_error":
            raise RateLimited(text, retry_after=None)
        if isinstance(error, str) and error.startswith("couldnt_find"):
            raise NotFound(text, hint="The post or comment may have been deleted.")
        raise self.http.error(response)

    # --- who we are -----------------------------------------------------------

    def whoami(self) -> Person:
        if self._me is None:
            site = self._call("GET", "site")
            person = ((site.get("my_user") or {}).get("local_user_view") or {}).get("person")
            if not isinstance(person, dict):
                raise AuthError(f"{self.name}: the instance does not know who this token belongs to",
                                hint="The token is missing or expired: log in again (see the README's Lemmy section).")
            self._languages = {lang["id"]: lang["code"] for lang in site.get("all_languages") or []
                               if isinstance(lang, dict) and isinstance(lang.get("code"), str)}
            self._me = self._person(person)
        return self._me

    def _person(self, p: Mapping[str, Any]) -> Person:
        actor = str(p.get("actor_id") or "")
        host = urlsplit(actor).netloc or urlsplit(self.base).netloc
        name = str(p.get("name") or "")
        created = None
        if p.get("published"):
            try:
                created = clock.parse_time(p["published"])
            except ValueError:
                created = None
        return Person(source=self.name, remote_id=actor or f"{host}/{p.get('id')}", handle=f"@{name}@{host}",
                      name=str(p.get("display_name") or ""), url=actor or None,
                      bot=bool(p.get("bot_account")), created_at=created, raw=dict(p))

    # --- mentions -------------------------------------------------------------

    def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
        self.whoami()  # our person id tells our own comments; the site names the languages
        yield from self._walk(cursor)

    def _walk(self, cursor: str | None) -> Iterator[Page]:
        listings: list[Listing[Any]] = []
        if self.mentions:
            listings.append(Listing("mentions", self._inbox("user/mention", "mentions"),
                                    lambda v: v["person_mention"]["id"], max_pages=self.max_pages))
            listings.append(Listing("replies", self._inbox("user/replies", "replies"),
                                    lambda v: v["comment_reply"]["id"], max_pages=self.max_pages))
        for word in self.keywords:
            listings.append(Listing(f"search:comments:{word}", self._search(word, "Comments"),
                                    lambda v: v["comment"]["id"], max_pages=self.max_pages))
            listings.append(Listing(f"search:posts:{word}", self._search(word, "Posts"),
                                    lambda v: v["post"]["id"], max_pages=self.max_pages))
        return walk_all(Cursor.load(cursor, self.name), listings, self._convert)

    def _inbox(self, path: str, key: str):
        def fetch(page: Any, since: Any) -> tuple[list[Any], Any]:
            number = int(page or 1)
            body = self._call("GET", path, params={"sort": "New", "page": number, "limit": LIMIT})
            return self._page(body, key, number)
        return fetch

    def _search(self, word: str, kind: str):
        def fetch(page: Any, since: Any) -> tuple[list[Any], Any]:
            number = int(page or 1)
            params: dict[str, Any] = {"q": word, "type_": kind, "sort": "New", "listing_type": "All",
                                      "page": number, "limit": LIMIT}
            if self.community:
                params["community_name"] = self.community
            body = self._call("GET", "search", params=params)
            return self._page(body, "comments" if kind == "Comments" else "posts", number)
        return fetch

    def _page(self, body: Mapping[str, Any], key: str, number: int) -> tuple[list[Any], Any]:
        items = body.get(key)
        if not isinstance(items, list):
            raise SourceError(f"{self.name}: the answer has no `{key}` list; is this a Lemmy 0.19 instance?")
        views = [v for v in items if isinstance(v, dict)]
        return views, number + 1 if len(items) >= LIMIT else None

    def _convert(self, listing: str, views: list[Any]) -> list[Mention]:
        to_me = listing in ("mentions", "replies")

        def one(v: Mapping[str, Any]) -> Mention | None:
            if "comment" in v:
                if v["comment"].get("deleted") or v["comment"].get("removed"):
                    return None  # nothing left to answer
                return self._comment(v, to_me=to_me or None)
            if "post" in v:
                return None if v["post"].get("deleted") or v["post"].get("removed") else self._post(v)
            return None
        return each(self.name, views, one)

    def _comment(self, v: Mapping[str, Any], *, to_me: bool | None) -> Mention:
        try:
            c, post = v["comment"], v["post"]
            created = clock.parse_time(c["published"])
            path = [int(x) for x in str(c["path"]).split(".")[1:]]
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedItem(f"{self.name}: a comment lacks {exc}; the answer is not one h2h can read") from None
        author = self._person(v.get("creator") or {})
        me = self._me
        text = markdown_text(str(c.get("content") or ""))
        if to_me is None:
            to_me = bool(me) and self._names_me(str(c.get("content") or ""))
        parent = f"comment/{path[-2]}" if len(path) >= 2 else f"post/{post['id']}"
        return Mention(source=self.name, platform="lemmy", remote_id=f"comment/{c['id']}", author=author, text=text,
                       created_at=created, url=f"{self.base}/comment/{c['id']}", in_reply_to=parent,
                       thread=f"post/{post['id']}", to_me=bool(to_me),
                       from_me=me is not None and author.remote_id == me.remote_id,
                       lang=self._lang(c.get("language_id")), raw=dict(v))

    def _names_me(self, content: str) -> bool:
        _, name, host = (self._me.handle if self._me else "@@").split("@")
        return bool(name) and re.search(rf"(?<![\w@])@{re.escape(name)}(?:@{re.escape(host)})?(?![\w@-])", content, re.I) is not None

    def _post(self, v: Mapping[str, Any]) -> Mention:
        try:
            p = v["post"]
            created = clock.parse_time(p["published"])
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedItem(f"{self.name}: a post lacks {exc}; the answer is not one h2h can read") from None
        author = self._person(v.get("creator") or {})
        me = self._me
        text = "\n\n".join(part for part in (str(p.get("name") or ""), markdown_text(str(p.get("body") or "")),
                                             str(p.get("url") or "")) if part)
        return Mention(source=self.name, platform="lemmy", remote_id=f"post/{p['id']}", author=author, text=text,
                       created_at=created, url=f"{self.base}/post/{p['id']}", thread=f"post/{p['id']}",
                       to_me=False, from_me=me is not None and author.remote_id == me.remote_id,
                       lang=self._lang(p.get("language_id")), raw=dict(v))

    def _lang(self, language_id: Any) -> str | None:
        code = self._languages.get(language_id) if isinstance(language_id, int) else None
        return code if code and code != "und" else None

    # --- threads --------------------------------------------------------------

    def fetch_thread(self, mention: Mention) -> Thread:
        self.whoami()
        post_id = _post_id(mention)
        post = self._call("GET", "post", params={"id": post_id}).get("post_view")
        messages = each(self.name, [post] if isinstance(post, dict) else [], self._post)
        for number in range(1, THREAD_PAGES + 1):
            body = self._call("GET", "comment/list", params={"post_id": post_id, "sort": "Old", "type_": "All",
                                                             "max_depth": 8, "page": number, "limit": LIMIT})
            views, more = self._page(body, "comments", number)
            messages += each(self.name, views, lambda v: None if v["comment"].get("deleted") or v["comment"].get("removed")
                             else self._comment(v, to_me=None))
            if more is None:
                break
        return Thread(source=self.name, root=f"post/{post_id}",
                      mentions=tuple(sorted(messages, key=lambda m: m.created_at)))

    # --- replying -------------------------------------------------------------

    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply:
        """Comment once. Lemmy has no idempotency key and accepts the same comment twice,
        so before commenting we read the replies under the same post or comment and look
        for ours with the same text: the reply layer records the attempt before calling,
        so a retry carries the same text, and finding it means the first try landed."""
        me = self.whoami()
        post_id = _post_id(mention)
        parent = int(mention.remote_id.split("/", 1)[1]) if mention.remote_id.startswith("comment/") else None
        existing = self._our_reply(me, post_id, parent, text)
        if existing is None:
            form: dict[str, Any] = {"content": text, "post_id": post_id}
            if parent is not None:
                form["parent_id"] = parent
            view = self._call("POST", "comment", json=form).get("comment_view")
            if not isinstance(view, dict) or not isinstance((view.get("comment") or {}).get("id"), int):
                raise SourceError(f"{self.name}: the instance accepted the reply but did not say which comment it made",
                                  hint=f"Check {mention.url} before sending again.")
            existing = view
        return self._sent(existing, mention, key)

    def _sent(self, view: Mapping[str, Any], mention: Mention, key: str) -> SentReply:
        c = view["comment"]
        try:
            sent_at = clock.parse_time(c["published"])
        except (KeyError, TypeError, ValueError):
            sent_at = clock.now()
        return SentReply(source=self.name, remote_id=f"comment/{c['id']}", url=f"{self.base}/comment/{c['id']}",
                         sent_at=sent_at, in_reply_to=mention.remote_id, key=key)

    def find_replies(self, mention: Mention, *, key: str) -> list[SentReply]:
        """Our comments answering `mention`, whatever their text (Lemmy keeps no key)."""
        parent = int(mention.remote_id.split("/", 1)[1]) if mention.remote_id.startswith("comment/") else None
        return [self._sent(v, mention, key) for v in self._our_replies(self.whoami(), _post_id(mention), parent, None)]

    def _our_reply(self, me: Person, post_id: int, parent: int | None, text: str) -> dict[str, Any] | None:
        return next(iter(self._our_replies(me, post_id, parent, text)), None)

    def _our_replies(self, me: Person, post_id: int, parent: int | None, text: str | None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"post_id": post_id, "sort": "New", "type_": "All", "limit": LIMIT}
        if parent is not None:
            params.update(parent_id=parent, max_depth=2)
        else:
            params["max_depth"] = 1
        found = []
        for v in self._call("GET", "comment/list", params=params).get("comments") or []:
            c = (v or {}).get("comment") or {}
            path = str(c.get("path", "")).split(".")
            direct = path[-2] == str(parent) if parent is not None else len(path) == 2
            if (direct and self._person(v.get("creator") or {}).remote_id == me.remote_id
                    and (text is None or _norm(str(c.get("content", ""))) == _norm(text))):
                found.append(v)
        return found


def _post_id(mention: Mention) -> int:
    raw = mention.raw or {}
    post = raw.get("post")
    if isinstance(post, Mapping) and isinstance(post.get("id"), int):
        return post["id"]
    if mention.thread and mention.thread.startswith("post/") and mention.thread[5:].isdigit():
        return int(mention.thread[5:])
    raise NotFound(f"{mention.source}: message {mention.remote_id} does not say which post it is under",
                   hint="Run `h2h fetch` again to refresh it.")
