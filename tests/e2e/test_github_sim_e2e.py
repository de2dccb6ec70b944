"""GitHub requests checked against GitHub's own OpenAPI schema.

`@simulacrum/github-api-simulator` answers every REST route with the schema's
example body and refuses (400) any request the schema does not allow: a wrong
parameter type, a missing `q`, a comment without a string `body`. It is not
stateful for issues, so this checks the requests h2h makes and that it reads
GitHub's documented shapes; behaviour is tested on recordings
(tests/sources/test_github.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from h2h.models import Mention, Person
from h2h.sources.github import GitHubSource
from h2h.sources.http import make_session
from tests.e2e.atproto_network import NODE_DIR, free_port
from tests.sources.contract import fetch_all

pytestmark = pytest.mark.e2e
APP = Path(__file__).resolve().parent / "github_sim"


def _node() -> str | None:
    local = NODE_DIR / "node"
    return str(local) if local.exists() else shutil.which("node")


@pytest.fixture(scope="session")
def simulator() -> Iterator[str]:
    node = _node()
    missing = None if node else "node"
    if node and not (APP / "node_modules" / "@simulacrum" / "github-api-simulator").is_dir():
        missing = "tests/e2e/github_sim/node_modules"
    if missing:
        message = f"the GitHub API simulator cannot start: {missing} is missing"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI must install it: .ci/setup-github-sim.sh)")
        pytest.skip(message + "; run .ci/setup-github-sim.sh to enable these tests")
    port = free_port()
    log_path = Path(tempfile.mkstemp(prefix="h2h-github-sim-", suffix=".log")[1])
    log = open(log_path, "w")
    proc = subprocess.Popen([node, "serve.mjs"], cwd=APP, env={**os.environ, "GITHUB_SIM_PORT": str(port)},
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while '"ready":true' not in log_path.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the GitHub simulator did not start:\n" + log_path.read_text()[-2000:])
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        log_path.unlink(missing_ok=True)


class Recorder(requests.Session):
    """Every request h2h sends, with the simulator's verdict."""

    def __init__(self) -> None:
        super().__init__()
        self._responses: list[tuple[str, str, requests.Response]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        response = super().request(method, url, *args, **kwargs)
        # Kept, not read: h2h streams the body and reads it itself, within its bounds.
        self._responses.append((method, response.request.url or url, response))
        return response

    @property
    def seen(self) -> list[tuple[str, str, int, str]]:
        return [(method, url, r.status_code, r.text[:300]) for method, url, r in self._responses]


@pytest.fixture
def github(simulator: str, monkeypatch: pytest.MonkeyPatch) -> tuple[GitHubSource, Recorder]:
    monkeypatch.setenv("H2H_E2E_GH", "ghp_simulated_token_123")
    session = Recorder()
    fresh = make_session()
    for prefix, adapter in fresh.adapters.items():
        session.mount(prefix, adapter)
    session.headers.update(fresh.headers)
    src = GitHubSource.from_config("gh", {"type": "github", "url": simulator, "token_env": "H2H_E2E_GH",
                                          "query": "acme in:title,body", "backfill": "2000w"}, session)
    return src, session


def _schema_errors(session: Recorder) -> list[tuple[str, str, int, str]]:
    return [s for s in session.seen if s[2] >= 400]


def test_fetch_requests_match_the_schema(github: tuple[GitHubSource, Recorder], simulator: str) -> None:
    src, session = github
    me = src.whoami()
    assert me.handle == "octocat" and me.bot is False
    pages = fetch_all(src)
    assert _schema_errors(session) == []
    paths = [url.split("?")[0].removeprefix(simulator) for _, url, _, _ in session.seen]
    assert "/notifications" in paths and "/search/issues" in paths
    search = next(url for _, url, _, _ in session.seen if "/search/issues" in url)
    assert "sort=created" in search and "order=desc" in search
    found = [m for p in pages for m in p.mentions]
    assert all(not m.to_me for m in found)  # search results only: the example notification is "subscribed"
    assert all(m.remote_id.count("#") == 1 for m in found)


def test_thread_and_reply_requests_match_the_schema(github: tuple[GitHubSource, Recorder], simulator: str) -> None:
    src, session = github
    mention = Mention(source="gh", platform="github", remote_id="octocat/Hello-World#1347",
                      author=Person(source="gh", remote_id="1", handle="octocat"), text="Found a bug",
                      created_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                      thread="octocat/Hello-World#1347")
    thread = src.fetch_thread(mention)
    assert thread.root == "octocat/Hello-World#1347"
    assert "Me too" in [m.text for m in thread.mentions]  # the schema's example comment
    sent = src.send_reply(mention, "Thanks, looking into it.", key="sim-key-1")
    assert sent.remote_id and sent.url
    assert _schema_errors(session) == []
    posts = [s for s in session.seen if s[0] == "POST"]
    assert len(posts) == 1 and posts[0][2] == 201
    # Every URL went to the simulator, never to a host named in an answer (those say api.github.com).
    assert all(url.startswith(simulator) for _, url, _, _ in session.seen)


def test_the_simulator_does_refuse_a_bad_request(simulator: str) -> None:
    """The check above means something: the schema rejects what GitHub would."""
    r = requests.post(f"{simulator}/repos/acme/h2h/issues/1/comments", data=json.dumps({"body": 5}),
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400 and "must be string" in r.text
