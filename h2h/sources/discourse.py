"""Discourse forums: our notifications (mentions, replies, quotes, messages)
and keyword searches, the topic as the thread, replies through `POST /posts`.

Auth is an API key sent as `Api-Key` with the account's name as `Api-Username`.
A mention's `remote_id` is the post id, its `thread` is `t/<topic id>`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any, ClassVar, Iterator, Mapping
from urllib.parse import quote

import requests

from h2h import clock
from h2h.errors import NotFound, SourceError
from h2h.models import Mention, Person, SentReply, Thread
from h2h.sources import options
from h2h.sources.auth import secret
from h2h.sources.base import SOURCE_API_VERSION, Page
from h2h.sources.http import Http
from h2h.sources.listing import Cursor, Listing, MalformedItem, each, walk_all
from h2h.sources.htmltext import html_to_text, markdown_text

log = logging.getLogger("h2h.sources.discourse")

# Notification types (Discourse's Notification.types) we listen to, and whether
# each one is addressed to us. "posted"/"watching_first_post" come from topics
# and categories the account watches: wanted, but not written to us.
NOTIFICATION_TYPES = {1: True, 2: True, 3: True, 6: True, 15: True, 9: False, 17: False}
REGULAR = 1
# Post types Discourse writes itself ("This topic is now pinned", "closed", ...): not messages.
NOTICES = frozenset({2, 3})  # moderator_action (before 2014), small_action
BOT_USERNAMES = frozenset({"system", "discobot"})
# What a post or a user record says about its author (the rest of the post is the mention's raw).
PERSON_KEYS = ("user_id", "username", "name", "display_username", "avatar_template", "trust_level",
               "moderator", "admin", "staff", "user_title")
CHUNK = 20           # post ids per /t/:id/posts.json call, as Discourse's own client asks
THREAD_AFTER = 100   # posts after the mention loaded by fetch_thread: enough to see who answered



def _norm(text: str) -> str:
    return " ".join(text.split())


def _describe(response: requests.Response) -> str:
    body = response.json()
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(str(e) for e in errors)
        for key in ("error", "message"):
            if isinstance(body.get(key), str):
                return body[key]
    return ""


class DiscourseSource:
    type: ClassVar[str] = "discourse"
    api_version: ClassVar[int] = SOURCE_API_VERSION
    # Discourse's defaults (site settings max_post_length, min_post_length): a shorter
    # reply is refused with 422 "Body is too short". A forum may change both.
    max_length: ClassVar[int] = 32000
    min_length: ClassVar[int] = 20

    def __init__(self, name: str, *, url: str, username: str, api_key: str, session: requests.Session,
                 searches: tuple[str, ...] = (), notifications: bool = True, max_pages: int = 5):
        self.name = name
        self.base = url.rstrip("/")
        self.username = username
        self.searches = searches
        self.notifications = notifications
        self.max_pages = max_pages
        self.http = Http(session, name, url, headers={"Api-Key": api_key, "Api-Username": username,
                                                      "Accept": "application/json"}, describe=_describe)

    @classmethod
    def from_config(cls, name: str, table: Mapping[str, Any], session: requests.Session) -> "DiscourseSource":
        v = options.parse(cls.type, name, table)
        return cls(name, url=v["url"], username=v["username"], api_key=secret(name, table) or "", session=session,
                   searches=v["keywords"] + v["query"], notifications=v["notifications"], max_pages=v["max_pages"])

    # --- who we are -----------------------------------------------------------

    def whoami(self) -> Person:
        body = self.http.get_json(f"/u/{quote(self.username)}.json")
        user = body.get("user") if isinstance(body, dict) else None
        if not isinstance(user, dict) or not isinstance(user.get("username"), str):
            raise SourceError(f"{self.name}: /u/{self.username}.json did not describe a user")
        try:
            created = _time(user["created_at"]) if user.get("created_at") else None
        except (TypeError, ValueError):
            created = None
        return self._person(user, user_id=user.get("id"), created_at=created, raw=user)

    def _person(self, data: Mapping[str, Any], *, user_id: Any = None, created_at: Any = None,
                raw: Mapping[str, Any] | None = None) -> Person:
        """The author of a post (or the user of /u/NAME.json): usernames are unique, case-insensitively."""
        username = str(data.get("username") or "")
        user_id = data.get("user_id") if user_id is None else user_id
        return Person(source=self.name, remote_id=username.lower(), handle=username,
                      name=str(data.get("name") or data.get("display_username") or ""),
                      url=f"{self.base}/u/{quote(username)}" if username else None,
                      # Discourse's own accounts (system, discobot) have negative ids.
                      bot=(isinstance(user_id, int) and user_id < 0) or username.lower() in BOT_USERNAMES,
                      created_at=created_at,
                      raw=dict(raw) if raw is not None else {k: data[k] for k in PERSON_KEYS if k in data})

    # --- mentions -------------------------------------------------------------

    def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
        listings: list[Listing[Any]] = []
        if self.notifications:
            listings.append(Listing("notifications", self._notifications_page, _notification_key,
                                    max_pages=self.max_pages))
        for query in self.searches:
            listings.append(Listing(f"search:{query}", self._search_page(query), lambda p: int(p["id"]),
                                    max_pages=self.max_pages))
        return walk_all(Cursor.load(cursor, self.name), listings, self._convert)

    def _notifications_page(self, offset: Any, since: Any = None) -> tuple[list[Any], Any]:
        offset = int(offset or 0)
        body = self.http.get_json("/notifications.json", params={"offset": offset} if offset else None)
        # Current Discourse wraps the list; before 2015 it was a bare array.
        if isinstance(body, dict) and isinstance(body.get("notifications"), list):
            items, total = body["notifications"], body.get("total_rows_notifications")
            done = not items or not isinstance(total, int) or offset + len(items) >= total
        elif isinstance(body, list):
            items = body
            done = len(items) < 60
        else:
            raise SourceError(f"{self.name}: /notifications.json answered an unexpected shape",
                              hint="Check that url points at a Discourse forum.")
        items = [n for n in items if isinstance(n, dict)]
        return items, None if done else offset + len(items)

    def _search_page(self, query: str):
        def fetch(page: Any, since: Any = None) -> tuple[list[Any], Any]:
            number = int(page or 1)
            body = self.http.get_json("/search.json", params={"q": f"{query} order:latest", "page": number})
            if not isinstance(body, dict) or not isinstance(body.get("posts", []), list):
                raise SourceError(f"{self.name}: /search.json answered an unexpected shape",
                                  hint="This Discourse may be too old (before 2015) for h2h's search.")
            topics = {t.get("id"): t for t in body.get("topics") or [] if isinstance(t, dict)}
            posts = [dict(p, _topic=topics.get(p.get("topic_id"))) for p in body.get("posts") or []
                     if isinstance(p, dict) and isinstance(p.get("id"), int)]
            more = body.get("grouped_search_result") or {}
            has_more = bool(more.get("more_full_page_results") or more.get("more_posts"))
            return posts, number + 1 if posts and has_more else None
        return fetch

    def _convert(self, listing: str, items: list[Any]) -> list[Mention]:
        if listing == "notifications":
            wanted = [n for n in items if n.get("notification_type") in NOTIFICATION_TYPES and n.get("topic_id")]
            posts = self._posts({(n["topic_id"], _original_post(n)) for n in wanted})

            def notified(n: Mapping[str, Any]) -> Mention:
                to_me = NOTIFICATION_TYPES[n["notification_type"]]
                post = posts.get(_original_post(n))
                return self._mention(post, to_me=to_me, notification=n) if post else self._from_notification(n, to_me)
            return each(self.name, wanted, notified)
        lacking = {(p["topic_id"], p["id"]) for p in items if not p.get("cooked") and isinstance(p.get("topic_id"), int)}
        full = self._posts(lacking) if lacking else {}

        def found(p: Mapping[str, Any]) -> Mention:
            post = {k: v for k, v in full.get(p["id"], p).items() if k != "_topic"}
            return self._mention(post, to_me=self._addressed_to_me(post), topic=p.get("_topic"))
        return each(self.name, items, found)

    def _posts(self, wanted: set[tuple[int, Any]]) -> dict[int, dict[str, Any]]:
        """Full posts by id, one call per topic (and per 20 posts)."""
        by_topic: dict[int, list[int]] = defaultdict(list)
        for topic_id, post_id in wanted:
            if isinstance(post_id, int):
                by_topic[topic_id].append(post_id)
        found: dict[int, dict[str, Any]] = {}
        for topic_id, ids in by_topic.items():
            for start in range(0, len(ids), CHUNK):
                try:
                    found.update({p["id"]: p for p in self._topic_posts(topic_id, ids[start:start + CHUNK])})
                except NotFound:
                    # Deleted, moved or now private: the notification itself still says who and where.
                    log.info("%s: topic %s is gone or hidden; keeping what the notification says", self.name, topic_id)
        return found

    def _topic_posts(self, topic_id: Any, ids: list[int], **params: Any) -> list[dict[str, Any]]:
        body = self.http.get_json(f"/t/{topic_id}/posts.json", params={"post_ids[]": ids, **params})
        posts = ((body or {}).get("post_stream") or {}).get("posts") if isinstance(body, dict) else None
        if not isinstance(posts, list):
            raise SourceError(f"{self.name}: /t/{topic_id}/posts.json answered an unexpected shape")
        return [p for p in posts if isinstance(p, dict) and isinstance(p.get("id"), int)]

    def _addressed_to_me(self, post: Mapping[str, Any]) -> bool:
        me = self.username.lower()
        reply_to = post.get("reply_to_user") or {}
        if isinstance(reply_to, dict) and str(reply_to.get("username", "")).lower() == me:
            return True
        return f"@{me}" in html_to_text(str(post.get("cooked") or post.get("blurb") or "")).lower()

    def _mention(self, post: Mapping[str, Any], *, to_me: bool, notification: Mapping[str, Any] | None = None,
                 topic: Mapping[str, Any] | None = None, numbers: Mapping[int, int] | None = None) -> Mention:
        try:
            topic_id, number = post["topic_id"], post["post_number"]
            created = _time(post["created_at"])
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedItem(f"{self.name}: a post lacks {exc}; the forum's answer is not one h2h can read") from None
        author = self._person(post)
        slug = post.get("topic_slug") or (topic or {}).get("slug")
        reply_to = post.get("reply_to_post_number")
        parent = (numbers or {}).get(reply_to or 1) if number != 1 else None
        raw: dict[str, Any] = {"post": dict(post)}
        if notification is not None:
            raw["notification"] = dict(notification)
        if topic:
            raw["topic"] = dict(topic)
        if post.get("cooked"):
            text = html_to_text(str(post["cooked"]))
        elif isinstance(post.get("raw"), str) and not post.get("blurb"):
            text = markdown_text(post["raw"])
        else:
            text = html_to_text(str(post.get("blurb") or ""))
        return Mention(source=self.name, platform="discourse", remote_id=str(post["id"]), author=author, text=text,
                       created_at=created, url=f"{self.base}/t/{slug + '/' if slug else ''}{topic_id}/{number}",
                       in_reply_to=str(parent) if parent else None, thread=f"t/{topic_id}", to_me=to_me,
                       from_me=author.handle.lower() == self.username.lower(), raw=raw)

    def _from_notification(self, n: Mapping[str, Any], to_me: bool) -> Mention:
        data = n.get("data") or {}
        post_id = data.get("original_post_id")
        topic_id, number = n["topic_id"], n.get("post_number") or 1
        author = self._person({"username": data.get("original_username") or data.get("display_username") or "",
                               "display_username": data.get("display_username")})
        try:
            created = _time(n["created_at"])
        except (KeyError, TypeError, ValueError):
            raise MalformedItem(f"{self.name}: a notification lacks its time; the forum's answer is not one h2h can read") from None
        slug = n.get("slug")
        return Mention(source=self.name, platform="discourse",
                       remote_id=str(post_id) if post_id else f"t/{topic_id}/{number}", author=author,
                       text=html_to_text(str(data.get("topic_title") or n.get("fancy_title") or "")), created_at=created,
                       url=f"{self.base}/t/{slug + '/' if slug else ''}{topic_id}/{number}", thread=f"t/{topic_id}",
                       to_me=to_me, from_me=author.handle.lower() == self.username.lower(),
                       raw={"notification": dict(n), "post": None})

    # --- threads --------------------------------------------------------------

    def fetch_thread(self, mention: Mention) -> Thread:
        topic_id = _topic_of(mention)
        body = self.http.get_json(f"/t/{topic_id}.json")
        stream = ((body or {}).get("post_stream") or {}) if isinstance(body, dict) else {}
        posts = [p for p in stream.get("posts") or [] if isinstance(p, dict) and isinstance(p.get("id"), int)]
        ids = [i for i in stream.get("stream") or [] if isinstance(i, int)]
        have = {p["id"] for p in posts}
        if ids:
            at = ids.index(int(mention.remote_id)) if mention.remote_id.isdigit() and int(mention.remote_id) in ids else 0
            wanted = [i for i in [ids[0], *ids[max(0, at - 5): at + THREAD_AFTER]] if i not in have]
            for start in range(0, len(wanted), CHUNK):
                posts += self._topic_posts(topic_id, wanted[start:start + CHUNK])
        numbers = {p["post_number"]: p["id"] for p in posts if isinstance(p.get("post_number"), int)}
        messages = {m.remote_id: m for m in each(self.name, [p for p in posts if p.get("post_type", REGULAR) not in NOTICES],
                                                 lambda p: self._mention(p, to_me=self._addressed_to_me(p), numbers=numbers))}
        ordered = sorted(messages.values(), key=lambda m: (m.raw or {})["post"].get("post_number", 0))
        return Thread(source=self.name, root=f"t/{topic_id}", mentions=tuple(ordered))

    # --- replying -------------------------------------------------------------

    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply:
        """Post once. Before posting, look for our own post in the topic that answers the same
        post with the same text: the reply layer records the attempt before calling, so a retry
        (after a timeout, a crash) carries the same text, and finding it means the first try
        landed. Matching the text rather than a hidden marker keeps the reply exactly as the
        person wrote it. Discourse also refuses a duplicate body within minutes (422); that
        answer sends us looking again."""
        topic_id = _topic_of(mention)
        number = _number_of(mention)
        existing = self._our_reply(topic_id, number, text)
        if existing is not None:
            return self._sent(existing, mention, key)
        form = {"topic_id": topic_id, "raw": text}
        if number and number > 1:
            form["reply_to_post_number"] = number
        response = self.http.request("POST", "/posts.json", json=form, expect=(200, 201, 422))
        body = self.http.json(response)
        if response.status_code == 422:
            existing = self._our_reply(topic_id, number, text)
            if existing is not None:
                return self._sent(existing, mention, key)
            detail = _describe(response) or "the forum refused the post"
            raise SourceError(f"{self.name}: could not post: {detail}", hint="Edit the draft and try again.")
        if isinstance(body, dict) and body.get("action") == "enqueued":
            log.warning("%s: the reply awaits a moderator's approval", self.name)
            return SentReply(source=self.name, remote_id=None, url=None, sent_at=clock.now(),
                             in_reply_to=mention.remote_id, key=key)
        if not isinstance(body, dict) or not isinstance(body.get("id"), int):
            raise SourceError(f"{self.name}: the forum accepted the reply but did not say which post it made",
                              hint=f"Check {mention.url} before sending again.")
        return self._sent(body, mention, key)

    def find_replies(self, mention: Mention, *, key: str) -> list[SentReply]:
        """Our posts answering `mention` in its topic, whatever their text (Discourse keeps no key)."""
        newest_first = self._our_replies(_topic_of(mention), _number_of(mention), None)
        return [self._sent(p, mention, key) for p in reversed(newest_first)]

    def _our_reply(self, topic_id: int, number: int | None, text: str) -> dict[str, Any] | None:
        return next(iter(self._our_replies(topic_id, number, text)), None)

    def _our_replies(self, topic_id: int, number: int | None, text: str | None) -> list[dict[str, Any]]:
        try:
            body = self.http.get_json(f"/t/{topic_id}.json", params={"username_filters": self.username})
        except NotFound:
            return []
        ids = [i for i in (((body or {}).get("post_stream") or {}).get("stream") or []) if isinstance(i, int)]
        if not ids:
            return []
        targets = {number, None} if (number or 1) == 1 else {number}
        return [post for post in reversed(self._topic_posts(topic_id, ids[-CHUNK:], include_raw="true"))
                if (str(post.get("username", "")).lower() == self.username.lower()
                    and post.get("reply_to_post_number") in targets
                    and (text is None or (isinstance(post.get("raw"), str) and _norm(post["raw"]) == _norm(text))))]

    def _sent(self, post: Mapping[str, Any], mention: Mention, key: str) -> SentReply:
        slug = post.get("topic_slug")
        url = f"{self.base}/t/{slug + '/' if slug else ''}{post.get('topic_id')}/{post.get('post_number')}"
        try:
            sent_at = _time(post["created_at"])
        except (KeyError, TypeError, ValueError):
            sent_at = clock.now()
        return SentReply(source=self.name, remote_id=str(post["id"]), url=url, sent_at=sent_at,
                         in_reply_to=mention.remote_id, key=key)


def _time(value: Any):
    return clock.parse_time(value)


def _original_post(n: Mapping[str, Any]) -> Any:
    data = n.get("data")
    return data.get("original_post_id") if isinstance(data, dict) else None


def _notification_key(n: Mapping[str, Any]) -> tuple[int, int]:
    # Old (bare-array) notifications have no id; their time orders them.
    try:
        at = int(_time(n["created_at"]).timestamp() * 1000)
    except (KeyError, TypeError, ValueError):
        raise MalformedItem("a Discourse notification has no readable created_at") from None
    return at, int(n.get("id") or 0)


def _topic_of(mention: Mention) -> int:
    raw = mention.raw or {}
    for part in (raw.get("post"), raw.get("notification")):
        if isinstance(part, Mapping) and isinstance(part.get("topic_id"), int):
            return part["topic_id"]
    if mention.thread and mention.thread.startswith("t/") and mention.thread[2:].isdigit():
        return int(mention.thread[2:])
    raise NotFound(f"{mention.source}: message {mention.remote_id} does not say which topic it is in",
                   hint="Run `h2h fetch` again to refresh it.")


def _number_of(mention: Mention) -> int | None:
    raw = mention.raw or {}
    for part in (raw.get("post"), raw.get("notification")):
        if isinstance(part, Mapping) and isinstance(part.get("post_number"), int):
            return part["post_number"]
    return None

