"""Mastodon (and servers speaking its client API): mention notifications, the
thread around a post, keyword search, and replies.

What it calls: `GET /api/v1/accounts/verify_credentials` (who we are),
`GET /api/v2/instance` (the local domain, the character limit, whether grouped
notifications exist), `GET /api/v1|v2/notifications?types[]=mention`,
`GET /api/v1/statuses/:id/context`, `GET /api/v2/search` when `keywords` is
set, and `POST /api/v1/statuses` with an `Idempotency-Key`.

The cursor is a small JSON object: `n` is the newest notification id stored,
`k` the newest status id per keyword. Notifications after `n` are walked
oldest-first (`min_id`), so every page's cursor is safe to save. The very first
fetch and keyword searches can only walk newest-first; their pages carry the
cursor unchanged and only the walk's last page advances it, so a fetch killed
half-way starts that walk again instead of skipping what it had not reached.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any, ClassVar, Iterable, Iterator, Mapping
from urllib.parse import urlsplit

from h2h import clock
from h2h.errors import AuthError, H2HError, InputError, NotFound, SourceError
from h2h.models import Mention, Person, SentReply, Thread
from h2h.redact import clip
from h2h.sources import options
from h2h.sources.auth import secret
from h2h.sources.base import SOURCE_API_VERSION, Page
from h2h.sources.htmltext import html_to_text
from h2h.sources.http import RATE_HEADERS, Http, RateBudget
from h2h.sources.listing import MalformedItem, each
from h2h.textutil import valid_text

PAGE = 40                 # Mastodon's default page for notifications and search (its maximum is 80)
MAX_PAGES = 50            # per walk and run; the rest waits for the next run, the cursor says where
DEFAULT_LIMIT = 500       # characters, unless the instance says otherwise


class MastodonSource:
    type: ClassVar[str] = "mastodon"
    api_version: ClassVar[int] = SOURCE_API_VERSION
    platform: ClassVar[str] = "mastodon"

    def __init__(self, name: str, http: Http, *, keywords: Iterable[str] = (), backfill_s: float = 30 * 86400.0,
                 notifications: str = "auto", page_size: int = PAGE):
        self.name = name
        self.http = http
        self.keywords = tuple(keywords)
        self.backfill_s = backfill_s
        self.notifications = notifications
        self.page_size = page_size
        self._me: Person | None = None
        self._instance: dict[str, Any] | None = None

    # --- construction ---------------------------------------------------------
    @classmethod
    def from_config(cls, name: str, table: Mapping[str, Any], session: Any) -> "MastodonSource":
        v = options.parse(cls.type, name, table)
        token = secret(name, table)
        timeout_s = v["timeout"]
        http = Http(session=session, source=name, base_url=v["url"], budget=RateBudget(RATE_HEADERS["mastodon"]),
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                    timeout=(min(5.0, timeout_s), timeout_s))
        return cls(name, http, keywords=v["keywords"], backfill_s=v["backfill"], notifications=v["notifications"])

    @property
    def budget(self) -> RateBudget:
        return self.http.budget

    # --- who and where --------------------------------------------------------
    def whoami(self) -> Person:
        if self._me is None:
            account = self._dict(self.http.get_json("/api/v1/accounts/verify_credentials"), "account")
            self._me = self._person(account)
        return self._me

    def instance(self) -> Mapping[str, Any]:
        """`/api/v2/instance` (or v1 on older servers); {} when the server will not say.
        Asked once per source object, that is once per run."""
        if self._instance is None:
            try:
                data = self.http.get_json("/api/v2/instance")
            except NotFound:
                try:
                    data = self.http.get_json("/api/v1/instance")
                except (NotFound, SourceError):
                    data = {}
            except AuthError:
                raise
            except H2HError:
                data = {}  # defaults for this run (500 characters, the url's host); asked again next run
            self._instance = data if isinstance(data, dict) else {}
        return self._instance

    @property
    def domain(self) -> str:
        inst = self.instance()
        value = inst.get("domain") or inst.get("uri")
        if isinstance(value, str) and value:
            return value.removeprefix("https://").removeprefix("http://").strip("/")
        return urlsplit(self.http.base_url).netloc

    @property
    def limit(self) -> int:
        """Characters a post may hold on this instance (URLs count 23, see `length`), as every
        server family publishes it: `configuration.statuses.max_characters` (Mastodon 3.4+, in v1
        and v2, Pixelfed, Sharkey, snac), `max_toot_chars` (v1 of Pleroma, Akkoma, GoToSocial,
        Friendica)."""
        return _max_characters(self.instance()) or DEFAULT_LIMIT

    def length(self, text: str) -> int:
        """Length as Mastodon counts it: a link is 23 characters, a mention counts only its @user."""
        counted = re.sub(r"https?://\S+", "x" * 23, text)
        counted = re.sub(r"(?<![\w@])(@\w+)@[\w.-]+\w", r"\1", counted)
        return len(counted)

    # --- fetching -------------------------------------------------------------
    def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
        state = _State.load(cursor)
        me = self.whoami()
        seen: set[str] = set()
        yield from self._notification_pages(state, seen)
        for word in self.keywords:
            yield from self._search_pages(state, word, me, seen)

    def _notification_pages(self, state: "_State", seen: set[str]) -> Iterator[Page]:
        version = self._notifications_version()
        path = f"/api/{version}/notifications"
        if state.n is None:
            yield from self._first_walk(state, path, seen)
            return
        for _ in range(MAX_PAGES):
            params = {"types[]": "mention", "limit": self.page_size, "min_id": state.n}
            items = self._notifications(path, params)
            newer = [(nid, when, m) for nid, when, m in items if _after(nid, state.n)]
            if not newer:
                return
            newer.sort(key=lambda x: _id_key(x[0]))
            mentions = [m for _, _, m in newer if m is not None and m.remote_id not in seen]
            seen.update(m.remote_id for m in mentions)
            state.n = newer[-1][0]
            yield Page(tuple(mentions), state.dump())
            if len(items) < self.page_size:
                return

    def _first_walk(self, state: "_State", path: str, seen: set[str]) -> Iterator[Page]:
        """Newest first, back to the backfill horizon; the cursor moves only at the end."""
        horizon = clock.now() - timedelta(seconds=self.backfill_s)
        newest: str | None = None
        max_id: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"types[]": "mention", "limit": self.page_size}
            if max_id is not None:
                params["max_id"] = max_id
            items = self._notifications(path, params)
            if max_id is not None:
                items = [x for x in items if _after(max_id, x[0])]
            if not items:
                break
            items.sort(key=lambda x: _id_key(x[0]), reverse=True)
            if newest is None:
                newest = items[0][0]
            mentions = [m for _, when, m in items if m is not None and when >= horizon and m.remote_id not in seen]
            seen.update(m.remote_id for m in mentions)
            yield Page(tuple(mentions), state.dump())
            max_id = items[-1][0]
            if items[-1][1] < horizon or len(items) < self.page_size:
                break
        state.n = newest or "0"
        yield Page((), state.dump())

    def _notifications_version(self) -> str:
        if self.notifications != "auto":
            return self.notifications
        versions = self.instance().get("api_versions") or {}
        level = versions.get("mastodon") if isinstance(versions, dict) else None
        return "v2" if isinstance(level, int) and level >= 2 else "v1"

    def _notifications(self, path: str, params: Mapping[str, Any]) -> list[tuple[str, Any, Mention | None]]:
        """(notification id, its time, the mention or None when the post is gone) for one page."""
        data = self.http.get_json(path, params=params)
        if path.endswith("/v2/notifications"):
            return self._grouped(data)
        if not isinstance(data, list):
            raise SourceError(f"{self.name}: the notifications answer is not a list",
                              hint="The server may not speak the Mastodon API; check the source's url.")
        def one(item: Any) -> tuple[str, Any, Mention | None] | None:
            item = self._dict(item, "notification")
            if item.get("type") != "mention":
                return None
            # A post that cannot be read costs that post; the notification still moves the cursor.
            posts = each(self.name, [item["status"]] if isinstance(item.get("status"), dict) else [],
                         lambda status: self._mention(status, raw=item))
            return _sid(item.get("id")), _time(item.get("created_at")), posts[0] if posts else None
        return each(self.name, data, one)

    def _grouped(self, data: Any) -> list[tuple[str, Any, Mention | None]]:
        data = self._dict(data, "grouped notifications")
        statuses = {str(s.get("id")): s for s in data.get("statuses") or [] if isinstance(s, dict)}
        def one(group: Any) -> tuple[str, Any, Mention | None] | None:
            group = self._dict(group, "notification group")
            if group.get("type") != "mention":
                return None
            status = statuses.get(str(group.get("status_id")))
            posts = each(self.name, [status] if status else [],
                         lambda status: self._mention(status, raw={"group": group, "status": status}))
            nid = _sid(group.get("page_max_id") or group.get("most_recent_notification_id"))
            return nid, _time(group.get("latest_page_notification_at")), posts[0] if posts else None
        return each(self.name, data.get("notification_groups") or [], one)

    def _search_pages(self, state: "_State", word: str, me: Person, seen: set[str]) -> Iterator[Page]:
        """Newest first (search has no oldest-first order); the keyword's cursor moves at the end."""
        since = state.k.get(word)
        horizon = clock.now() - timedelta(seconds=self.backfill_s)
        newest = since
        walked: set[str] = set()
        for page in range(MAX_PAGES):
            params: dict[str, Any] = {"q": word, "type": "statuses", "limit": self.page_size,
                                      "offset": page * self.page_size}
            if since:
                params["min_id"] = since
            data = self._dict(self.http.get_json("/api/v2/search", params=params), "search result")
            statuses = [s for s in data.get("statuses") or [] if isinstance(s, dict)]
            fresh = [s for s in statuses if s.get("id") and str(s["id"]) not in walked]
            if not fresh:
                break  # the server ignores offset, or there is nothing more
            walked.update(str(s["id"]) for s in fresh)
            def one(s: dict[str, Any]) -> Mention | None:
                nonlocal newest
                sid = _sid(s.get("id"))
                if (since and not _after(sid, since)) or s.get("reblog") or sid in seen:
                    return None
                if newest is None or _after(sid, newest):
                    newest = sid
                account = s.get("account") or {}
                if str(account.get("id")) == me.remote_id or _time(s.get("created_at")) < horizon:
                    return None
                m = self._mention(s, raw=s, to_me=self._addresses_me(s, me))
                seen.add(sid)
                return m
            yield Page(tuple(each(self.name, fresh, one)), state.dump())
            if len(statuses) < self.page_size or all(since and not _after(str(s["id"]), since) for s in fresh):
                break
        if newest is not None:
            state.k[word] = newest
        yield Page((), state.dump())

    @staticmethod
    def _addresses_me(status: Mapping[str, Any], me: Person) -> bool:
        if str(status.get("in_reply_to_account_id")) == me.remote_id:
            return True
        return any(isinstance(m, dict) and str(m.get("id")) == me.remote_id for m in status.get("mentions") or [])

    # --- threads --------------------------------------------------------------
    def needs_thread(self, mention: Mention) -> bool:
        """Only a reply, or a post someone answered, can have been answered already."""
        status = _status_of(mention.raw)
        replies = status.get("replies_count") if status else None
        return mention.in_reply_to is not None or not isinstance(replies, int) or replies > 0

    def fetch_thread(self, mention: Mention) -> Thread:
        me = self.whoami()
        status = _status_of(mention.raw)
        try:
            context = self._dict(self.http.get_json(f"/api/v1/statuses/{mention.remote_id}/context"), "context")
            if not status:
                status = self._dict(self.http.get_json(f"/api/v1/statuses/{mention.remote_id}"), "status")
        except NotFound:
            raise NotFound(f"{self.name}: post {mention.remote_id} is gone or not visible to this account",
                           hint="It was probably deleted; h2h keeps what it had.") from None
        ancestors = [s for s in context.get("ancestors") or [] if isinstance(s, dict)]
        descendants = [s for s in context.get("descendants") or [] if isinstance(s, dict)]
        root = _sid(ancestors[0].get("id")) if ancestors else mention.remote_id
        items = each(self.name, [*ancestors, status, *descendants],
                     lambda s: _with_thread(self._mention(s, raw=s, to_me=self._addresses_me(s, me)), root))
        items.sort(key=lambda m: (m.created_at, _id_key(m.remote_id)))
        return Thread(source=self.name, root=root, mentions=tuple(items))

    # --- replying -------------------------------------------------------------
    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply:
        """Posts once per `key`: Mastodon keeps an Idempotency-Key for an hour, so a retry after
        a lost answer returns the post already made instead of a second one."""
        body: dict[str, Any] = {"status": self._addressed(mention, text), "in_reply_to_id": mention.remote_id}
        visibility = (_status_of(mention.raw) or {}).get("visibility")
        if visibility in ("public", "unlisted", "private", "direct"):
            body["visibility"] = visibility
        # One POST: after a timeout, a 5xx or a dropped connection the outcome is unknown, and
        # the reply layer looks in the thread before trying again (with this same key).
        try:
            response = self.http.request("POST", "/api/v1/statuses", json=body, headers={"Idempotency-Key": key})
        except SourceError as exc:
            if getattr(exc, "status", None) == 422:
                raise InputError(f"{self.name}: the instance refused the reply: {exc.message.split(': ', 1)[-1]}",
                                 hint="Edit the draft (h2h draft ID --edit) and send again.",
                                 code="rejected") from None
            raise
        status = self._dict(self.http.json(response), "status")
        return SentReply(source=self.name, remote_id=_sid(status.get("id")), url=status.get("url") or status.get("uri"),
                         sent_at=_time(status.get("created_at")), in_reply_to=mention.remote_id, key=key)

    def find_replies(self, mention: Mention, *, key: str) -> list[SentReply]:
        """Our replies to `mention` in its thread, whatever their text, oldest first (the
        Idempotency-Key is not visible on a status, so the thread is where to look)."""
        me = self.whoami()
        context = self._dict(self.http.get_json(f"/api/v1/statuses/{mention.remote_id}/context"), "context")
        ours = [s for s in context.get("descendants") or [] if isinstance(s, dict)
                and s.get("id") is not None and str(s.get("in_reply_to_id")) == mention.remote_id
                and str((s.get("account") or {}).get("id")) == me.remote_id]
        return [SentReply(source=self.name, remote_id=str(s["id"]), url=s.get("url") or s.get("uri"),
                          sent_at=_time(s.get("created_at")), in_reply_to=mention.remote_id, key=key) for s in ours]

    def _addressed(self, mention: Mention, text: str) -> str:
        """Mastodon notifies only the people named in the text: name the author if the draft did not."""
        handle = mention.author.handle
        user, _, host = handle.lstrip("@").partition("@")
        local = host == self.domain
        named = re.compile(rf"(?<![\w@])@{re.escape(user)}(@{re.escape(host)})?(?![\w@-])", re.I)
        found = named.search(text)
        if mention.author.remote_id == self.whoami().remote_id or (found and (local or found.group(1))):
            return text
        # A local account is named the way its own instance writes it: @user (its `acct`).
        return f"@{user} {text}" if local else f"{handle} {text}"

    # --- shapes ---------------------------------------------------------------
    def _person(self, account: Mapping[str, Any]) -> Person:
        acct = str(account.get("acct") or account.get("username") or "")
        if not acct:
            raise MalformedItem(f"{self.name}: an account without a handle in the answer")
        handle = "@" + acct if "@" in acct else f"@{acct}@{self.domain}"
        followers = account.get("followers_count")
        created = account.get("created_at")
        return Person(source=self.name, remote_id=_sid(account.get("id")), handle=handle,
                      name=valid_text(str(account.get("display_name") or "")), url=account.get("url"),
                      bot=account.get("bot") if isinstance(account.get("bot"), bool) else None,
                      followers=followers if isinstance(followers, int) else None,
                      created_at=_time(created) if created else None, raw=dict(account))

    def _mention(self, status: Any, *, raw: Mapping[str, Any], to_me: bool = True) -> Mention:
        status = self._dict(status, "status")
        if not status.get("id") or not isinstance(status.get("account"), dict):
            raise MalformedItem(f"{self.name}: a post without an id or an author in the answer")
        author = self._person(status["account"])
        handles = {}
        for m in status.get("mentions") or []:
            if isinstance(m, dict) and m.get("url") and m.get("acct"):
                acct = str(m["acct"])
                handles[str(m["url"])] = "@" + acct if "@" in acct else f"@{acct}@{self.domain}"
        parts = []
        if status.get("spoiler_text"):
            parts.append(html_to_text(str(status["spoiler_text"])))
        body = html_to_text(str(status.get("content") or ""), handles)
        if body:
            parts.append(body)
        for media in status.get("media_attachments") or []:
            if isinstance(media, dict) and media.get("description"):
                parts.append(f"[{media.get('type') or 'media'}: {media['description']}]")
        me = self._me
        return Mention(source=self.name, platform=self.platform, remote_id=_sid(status["id"]), author=author,
                       text=valid_text("\n\n".join(parts)), created_at=_time(status.get("created_at")),
                       url=status.get("url") or status.get("uri"),
                       in_reply_to=_sid(status["in_reply_to_id"]) if status.get("in_reply_to_id") else None,
                       to_me=to_me, from_me=me is not None and author.remote_id == me.remote_id,
                       lang=status.get("language") if isinstance(status.get("language"), str) else None,
                       raw=dict(raw))

    def _dict(self, value: Any, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise MalformedItem(f"{self.name}: expected a {what} object in the answer, got {type(value).__name__}",
                              hint="The server may not speak the Mastodon API; check the source's url.")
        return value


class _State:
    """The cursor: newest notification id stored, newest status id per keyword."""

    def __init__(self, n: str | None = None, k: dict[str, str] | None = None):
        self.n = n
        self.k = k or {}

    @classmethod
    def load(cls, cursor: str | None) -> "_State":
        if not cursor:
            return cls()
        if cursor.isdigit():
            return cls(cursor)
        try:
            data = json.loads(cursor)
        except ValueError:
            return cls()  # unreadable: start again; ingest is idempotent, so nothing doubles
        if not isinstance(data, dict):
            return cls()
        n = data.get("n")
        k = data.get("k")
        k = k if isinstance(k, dict) else {}
        return cls(str(n) if n is not None else None, {str(a): str(b) for a, b in k.items()})

    def dump(self) -> str | None:
        if self.n is None and not self.k:
            return None
        return json.dumps({"n": self.n, "k": self.k}, sort_keys=True, separators=(",", ":"))


def _sid(value: Any) -> str:
    if value is None or isinstance(value, (dict, list, bool)):
        raise MalformedItem("an id is missing in the answer")
    return str(value)


def _id_key(value: str) -> tuple[int, str]:
    # Mastodon ids are decimal strings of growing length; compare them as numbers.
    return (len(value), value) if value.isdigit() else (0, value)


def _after(a: str, b: str) -> bool:
    return _id_key(a) > _id_key(b)


def _time(value: Any):
    try:
        return clock.parse_time(value)
    except (ValueError, TypeError):
        raise MalformedItem(f"a time in the answer is not readable: {clip(str(value), 40)!r}") from None


def _max_characters(instance: Any) -> int | None:
    if not isinstance(instance, Mapping):
        return None
    statuses = (instance.get("configuration") or {}).get("statuses") or {}
    for value in (statuses.get("max_characters") if isinstance(statuses, Mapping) else None,
                  instance.get("max_toot_chars")):
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _status_of(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        return {}
    inner = raw.get("status")
    if isinstance(inner, dict):
        return inner
    return dict(raw) if "content" in raw and "account" in raw else {}


def _with_thread(m: Mention, root: str) -> Mention:
    return m._replace(thread=root)
