"""GitHub: issue and pull-request conversations that involve us, issues that
match a search, and replies as issue comments posted once per key.

Config (`[sources.NAME]`, `type = "github"`): `url` (default
https://api.github.com; GitHub Enterprise: https://HOST/api/v3), the token
through `token_env` / `token_cmd`, `query` (a search/issues query for
keywords), `backfill` (how far back the first fetch looks, default "7d").

What a notification means here: GitHub notifies per thread (an issue or pull
request), with `updated_at` moving on each new comment. For every thread
updated since the cursor's floor we read the issue and its comments updated
since that floor, so several comments between two fetches are all kept (the
notification itself only points at the latest one).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import Any, ClassVar, Iterator, Mapping
from urllib.parse import urlsplit

import requests

from h2h import clock
from h2h.errors import InputError, NotFound, RateLimited, SourceError
from h2h.models import Mention, Person, SentReply, Thread
from h2h.textutil import valid_text
from h2h.sources import auth
from h2h.redact import clip
from h2h.sources.base import SOURCE_API_VERSION, Page
from h2h.sources import options
from h2h.sources.htmltext import markdown_text
from h2h.sources.http import RATE_HEADERS, Http, RateBudget
from h2h.sources.listing import Cursor, MalformedItem, Mark, each

REASONS = ("mention", "comment", "author", "review_requested")
SUBJECTS = ("Issue", "PullRequest")
MAX_PAGES = 50            # per listing and fetch: a server that never ends its Link chain stops here
SEARCH_PAGES = 10         # search returns 1000 results at most (10 pages of 100)
OVERLAP = 600.0           # seconds below the floor each fetch reads again: GitHub lists some items late
_SUBJECT = re.compile(r"/repos/([^/]+)/([^/]+)/(?:issues|pulls)/(\d+)$")
_THREAD = re.compile(r"^([^/#\s]+)/([^/#\s]+)#(\d+)$")


class _GitHubHttp(Http):
    def error(self, response: requests.Response) -> Exception:
        # Secondary rate limits answer 403 with Retry-After (or say so in the message)
        # while the primary budget still shows calls left.
        if response.status_code == 403:
            message = str(self._describe(response)).lower()
            if response.headers.get("Retry-After") or "rate limit" in message:
                after = response.headers.get("Retry-After")
                return RateLimited(f"{self.source}: GitHub asked us to slow down ({clip(message, 120)})",
                                   retry_after=float(after) if after and after.isdigit() else None)
        return super().error(response)


class GitHubSource:
    type: ClassVar[str] = "github"
    api_version: ClassVar[int] = SOURCE_API_VERSION
    platform: ClassVar[str] = "github"
    max_chars: ClassVar[int] = 65536   # GitHub's limit for a comment body

    def __init__(self, name: str, core: Http, search: Http, *, query: str | None = None,
                 backfill: timedelta = timedelta(days=30)):
        self.name = name
        self.core = core            # the "core" rate-limit resource
        self.search = search        # the "search" resource: its own, much smaller budget
        self.query = query
        self.backfill = backfill
        self._me: Person | None = None

    @classmethod
    def from_config(cls, name: str, table: Mapping[str, Any], session: Any) -> "GitHubSource":
        v = options.parse(cls.type, name, table)
        token = auth.secret(name, table)
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
                   "Authorization": f"Bearer {token}"}
        core = _GitHubHttp(session=session, source=name, base_url=v["url"], headers=dict(headers),
                           budget=RateBudget(RATE_HEADERS["github"]))
        search = _GitHubHttp(session=session, source=name, base_url=v["url"], headers=dict(headers),
                             budget=RateBudget(RATE_HEADERS["github"]))
        return cls(name, core, search, query=v["query"], backfill=timedelta(seconds=v["backfill"]))

    def rate_limits(self) -> dict[str, Any]:
        return {"core": self.core.budget.to_json(), "search": self.search.budget.to_json()}

    # --- identity ----------------------------------------------------------------------

    def whoami(self) -> Person:
        if self._me is None:
            self._me = self._person(self.core.get_json("user"))
        return self._me

    # --- mentions ----------------------------------------------------------------------

    def fetch_mentions(self, cursor: str | None) -> Iterator[Page]:
        saved = Cursor.load(cursor, self.name)
        start = (clock.now() - self.backfill).timestamp()
        notes = saved.mark("notifications", start=start, overlap=OVERLAP)
        found = saved.mark("search", start=start, overlap=OVERLAP) if self.query else None
        me = self.whoami()
        threads = self._notification_threads(notes.since())
        for n, thread in enumerate(threads):
            notes.note(_time(thread["updated_at"]).timestamp())
            news = each(self.name, [thread], lambda t: self._thread_news(t, notes, me))
            mentions = news[0] if news else []
            if n == len(threads) - 1:
                notes.finish()
            yield Page(mentions=tuple(mentions), cursor=saved.dump())
        if not threads:
            notes.finish()
            yield Page(mentions=(), cursor=saved.dump())
        if found is not None:
            items = self._search_items(found, me)
            for item, at in items:
                found.deliver(at, _issue_id(item), item["created_at"])
            found.finish()
            mentions = each(self.name, [item for item, _ in items], lambda i: self._issue_mention(i, to_me=False, me=me))
            yield Page(mentions=tuple(mentions), cursor=saved.dump())

    def _notification_threads(self, since: float | None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"all": "true", "per_page": 50}
        if since is not None:
            params["since"] = clock.iso(clock.parse_time(since))
        def wanted(t: Any) -> dict[str, Any] | None:
            return t if (t.get("reason") in REASONS and (t.get("subject") or {}).get("type") in SUBJECTS
                         and _valid_time(t.get("updated_at"))) else None
        threads = each(self.name, self._pages(self.core, "notifications", params), wanted)
        return sorted(threads, key=lambda t: (_time(t["updated_at"]), str(t.get("id"))))

    def _thread_news(self, thread: Mapping[str, Any], mark: Mark, me: Person) -> list[Mention]:
        """The issue (if new) and the comments updated since the floor, oldest first. Whatever
        cannot be read is found out before anything is marked delivered, or costs one item."""
        try:
            issue = self.core.get_json(_subject_path(thread))
        except NotFound:
            return []  # deleted, transferred, or access lost: nothing we can answer there
        if not isinstance(issue, dict) or not _valid_time(issue.get("created_at")):
            raise MalformedItem(f"{self.name}: an issue in the notifications came back without its fields")
        issue_id = _issue_id(issue)
        created = _time(issue["created_at"]).timestamp()
        mentions: list[Mention] = []
        # The floor follows notification times; an issue's or a comment's own time does not move it.
        if mark.fresh(created, issue_id, issue["created_at"]):
            mentions += each(self.name, [issue], lambda i: self._issue_mention(i, to_me=True, me=me))
            mark.deliver(created, issue_id, issue["created_at"], note=False)
        params: dict[str, Any] = {"per_page": 100}
        since = mark.since()
        if since is not None:
            params["since"] = clock.iso(clock.parse_time(since))
        comments_url = self._local(issue.get("comments_url") or f"{issue['url']}/comments")
        for comment in self._pages(self.core, comments_url, params):
            if not isinstance(comment, dict) or not _valid_time(comment.get("updated_at")):
                continue
            at = _time(comment["updated_at"]).timestamp()
            cid = str(comment.get("id"))
            if mark.fresh(at, cid, comment["updated_at"]):
                mentions += each(self.name, [comment], lambda c: self._comment_mention(c, issue, to_me=True, me=me))
                mark.deliver(at, cid, comment["updated_at"], note=False)
        return sorted(mentions, key=lambda m: (m.created_at, m.remote_id))

    def _search_items(self, mark: Mark, me: Person) -> list[tuple[dict, float]]:
        # Conversations that involve us arrive through notifications (as "to me");
        # excluding them here keeps one view of each issue.
        q = f"{self.query} -involves:{me.handle}"
        since = mark.since()
        if since is not None:
            q += f" created:>={clock.iso(clock.parse_time(since))}"
        params: dict[str, Any] = {"q": q, "sort": "created", "order": "desc", "per_page": 100}
        out = []
        for page in range(SEARCH_PAGES):
            body = self.search.get_json("search/issues", params=dict(params, page=page + 1))
            items = body.get("items") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise SourceError(f"{self.name}: search/issues answered without items",
                                  hint="Check the source's url (GitHub Enterprise: https://HOST/api/v3).")
            older = False

            def one(item: Any) -> tuple[dict[str, Any], float] | None:
                nonlocal older
                if not _valid_time(item.get("created_at")):
                    return None
                at = _time(item["created_at"]).timestamp()
                if mark.below(at):
                    older = True
                    return None
                mark.note(at)
                return (item, at) if mark.fresh(at, _issue_id(item), item["created_at"]) else None
            out += each(self.name, items, one)
            if older or len(items) < params["per_page"]:
                break
        return sorted(out, key=lambda pair: (pair[1], _issue_id(pair[0])))

    def _pages(self, http: Http, path: str, params: Mapping[str, Any]) -> Iterator[Any]:
        url: str | None = path
        query: Mapping[str, Any] | None = params
        for _ in range(MAX_PAGES):
            if url is None:
                return
            response = http.request("GET", url, params=query)
            body = http.json(response)
            if not isinstance(body, list):
                raise SourceError(f"{self.name}: {path.split('?')[0]} answered something that is not a list",
                                  hint="Check the source's url (GitHub Enterprise: https://HOST/api/v3).")
            yield from body
            url = (response.links.get("next") or {}).get("url")
            url = self._local(url) if url else None
            query = None  # the next link carries the query

    def _local(self, url: str) -> str:
        """A URL from an answer, on our own API host: the token is never sent anywhere else."""
        if not url.startswith(("http://", "https://")):
            return url
        ours, theirs = urlsplit(self.core.base_url), urlsplit(url)
        if (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc):
            return url
        path = theirs.path
        if path.startswith("/api/v3/"):
            path = path[len("/api/v3"):]
        return path.lstrip("/") + (f"?{theirs.query}" if theirs.query else "")

    # --- API objects -> models -------------------------------------------------------------

    def _person(self, user: Mapping[str, Any]) -> Person:
        if not isinstance(user, dict) or not user.get("login"):
            raise MalformedItem(f"{self.name}: a GitHub user came back without a login")
        login = str(user["login"])
        created = user.get("created_at")
        followers = user.get("followers")
        return Person(source=self.name, remote_id=str(user.get("id") or login), handle=login,
                      name=valid_text(str(user.get("name") or "")), url=user.get("html_url"),
                      bot=user.get("type") == "Bot" or login.endswith("[bot]"),
                      followers=followers if isinstance(followers, int) else None,
                      created_at=_time(created) if _valid_time(created) else None, raw=dict(user))

    def _issue_mention(self, issue: Mapping[str, Any], *, to_me: bool, me: Person) -> Mention:
        author = self._person(issue.get("user") or {})
        title = valid_text(str(issue.get("title") or ""))
        body = _clean(issue.get("body"))
        return Mention(source=self.name, platform=self.platform, remote_id=_issue_id(issue), author=author,
                       text=f"{title}\n\n{body}".strip(), created_at=_time(issue["created_at"]),
                       url=issue.get("html_url"), in_reply_to=None, thread=_issue_id(issue),
                       to_me=to_me or _mentions(body, me.handle), from_me=author.handle == me.handle,
                       raw=dict(issue))

    def _comment_mention(self, comment: Mapping[str, Any], issue: Mapping[str, Any], *, to_me: bool,
                         me: Person) -> Mention:
        author = self._person(comment.get("user") or {})
        body = _clean(comment.get("body"))
        return Mention(source=self.name, platform=self.platform, remote_id=str(comment["id"]), author=author,
                       text=body, created_at=_time(comment["created_at"]) if _valid_time(comment.get("created_at"))
                       else _time(comment["updated_at"]),
                       url=comment.get("html_url"), in_reply_to=_issue_id(issue), thread=_issue_id(issue),
                       to_me=to_me or _mentions(body, me.handle), from_me=author.handle == me.handle,
                       raw=dict(comment))

    # --- threads -----------------------------------------------------------------------------

    def fetch_thread(self, mention: Mention) -> Thread:
        owner, repo, number = self._locate(mention)
        issue = self.core.get_json(f"repos/{owner}/{repo}/issues/{number}")
        me = self.whoami()
        items = [self._issue_mention(issue, to_me=False, me=me)]
        comments_url = self._local(issue.get("comments_url") or f"repos/{owner}/{repo}/issues/{number}/comments")
        items += each(self.name, self._pages(self.core, comments_url, {"per_page": 100}),
                      lambda c: self._comment_mention(c, issue, to_me=False, me=me)
                      if c.get("id") is not None and _valid_time(c.get("updated_at")) else None)
        items.sort(key=lambda m: (m.created_at, m.remote_id))
        return Thread(source=self.name, root=_issue_id(issue), mentions=tuple(items))

    def _locate(self, mention: Mention) -> tuple[str, str, str]:
        for candidate in (mention.thread, mention.remote_id):
            match = _THREAD.match(candidate or "")
            if match:
                return match.group(1), match.group(2), match.group(3)
        issue_url = str((mention.raw or {}).get("issue_url") or "")
        match = _SUBJECT.search(issue_url)
        if match:
            return match.group(1), match.group(2), match.group(3)
        raise NotFound(f"{self.name}: cannot tell which issue {mention.remote_id} belongs to",
                       hint="Re-fetch the source so that the message carries its issue.")

    # --- replies ---------------------------------------------------------------------------

    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply:
        """Post an issue comment once per key.

        GitHub's REST API takes no idempotency key, so the key travels in the
        comment itself as an HTML comment (`<!-- h2h:KEY -->`), which GitHub
        keeps in the body but never renders. Before posting we list the
        comments written since the message we answer and return ours if one
        already carries the key: a retry after a lost answer finds the first
        post instead of making a second one.
        """
        if not text.strip():
            raise InputError("the reply is empty", hint="Write something first.")
        owner, repo, number = self._locate(mention)
        marker = f"<!-- h2h:{_marker_key(key)} -->"
        body = f"{text.rstrip()}\n\n{marker}"
        if len(body) > self.max_chars:
            raise InputError(f"the reply is {len(text)} characters; GitHub allows about {self.max_chars}",
                             hint="Shorten the draft and send again.")
        found = self.find_replies(mention, key=key)
        if found:
            return found[0]
        path = f"repos/{owner}/{repo}/issues/{number}/comments"
        response = self.core.request("POST", path, json={"body": body}, expect=(201,))
        return self._sent(self.core.json(response), mention, key)

    def find_replies(self, mention: Mention, *, key: str) -> list[SentReply]:
        """Our comments carrying `key`'s marker, written since the message we answer."""
        owner, repo, number = self._locate(mention)
        marker = f"<!-- h2h:{_marker_key(key)} -->"
        me = self.whoami()
        path = f"repos/{owner}/{repo}/issues/{number}/comments"
        since = clock.iso(mention.created_at - timedelta(minutes=1))
        return [self._sent(comment, mention, key) for comment in self._pages(self.core, path, {"since": since, "per_page": 100})
                if isinstance(comment, dict) and (comment.get("user") or {}).get("login") == me.handle
                and marker in str(comment.get("body") or "")]

    def _sent(self, comment: Mapping[str, Any], mention: Mention, key: str) -> SentReply:
        created = comment.get("created_at")
        return SentReply(source=self.name, remote_id=str(comment.get("id")), url=comment.get("html_url"),
                         sent_at=_time(created) if _valid_time(created) else clock.now(),
                         in_reply_to=mention.remote_id, key=key)


# --- pure helpers ---------------------------------------------------------------------------

def _issue_id(issue: Mapping[str, Any]) -> str:
    """"owner/repo#number": readable, stable, and never confused with a comment id."""
    match = re.search(r"/repos/([^/]+)/([^/]+)$", str(issue.get("repository_url") or ""))
    if match is None:
        match = _SUBJECT.search(str(issue.get("url") or ""))
    if match is None or issue.get("number") is None:
        raise MalformedItem("a GitHub issue came back without its repository or number")
    return f"{match.group(1)}/{match.group(2)}#{issue['number']}"


def _subject_path(thread: Mapping[str, Any]) -> str:
    url = str((thread.get("subject") or {}).get("url") or "")
    match = _SUBJECT.search(url)
    if match is None:
        raise MalformedItem(f"a notification's subject is not an issue or pull request: {clip(url, 120)!r}")
    # Pull requests are issues too: /issues/N gives the conversation for both.
    return f"repos/{match.group(1)}/{match.group(2)}/issues/{match.group(3)}"


def _marker_key(key: str) -> str:
    # An HTML comment cannot hold "--" or ">"; other keys are hashed to a safe form.
    if re.fullmatch(r"[A-Za-z0-9_.:+=-]{1,100}", key) and "--" not in key:
        return key
    return "sha256-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _clean(body: Any) -> str:
    """The Markdown's text; our own key marker is an HTML comment, which never shows."""
    return valid_text(markdown_text(str(body or "")))


def _mentions(body: str, login: str) -> bool:
    return bool(login) and re.search(rf"(?<![\w/])@{re.escape(login)}(?![\w-])", body, re.I) is not None


def _valid_time(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        clock.parse_time(value)
    except ValueError:
        return False
    return True


def _time(value: Any) -> datetime:
    return clock.parse_time(value)
