"""The GitHub adapter against real recordings served on loopback."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from h2h import errors
from h2h.errors import ExitCode
from h2h.models import Mention
from h2h.sources.github import GitHubSource
from h2h.sources.http import make_session
from h2h.sources.listing import Cursor
from tests.sources.contract import SourceContract, fetch_all
from tests.sources.replay import body, respond

TOKEN = "ghp_test_token_0123456789"
RECORDED = "https://api.github.com"
ISSUE = body("github", "repo_issues_page1_link_header")[0]          # a real issue (number 13)
THREAD_WITH_ISSUE = "/pulls/17"                                       # the newest recorded notification


class Platform:
    def __init__(self, server: HTTPServer):
        self.server = server
        self.hosts = {RECORDED: server.url_for("/").rstrip("/")}
        self.posted: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, dict]] = []
        self.fail: str | None = None
        self.reject_post = False

    def install(self) -> None:
        self.server.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        self.requests.append((request.method, request.path, request.args.to_dict(flat=False)))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return respond("github", "error_401_bad_credentials")
        path = request.path
        if path == "/user":
            return respond("github", "issue_comment_create_201", data=body("github", "issue_comment_create_201")["user"],
                          status=200)
        if path == "/notifications":
            if self.fail == "auth":
                return respond("github", "error_401_bad_credentials")
            if self.fail == "not_found":
                return respond("github", "error_404_not_found")
            if self.fail == "malformed":
                return Response("<!DOCTYPE html><html>Unicorn!</html>", status=200, content_type="text/html")
            if self.fail == "empty":
                return respond("github", "notifications_empty")
            return respond("github", "notifications_repo_all", hosts=self.hosts)
        if path == "/search/issues":
            return respond("github", "search_issues", hosts=self.hosts)
        if path.startswith("/repos/api-playground/"):
            if path.endswith(THREAD_WITH_ISSUE.replace("pulls", "issues")):
                return respond("github", "repo_issues_page1_link_header", data=ISSUE, hosts=self.hosts)
            return respond("github", "error_404_not_found")
        if path == _path(ISSUE["url"]):
            return respond("github", "repo_issues_page1_link_header", data=ISSUE, hosts=self.hosts)
        comments = "/" + ISSUE["comments_url"].split("://", 1)[1].split("/", 1)[1]
        if path == comments and request.method == "GET":
            return respond("github", "issue_comments", data=body("github", "issue_comments") + self.posted,
                          hosts=self.hosts)
        if path == comments and request.method == "POST":
            if self.reject_post:
                return respond("github", "error_422_validation")
            created = body("github", "issue_comment_create_201")
            created["id"] += len(self.posted)
            created["body"] = request.get_json()["body"]   # GitHub stores the body it was sent
            self.posted.append(created)
            return respond("github", "issue_comment_create_201", data=created, hosts=self.hosts)
        return respond("github", "error_404_not_found")


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


@pytest.fixture
def platform(httpserver: HTTPServer) -> Platform:
    p = Platform(httpserver)
    p.install()
    return p


def make(platform: Platform, monkeypatch: pytest.MonkeyPatch, **table: Any) -> GitHubSource:
    monkeypatch.setenv("H2H_TEST_GH", TOKEN)
    config = {"type": "github", "url": platform.server.url_for("/"), "token_env": "H2H_TEST_GH",
              "backfill": "1000w", **table}
    return GitHubSource.from_config("gh", config, make_session(retries=0))


class TestGitHubSource(SourceContract):
    failure_kinds = ("auth", "not_found", "malformed")

    @pytest.fixture
    def source(self, platform: Platform, monkeypatch: pytest.MonkeyPatch) -> GitHubSource:
        return make(platform, monkeypatch, query="sesame")

    @pytest.fixture
    def failing_source(self, platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], GitHubSource]:
        def build(kind: str) -> GitHubSource:
            platform.fail = kind
            return make(platform, monkeypatch)
        return build

    @pytest.fixture
    def sent_count(self, platform: Platform) -> Callable[[], int]:
        return lambda: len(platform.posted)


def mentions_of(source: GitHubSource) -> list[Mention]:
    return [m for p in fetch_all(source) for m in p.mentions]


def test_a_thread_brings_its_issue_and_every_comment(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    found = mentions_of(make(platform, monkeypatch))
    issue_id = "octokit-fixture-org/tmp-scenario-paginate-issues-20220719043836917-izyoe#13"
    assert [m.remote_id for m in found] == ["1194549", "1194690", "1199663", issue_id]
    issue = found[-1]
    assert issue.text.startswith("Test issue 13") and issue.thread == issue_id and issue.in_reply_to is None
    assert issue.raw["author_association"] == "MEMBER"
    comment = found[0]
    assert comment.thread == issue_id and comment.in_reply_to == issue_id and comment.to_me
    assert comment.author.handle == "catsby" and comment.author.bot is False
    assert comment.url == "https://github.com/octokit/octokit.rb/pull/25#issuecomment-1194549"
    assert comment.text.startswith("I've started this on my [25-issue-comments-v3 fork][1]")  # Markdown kept
    assert comment.created_at == datetime(2011, 5, 18, 2, 29, 52, tzinfo=timezone.utc)


def test_notifications_are_read_all_and_since_the_floor(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make(platform, monkeypatch)
    pages = fetch_all(src)
    first = [a for m, p, a in platform.requests if p == "/notifications"][0]
    assert first["all"] == ["true"] and first["since"] == ["2007-09-21T12:00:00Z"]  # now - 1000 weeks
    platform.requests.clear()
    fetch_all(src, pages[-1].cursor)
    again = [a for m, p, a in platform.requests if p == "/notifications"][0]
    assert again["since"] == ["2013-05-10T17:59:20Z"]  # newest updated_at minus the 10-minute overlap
    comments = [a for m, p, a in platform.requests if p.endswith("/comments")][0]
    assert comments["since"] == ["2013-05-10T17:59:20Z"]


def test_only_wanted_reasons_and_reachable_threads(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    fetch_all(make(platform, monkeypatch))
    asked = [p for m, p, a in platform.requests if p.startswith("/repos/api-playground/")]
    assert not any(p.endswith("/issues/2") for p in asked)  # reason "subscribed" is not ours
    assert len(asked) == 11  # the 404s (deleted or unreachable) are skipped, not fatal


def test_search_skips_conversations_that_involve_me(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    found = mentions_of(make(platform, monkeypatch, query="sesame"))
    q = [a for m, p, a in platform.requests if p == "/search/issues"][0]["q"][0]
    assert q.startswith("sesame -involves:<GITHUB_LOGIN> created:>=")
    searched = [m for m in found if m.remote_id.endswith(("#1", "#2"))]
    assert len(searched) == 2 and not any(m.to_me for m in searched)
    assert {m.raw["author_association"] for m in searched} == {"NONE", "MEMBER"}


def test_bots_are_recognised() -> None:
    src = GitHubSource("gh", None, None)  # type: ignore[arg-type]
    assert src._person({"login": "dependabot[bot]", "type": "Bot", "id": 1}).bot is True
    assert src._person({"login": "renovate[bot]", "type": "User", "id": 2}).bot is True
    assert src._person({"login": "octocat", "type": "User", "id": 3}).bot is False


def test_rate_limits_are_kept_per_resource(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make(platform, monkeypatch, query="sesame")
    fetch_all(src)
    limits = src.rate_limits()
    assert limits["search"]["limit"] == 30 and limits["search"]["remaining"] == 29
    assert limits["core"]["limit"] == 5000


def test_reply_body_carries_the_key_and_is_found_again(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make(platform, monkeypatch)
    first = mentions_of(src)[0]
    sent = src.send_reply(first, "Thanks, fixed in 1.2.", key="draft-42")
    assert platform.posted[0]["body"] == "Thanks, fixed in 1.2.\n\n<!-- h2h:draft-42 -->"
    assert sent.remote_id == str(platform.posted[0]["id"]) and sent.in_reply_to == first.remote_id
    lookup = [a for m, p, a in platform.requests if m == "GET" and p.endswith("/comments")][-1]
    assert lookup["since"] == ["2011-05-18T02:28:52Z"]  # only comments after the message we answer
    again = src.send_reply(first, "Thanks, fixed in 1.2.", key="draft-42")
    assert again.remote_id == sent.remote_id and len(platform.posted) == 1
    other = src.send_reply(first, "Thanks!", key="a key with spaces --> and arrows")
    assert "<!-- h2h:sha256-" in platform.posted[1]["body"]
    assert other.remote_id != sent.remote_id
    refetched = {m.remote_id: m for m in mentions_of(make(platform, monkeypatch))}
    mine = refetched[sent.remote_id]
    assert mine.from_me and mine.text == "Thanks, fixed in 1.2."  # the marker never shows


def test_422_is_a_source_error_exit_5(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make(platform, monkeypatch)
    first = mentions_of(src)[0]
    platform.reject_post = True
    with pytest.raises(errors.SourceError) as caught:
        src.send_reply(first, "hello", key="k-422")
    assert "Validation Failed" in str(caught.value) and caught.value.exit_code == ExitCode.REMOTE


def test_bad_token_is_exit_4_and_never_shown(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H2H_TEST_GH", "ghp_wrong_token_abcdef")
    src = GitHubSource.from_config("gh", {"type": "github", "url": platform.server.url_for("/"),
                                          "token_env": "H2H_TEST_GH"}, make_session(retries=0))
    with pytest.raises(errors.AuthError) as caught:
        src.whoami()
    assert caught.value.exit_code == ExitCode.AUTH and "Bad credentials" in str(caught.value)
    assert "ghp_wrong_token_abcdef" not in str(caught.value)


def test_404_on_the_notifications_url_is_not_found(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    platform.fail = "not_found"
    with pytest.raises(errors.NotFound) as caught:
        fetch_all(make(platform, monkeypatch))
    assert caught.value.exit_code == ExitCode.ERROR


def test_no_notifications_still_moves_nothing_and_ends(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    platform.fail = "empty"
    pages = fetch_all(make(platform, monkeypatch))
    assert [len(p.mentions) for p in pages] == [0]
    assert Cursor.load(pages[0].cursor, "gh").marks["notifications"].floor is None


def test_config_problems_are_listed_together() -> None:
    with pytest.raises(errors.ConfigError) as caught:
        GitHubSource.from_config("gh", {"type": "github", "url": "ftp://x", "query": "", "backfill": "soon"}, None)
    assert len(caught.value.problems) == 3


def test_urls_from_answers_stay_on_our_api_host(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make(platform, monkeypatch)
    ours = platform.server.url_for("/repos/a/b/issues/1/comments")
    assert src._local(ours) == ours
    assert src._local("https://api.github.com/repos/a/b/issues/1/comments?page=2") == "repos/a/b/issues/1/comments?page=2"
    assert src._local("https://ghe.example/api/v3/repos/a/b/issues/1") == "repos/a/b/issues/1"


# --- github3.py's recordings: a watcher's notifications and a real search ---------------------

class Github3py(Platform):
    """Notifications that are all "subscribed" (none is about us), a search of 57 real issues, and
    issue 187 with its comments; any other searched issue answers as the search listed it."""

    def handle(self, request: Request) -> Response:
        self.requests.append((request.method, request.path, request.args.to_dict(flat=False)))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return respond("github", "error_401_bad_credentials")
        path = request.path
        if path == "/notifications" and self.fail == "auth":
            return respond("github", "error_401_bad_credentials")
        if path == "/notifications" and self.fail == "malformed":
            return Response("<!DOCTYPE html><html>Unicorn!</html>", status=200, content_type="text/html")
        if path == "/notifications":
            return respond("github", "github3py_notifications_all_subscribed", hosts=self.hosts)
        if path == "/search/issues":
            return respond("github", "github3py_search_issues", hosts=self.hosts)
        match = re.fullmatch(r"/repos/([^/]+)/([^/]+)/issues/(\d+)(/comments)?", path)
        if match and request.method == "GET":
            repo, number, comments = f"{match.group(1)}/{match.group(2)}", int(match.group(3)), match.group(4)
            if repo == "sigmavirus24/github3.py" and number == 187:
                name = "github3py_issue_187_comments" if comments else "github3py_issue_187"
                extra = self.posted if comments else []
                return respond("github", name, data=body("github", name) + extra if comments else None,
                              hosts=self.hosts)
            found = [i for i in body("github", "github3py_search_issues")["items"]
                     if i["repository_url"].endswith(f"/repos/{repo}") and i["number"] == number]
            if not found:
                return respond("github", "error_404_not_found")
            return respond("github", "github3py_search_issues", data=self.posted if comments else found[0],
                          hosts=self.hosts)
        if match and request.method == "POST":
            created = body("github", "issue_comment_create_201")
            created["id"] += len(self.posted)
            created["body"] = request.get_json()["body"]
            self.posted.append(created)
            return respond("github", "issue_comment_create_201", data=created, hosts=self.hosts)
        if path == "/user":
            return super().handle(request)
        return respond("github", "error_404_not_found")


class TestGitHubOnGithub3pyRecordings(TestGitHubSource):
    failure_kinds = ("auth", "malformed")
    scenario = "github3.py"

    @pytest.fixture
    def platform(self, httpserver: HTTPServer) -> Github3py:
        p = Github3py(httpserver)
        p.install()
        return p

    @pytest.fixture
    def source(self, platform: Platform, monkeypatch: pytest.MonkeyPatch) -> GitHubSource:
        return make(platform, monkeypatch, query="github3 label:Bug", backfill="10000d")


def test_watched_repositories_are_not_conversations_with_us(httpserver: HTTPServer,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    hub = Github3py(httpserver)
    hub.install()
    found = mentions_of(make(hub, monkeypatch, query="github3 label:Bug", backfill="10000d"))
    assert len(found) == 57 and not any(m.to_me for m in found)  # 22 "subscribed" threads: none about us
    assert not any(path.startswith("/repos/vcr/") for _, path, _ in hub.requests)
    crlf = next(m for m in found if "\r\n" in (m.raw.get("body") or ""))
    assert "\r" not in crlf.text
