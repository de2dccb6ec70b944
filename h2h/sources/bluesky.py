"""Bluesky: mentions, replies and quotes from notifications, keyword search,
threads, follower counts, and replies that are posted once per key.

Config (`[sources.NAME]`, `type = "bluesky"`): `url` (the PDS, default
https://bsky.social), `handle` (required), the app password through
`token_env` / `token_cmd`, `keywords` (searched with searchPosts), `backfill`
(how far back the first fetch looks, default "7d").
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import Any, ClassVar, Iterable, Iterator, Mapping

from h2h import clock, length
from h2h.textutil import valid_text
from h2h.errors import InputError, NotFound, RemoteError, SourceError
from h2h.models import Mention, Person, SentReply, Thread
from h2h.sources import auth
from h2h.sources.atproto import Session
from h2h.sources.base import SOURCE_API_VERSION, Page
from h2h.sources import options
from h2h.sources.http import RATE_HEADERS, Http, RateBudget
from h2h.sources.listing import Cursor, Mark, each

WEB = "https://bsky.app"
POST = "app.bsky.feed.post"
REASONS = ("mention", "reply", "quote")
PAGE = 50                 # mentions per Page handed to the runner
LIST_LIMIT = 100          # items per listNotifications / searchPosts call (the API's maximum)
MAX_CALLS = 200           # per stream and fetch: stops a server that never ends its cursor
PROFILE_BATCH = 25        # getProfiles takes at most 25 actors
# The AppView orders notifications by min(indexedAt, createdAt), so a post whose
# author's clock runs late lands below newer ones; an hour of overlap catches them.
OVERLAP = timedelta(hours=1)
_TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"
_HANDLE = re.compile(r"(?<![\w@])@([a-zA-Z0-9][a-zA-Z0-9.-]*\.[a-zA-Z0-9-]+[a-zA-Z0-9])")
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]}'’”]")


class BlueskySource:
    type: ClassVar[str] = "bluesky"
    api_version: ClassVar[int] = SOURCE_API_VERSION
    platform: ClassVar[str] = "bluesky"
    # Bluesky counts graphemes, not code points: drafts use `measure()` against this.
    max_graphemes: ClassVar[int] = 300

    def __init__(self, name: str, http: Http, handle: str, password: str | None, *,
                 keywords: Iterable[str] = (), backfill: timedelta = timedelta(days=30), persist: bool = True):
        self.name = name
        self.http = http
        self.session = Session(http, handle, password, persist=persist)
        self.keywords = tuple(keywords)
        self.backfill = backfill
        self._profiles: dict[str, Mapping[str, Any]] = {}

    @classmethod
    def from_config(cls, name: str, table: Mapping[str, Any], session: Any) -> "BlueskySource":
        v = options.parse(cls.type, name, table)
        password = auth.secret(name, table)
        http = Http(session=session, source=name, base_url=v["url"], budget=RateBudget(RATE_HEADERS["bluesky"]))
        return cls(name, http, v["handle"].lstrip("@"), password, keywords=v["keywords"],
                   backfill=timedelta(seconds=v["backfill"]))

    # --- identity ----------------------------------------------------------------------

    def whoami(self) -> Person:
        # An authenticated read (it proves the session works); who we are comes from the session.
        did, handle = self.session.did, self.session.handle
        body = self.session.call("GET", "app.bsky.actor.getProfiles", params={"actors": [did]})
        profile = next((p for p in body.get("profiles") or [] if isinstance(p, dict) and p.get("did") == did), {})
        followers = profile.get("followersCount")
        return Person(source=self.name, remote_id=did, handle=handle, name=str(profile.get("displayName") or ""),
                      url=f"{WEB}/profile/{handle}", followers=followers if isinstance(followers, int) else None,
                      created_at=_time_or_none(profile.get("createdAt")), raw=profile or {"did": did, "handle": handle})

    @staticmethod
    def measure(text: str) -> int:
        return length.count_graphemes(text)

    def rate_limits(self) -> dict[str, Any]:
        return {"xrpc": self.http.budget.to_json()}

    # --- mentions ----------------------------------------------------------------------

    def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
        saved = Cursor.load(cursor, self.name)
        start = (clock.now() - self.backfill).timestamp()
        overlap = OVERLAP.total_seconds()
        streams = [(saved.mark("notifications", start=start, overlap=overlap), self._notifications, True)]
        streams += [(saved.mark(f"search:{kw}", start=start, overlap=overlap),
                     lambda mark, kw=kw: self._search(kw, mark), False) for kw in self.keywords]  # type: ignore[misc]
        # One stream after the other, each read whole before its first page: the API
        # lists newest first, and a page must never be committed before an older one.
        for mark, read, to_me in streams:
            batch = sorted(read(mark), key=lambda pair: (pair[1], pair[0]["uri"]))
            chunks = [batch[i:i + PAGE] for i in range(0, len(batch), PAGE)] or [[]]
            for n, chunk in enumerate(chunks):
                self._load_profiles(item["author"].get("did") for item, _ in chunk)
                mentions = each(self.name, [item for item, _ in chunk], lambda item: self._mention(item, to_me=to_me))  # noqa: B023
                for item, at in chunk:
                    mark.deliver(at, item["uri"], str(item.get("cid", "")))
                if n == len(chunks) - 1:
                    mark.finish()
                yield Page(mentions=tuple(mentions), cursor=saved.dump())

    def _notifications(self, mark: Mark) -> list[tuple[dict, float]]:
        params: dict[str, Any] = {"limit": LIST_LIMIT, "reasons": list(REASONS), "priority": "false"}
        return self._walk("app.bsky.notification.listNotifications", "notifications", params, mark,
                          keep=lambda n: n.get("reason") in REASONS)

    def _search(self, keyword: str, mark: Mark) -> list[tuple[dict, float]]:
        since = mark.since()
        params: dict[str, Any] = {"q": keyword, "sort": "latest", "limit": LIST_LIMIT}
        if since is not None:
            params["since"] = _iso_ms(clock.parse_time(since))
        me = self.session.did
        return self._walk("app.bsky.feed.searchPosts", "posts", params, mark,
                          keep=lambda p: (p.get("author") or {}).get("did") != me)

    def _walk(self, nsid: str, key: str, params: dict[str, Any], mark: Mark,
              keep: Any) -> list[tuple[dict, float]]:
        """Page backwards from the newest item until the floor; return the new items (not yet
        delivered), each with its sort time in Unix seconds."""
        found: dict[str, tuple[dict, float]] = {}
        api_cursor: str | None = None
        for _ in range(MAX_CALLS):
            query = dict(params, **({"cursor": api_cursor} if api_cursor else {}))
            body = self.session.call("GET", nsid, params=query)
            items = body.get(key) if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise SourceError(f"{self.name}: {nsid} answered without a {key} list",
                                  hint="Check that `url` points at a Bluesky PDS.")
            older = False
            for item in items:
                if not _is_post(item):
                    continue
                at = _sort_time(item).timestamp()
                if mark.below(at):
                    older = True
                    continue
                mark.note(at)
                if keep(item) and mark.fresh(at, item["uri"], str(item.get("cid", ""))):
                    found[item["uri"]] = (item, at)
            next_cursor = body.get("cursor")
            if older or not next_cursor or next_cursor == api_cursor:
                break
            page_time = _cursor_time(next_cursor)
            if page_time is not None and mark.below(page_time):
                break
            api_cursor = str(next_cursor)
        return list(found.values())

    # --- one post -> Mention -------------------------------------------------------------

    def _load_profiles(self, dids: Iterable[str | None]) -> None:
        wanted = sorted({d for d in dids if d and d not in self._profiles})
        for i in range(0, len(wanted), PROFILE_BATCH):
            batch = wanted[i:i + PROFILE_BATCH]
            try:
                body = self.session.call("GET", "app.bsky.actor.getProfiles", params={"actors": batch})
            except (NotFound, SourceError):
                body = {}  # a deleted or suspended account: no follower count, the mention still counts
            for profile in body.get("profiles") or []:
                if isinstance(profile, dict) and profile.get("did"):
                    self._profiles[profile["did"]] = profile
            for did in batch:
                self._profiles.setdefault(did, {})

    def _person(self, author: Mapping[str, Any]) -> Person:
        did = str(author.get("did") or "")
        handle = str(author.get("handle") or did)
        profile = self._profiles.get(did) or {}
        labels = list(author.get("labels") or []) + list(profile.get("labels") or [])
        bot = True if any(isinstance(lb, dict) and lb.get("val") == "bot" for lb in labels) else None
        created = _time_or_none(profile.get("createdAt"))
        followers = profile.get("followersCount")
        return Person(source=self.name, remote_id=did, handle=valid_text(handle),
                      name=valid_text(str(author.get("displayName") or profile.get("displayName") or "")),
                      url=f"{WEB}/profile/{handle}", bot=bot,
                      followers=followers if isinstance(followers, int) else None,
                      created_at=created, raw=dict(author))

    def _mention(self, item: Mapping[str, Any], *, to_me: bool = False) -> Mention:
        record = item.get("record") or {}
        author = item.get("author") or {}
        uri = str(item["uri"])
        reply = record.get("reply") or {}
        parent = (reply.get("parent") or {}).get("uri")
        root = (reply.get("root") or {}).get("uri")
        me = self.session.did
        langs = record.get("langs") or []
        lang = str(langs[0]).split("-")[0].lower() if langs and isinstance(langs[0], str) else None
        return Mention(
            source=self.name, platform=self.platform, remote_id=uri, author=self._person(author),
            text=valid_text(plain_text(record)), created_at=_created(item),
            url=f"{WEB}/profile/{author.get('did') or author.get('handle')}/post/{uri.rsplit('/', 1)[-1]}",
            in_reply_to=parent, thread=root or uri,
            to_me=to_me or _addresses(record, me), from_me=author.get("did") == me, lang=lang, raw=dict(item))

    # --- threads ---------------------------------------------------------------------------

    def fetch_thread(self, mention: Mention) -> Thread:
        body = self.session.call("GET", "app.bsky.feed.getPostThread",
                                 params={"uri": mention.remote_id, "depth": 10, "parentHeight": 80})
        top = body.get("thread") if isinstance(body, dict) else None
        if not isinstance(top, dict) or "post" not in top:
            raise NotFound(f"{self.name}: the post {mention.remote_id} is deleted or hidden",
                           hint="Nothing to answer there; mark the conversation done.")
        # Depth breaks ties between equal times (clients date posts to the second or
        # millisecond): a parent always comes before its replies.
        posts: dict[str, tuple[int, Mapping[str, Any]]] = {}
        node: Any = top.get("parent")
        depth = -1
        while isinstance(node, dict) and isinstance(node.get("post"), dict):
            posts[node["post"]["uri"]] = (depth, node["post"])
            node, depth = node.get("parent"), depth - 1
        stack = [(0, top)]
        while stack:
            depth, node = stack.pop()
            if isinstance(node, dict) and isinstance(node.get("post"), dict):
                posts[node["post"]["uri"]] = (depth, node["post"])
                stack.extend((depth + 1, child) for child in node.get("replies") or [])
        self._load_profiles((p.get("author") or {}).get("did") for _, p in posts.values())
        ordered = sorted(posts.values(), key=lambda dp: (_created(dp[1]), dp[0], dp[1]["uri"]))
        mentions = each(self.name, [p for _, p in ordered], self._mention)
        return Thread(source=self.name, root=mention.thread or mention.remote_id, mentions=tuple(mentions))

    # --- replies ---------------------------------------------------------------------------

    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply:
        """Post once per key: the record key is derived from `key`, so a retry
        lands on the same record path, which the repository refuses to create
        twice; we then read the existing record instead of posting again."""
        size = length.count_graphemes(text)
        if size > self.max_graphemes:
            raise InputError(f"the reply is {size} graphemes; Bluesky allows {self.max_graphemes}",
                             hint="Shorten the draft (h2h draft shows its length) and send again.")
        if not text.strip():
            raise InputError("the reply is empty", hint="Write something first.")
        parent = self._strong_ref(mention)
        record_reply = ((mention.raw or {}).get("record") or {}).get("reply") or {}
        root: Any = record_reply.get("root") if _is_ref(record_reply.get("root")) else parent
        did = self.session.did
        rkey = record_key(key, mention.created_at)
        now = clock.now()
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": _iso_ms(now),
                                  "reply": {"root": {"uri": root["uri"], "cid": root["cid"]},
                                            "parent": {"uri": parent["uri"], "cid": parent["cid"]}}}
        facets = self._facets(text, mention)
        if facets:
            record["facets"] = facets
        try:
            made = self.session.call("POST", "com.atproto.repo.createRecord",
                                     json={"repo": did, "collection": POST, "rkey": rkey, "record": record})
        except RemoteError as exc:  # also a timeout after the server wrote it, or "already there"
            existing = self._existing(did, rkey)
            if existing is None:
                raise
            if (existing.get("value") or {}).get("text") != text:
                raise SourceError(f"{self.name}: another post already uses the record key for {key!r}",
                                  hint="Use a new idempotency key for a different reply.") from exc
            made = existing
        uri = str(made.get("uri") or f"at://{did}/{POST}/{rkey}")
        return SentReply(source=self.name, remote_id=uri, url=f"{WEB}/profile/{did}/post/{uri.rsplit('/', 1)[-1]}",
                         sent_at=now, in_reply_to=mention.remote_id, key=key)

    def find_replies(self, mention: Mention, *, key: str) -> list[SentReply]:
        """The post an attempt with `key` made, whatever its text: its record key is derived
        from `key`, so there is exactly one place to look."""
        did = self.session.did
        rkey = record_key(key, mention.created_at)
        made = self._existing(did, rkey)
        if made is None:
            return []
        uri = str(made.get("uri") or f"at://{did}/{POST}/{rkey}")
        value = made.get("value") or {}
        try:
            sent_at = clock.parse_time(value["createdAt"])
        except (KeyError, TypeError, ValueError):
            sent_at = clock.now()
        return [SentReply(source=self.name, remote_id=uri, url=f"{WEB}/profile/{did}/post/{uri.rsplit('/', 1)[-1]}",
                          sent_at=sent_at, in_reply_to=mention.remote_id, key=key)]

    def _existing(self, did: str, rkey: str) -> Mapping[str, Any] | None:
        try:
            return self.session.call("GET", "com.atproto.repo.getRecord",
                                     params={"repo": did, "collection": POST, "rkey": rkey})
        except (NotFound, SourceError):
            return None

    def _strong_ref(self, mention: Mention) -> dict[str, str]:
        raw = mention.raw or {}
        if raw.get("uri") == mention.remote_id and isinstance(raw.get("cid"), str):
            return {"uri": mention.remote_id, "cid": raw["cid"]}
        body = self.session.call("GET", "app.bsky.feed.getPosts", params={"uris": [mention.remote_id]})
        for post in body.get("posts") or []:
            if post.get("uri") == mention.remote_id and post.get("cid"):
                return {"uri": mention.remote_id, "cid": str(post["cid"])}
        raise NotFound(f"{self.name}: the post {mention.remote_id} is gone", hint="Nothing to reply to.")

    def _facets(self, text: str, mention: Mention) -> list[dict[str, Any]]:
        """Mention and link facets; offsets count UTF-8 bytes, as the lexicon says."""
        known: dict[str, str | None] = {mention.author.handle.lower(): mention.author.remote_id}
        facets = []
        for match in _HANDLE.finditer(text):
            handle = match.group(1).lower()
            did = known.get(handle)
            if did is None:
                try:
                    did = str(self.session.call("GET", "com.atproto.identity.resolveHandle",
                                                params={"handle": handle}).get("did") or "") or None
                except (NotFound, SourceError):
                    did = None
                known[handle] = did
            if did:
                facets.append(_facet(text, match.start(), match.end(),
                                     {"$type": "app.bsky.richtext.facet#mention", "did": did}))
        for match in _URL.finditer(text):
            facets.append(_facet(text, match.start(), match.end(),
                                 {"$type": "app.bsky.richtext.facet#link", "uri": match.group()}))
        return facets


# --- pure helpers ---------------------------------------------------------------------------

def plain_text(record: Mapping[str, Any]) -> str:
    """The post's text with link facets restored to their full URL (apps shorten
    the visible text, e.g. "example.com/long…"); mentions and tags stay as written."""
    text = record.get("text")
    if not isinstance(text, str):
        return ""
    data = text.encode("utf-8")
    spans = []
    for facet in record.get("facets") or []:
        try:
            start, end = int(facet["index"]["byteStart"]), int(facet["index"]["byteEnd"])
            features = facet.get("features") or []
        except (KeyError, TypeError, ValueError):
            continue
        if not (0 <= start < end <= len(data)):
            continue
        for feature in features:
            if isinstance(feature, dict) and str(feature.get("$type", "")).endswith("#link"):
                uri = feature.get("uri")
                if isinstance(uri, str) and uri:
                    spans.append((start, end, uri))
    out, pos = [], 0
    for start, end, uri in sorted(spans):
        if start < pos:
            continue  # overlapping facets: keep the first
        shown = data[start:end].decode("utf-8", "replace")
        out.append(data[pos:start].decode("utf-8", "replace"))
        out.append(shown if uri.rstrip("/") in (shown.rstrip("/"), "https://" + shown, "http://" + shown) else uri)
        pos = end
    out.append(data[pos:].decode("utf-8", "replace"))
    return "".join(out)


def record_key(key: str, near: datetime) -> str:
    """A TID (the record-key form posts require) derived from the idempotency key.

    Its time part is the mention's time plus up to a second picked by the key,
    and its clock id comes from the key too: the same key always gives the same
    record path, and two keys for one mention collide with odds near 1 in 10^9.
    """
    digest = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    micros = int(near.timestamp() * 1_000_000) + (digest >> 10) % 1_000_000
    value = ((micros & ((1 << 53) - 1)) << 10) | (digest & 0x3FF)
    chars = []
    for _ in range(13):
        chars.append(_TID_CHARS[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def _iso_ms(moment: datetime) -> str:
    return moment.astimezone(clock.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _facet(text: str, start: int, end: int, feature: dict[str, Any]) -> dict[str, Any]:
    byte_start = len(text[:start].encode("utf-8"))
    byte_end = byte_start + len(text[start:end].encode("utf-8"))
    return {"index": {"byteStart": byte_start, "byteEnd": byte_end}, "features": [feature]}


def _is_post(item: Any) -> bool:
    return (isinstance(item, dict) and isinstance(item.get("uri"), str) and isinstance(item.get("author"), dict)
            and isinstance(item.get("record"), dict) and item["record"].get("$type", POST) == POST
            and f"/{POST}/" in item["uri"])


def _is_ref(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("uri"), str) and isinstance(value.get("cid"), str)


def _time_or_none(value: Any) -> datetime | None:
    try:
        return clock.parse_time(value) if value else None
    except (ValueError, TypeError):
        return None


def _sort_time(item: Mapping[str, Any]) -> datetime:
    """The time the AppView sorts by: indexedAt on notifications and posts."""
    return (_time_or_none(item.get("indexedAt")) or _time_or_none((item.get("record") or {}).get("createdAt"))
            or clock.parse_time(0))


def _created(item: Mapping[str, Any]) -> datetime:
    """When the author wrote it; a clock running ahead cannot date a post in the future."""
    created = _time_or_none((item.get("record") or {}).get("createdAt"))
    indexed = _time_or_none(item.get("indexedAt"))
    if created is None:
        return indexed or clock.now()
    return min(created, indexed) if indexed else created


def _cursor_time(value: Any) -> float | None:
    # Notification cursors are sort times; search cursors are offsets ("25"): not times.
    text = str(value)
    moment = _time_or_none(text) if "T" in text else None
    return moment.timestamp() if moment else None


def _addresses(record: Mapping[str, Any], me: str) -> bool:
    """Mentions us, replies to us, or quotes us."""
    prefix = f"at://{me}/"
    for facet in record.get("facets") or []:
        for feature in (facet or {}).get("features") or []:
            if isinstance(feature, dict) and feature.get("did") == me:
                return True
    reply = record.get("reply") or {}
    if any(str((reply.get(k) or {}).get("uri", "")).startswith(prefix) for k in ("parent", "root")):
        return True
    embed = record.get("embed") or {}
    quoted = (embed.get("record") or {})
    quoted = quoted.get("record", quoted) if isinstance(quoted, dict) else {}
    return isinstance(quoted, dict) and str(quoted.get("uri", "")).startswith(prefix)
