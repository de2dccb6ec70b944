"""Exactly once when the answer to the post is lost, against a loopback Mastodon that makes
the status and then drops the connection, answers 500, is slower than the timeout, or is
still answering when `h2h reply` is killed with -9. After every combination with a retry
and a reworded draft, the server holds exactly one reply, and the user was told where to
look."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest

from h2h.cli.main import main
from tests.reply.flaky_mastodon import FlakyMastodon

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


@pytest.fixture(params=[True, False], ids=["keys-honoured", "keys-ignored"])
def server(request: pytest.FixtureRequest) -> Iterator[FlakyMastodon]:
    world = FlakyMastodon(honour_keys=request.param, slow_s=2.5)
    yield world
    world.close()


@pytest.fixture
def conversation(server: FlakyMastodon, home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                 capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.setenv("H2H_NOW", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    monkeypatch.setenv("H2H_TEST_TOKEN", "tok-exactly-once")
    (home / "config.toml").write_text(f"""
[me]
name = "Alex"
handles = ["@alex@masto.example"]
[sources.masto]
type = "mastodon"
url = "{server.url}"
token_env = "H2H_TEST_TOKEN"
timeout = "1s"
notifications = "v1"
""")
    editor = tmp_path / "reword.py"
    editor.write_text("import sys\nopen(sys.argv[1], 'w').write('Hi Marie, it is under Settings, then Export.\\n')\n")
    monkeypatch.setenv("VISUAL", f"{sys.executable} {editor}")
    code, out, err = run(capsys, "fetch", "--json")
    assert code == 0, err
    code, out, err = run(capsys, "queue", "--json")
    items = json.loads(out)["data"]["items"]
    assert len(items) == 1
    return str(items[0]["id"])


def lost_answer_told_plainly(code: int, out: str, err: str, server: FlakyMastodon) -> None:
    assert code == 5, (out, err)
    assert "may have been posted" in err
    assert server.question["url"] in err          # where to look


def second_attempts(capsys: pytest.CaptureFixture[str], ident: str, server: FlakyMastodon, reword: bool) -> None:
    if reword:
        code, out, err = run(capsys, "draft", ident, "--edit")
        assert code == 0, err
    for _ in range(2):
        code, out, err = run(capsys, "reply", ident, "--yes")
        assert code == 0, err
        assert len(server.replies()) == 1
        assert "already sent" in out and server.replies()[0]["url"] in out
    code, out, err = run(capsys, "queue", "--json")
    assert json.loads(out)["data"]["items"] == []          # answered


@pytest.mark.parametrize("reword", [False, True], ids=["same-draft", "reworded"])
@pytest.mark.parametrize("fault", ["drop", "500", "slow"])
def test_a_lost_answer_never_makes_a_second_reply(server: FlakyMastodon, conversation: str, fault: str,
                                                  reword: bool, capsys: pytest.CaptureFixture[str]) -> None:
    server.faults = [fault]
    code, out, err = run(capsys, "reply", conversation, "--yes")
    assert len(server.replies()) == 1, f"one POST: never retried blindly ({len(server.replies())} replies)"
    lost_answer_told_plainly(code, out, err, server)
    second_attempts(capsys, conversation, server, reword)
    assert server.posts == 1


@pytest.mark.parametrize("reword", [False, True], ids=["same-draft", "reworded"])
def test_a_post_that_never_arrived_is_posted_once_by_the_next_attempt(
        server: FlakyMastodon, conversation: str, reword: bool, capsys: pytest.CaptureFixture[str]) -> None:
    server.faults = ["drop_before"]
    code, out, err = run(capsys, "reply", conversation, "--yes")
    lost_answer_told_plainly(code, out, err, server)
    assert server.replies() == []
    if reword:
        assert run(capsys, "draft", conversation, "--edit")[0] == 0
    code, out, err = run(capsys, "reply", conversation, "--yes")
    assert code == 0 and "sent" in out, err
    assert len(server.replies()) == 1
    if reword:
        assert "Settings, then Export" in server.replies()[0]["content"]
    code, out, err = run(capsys, "reply", conversation, "--yes")
    assert code == 0 and "already sent" in out and len(server.replies()) == 1


@pytest.mark.parametrize("reword", [False, True], ids=["same-draft", "reworded"])
def test_kill_9_while_the_answer_is_on_its_way(server: FlakyMastodon, conversation: str, reword: bool,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    server.faults = ["hang"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "h2h", "reply", conversation, "--yes"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert server.posted.wait(30), "the reply never reached the server"
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    server.release.set()
    assert len(server.replies()) == 1
    second_attempts(capsys, conversation, server, reword)
    assert server.posts == 1


@pytest.mark.parametrize("fault", ["drop", "500", "slow"])
def test_the_http_layer_never_sends_a_post_twice(fault: str) -> None:
    """urllib3's Retry in every session retries reads, never a POST: not on a 5xx, a dropped
    connection or a read timeout (the server may have made the status)."""
    from h2h.errors import RemoteError
    from h2h.sources.http import Http, make_session

    server = FlakyMastodon(honour_keys=False, slow_s=2.0)
    try:
        server.faults = [fault]
        http = Http(session=make_session(), source="masto", base_url=server.url, timeout=(1.0, 1.0))
        with pytest.raises(RemoteError):
            http.request("POST", "/api/v1/statuses", json={"status": "hi", "in_reply_to_id": server.question["id"]})
        assert server.posts == 1
    finally:
        server.close()
