"""Terminal injection through the paths that do not show a post's text: prompts that name
a person, what a server answers after a post, source and platform names (from the
database and from the config), a server's error body in the fetch progress line, the
log file, and the reply we send. Each hostile string here carries an OSC title, a
screen clear and a bidi override; a fixed output holds none of them."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from werkzeug import Request, Response

from h2h.store.sqlite import SQLiteStore
from tests.clirun import run
from tests.draft.world import CONFIG, World
from tests.helpers import jsonl, record
from tests.hostile.corpus import FORBIDDEN, SGR
from tests.screen import Terminal
from tests.sources.mastodon_server import RecordedMastodon, load

EVIL = "\x1b]0;pwned\x07\x1b[2J\u202e"
HANDLE = f"@ev{EVIL}il@x.example"
SHOWN_HANDLE = "@evil@x.example"          # the same handle with the hostile characters taken out
MARKUP = "[/] [bold red]boom[/bold red] [link=https://evil.example]x[/link]"
WITH_SOURCE = CONFIG + '\n[sources.masto]\ntype = "memory"\n'
TOKEN = "injection-test-token-abcdef"
# What rich itself writes around a live progress line: styles, erasing and moving over lines, the cursor.
RICH_OWN = re.compile(r"\x1b\[[0-9;]*[mAK]|\x1b\[\?25[lh]")


def inert(output: str, *, ours: re.Pattern[str] = SGR) -> None:
    text = ours.sub("", output.replace("\r", ""))
    found = FORBIDDEN.search(text)
    assert found is None, f"{found.group()!r}: ...{text[max(0, found.start() - 60):found.start() + 20]!r}"


def ended(term: Terminal, timeout: float = 60) -> int:
    """The exit status, or a failure (not a hung test) when the program still waits."""
    deadline = time.monotonic() + timeout
    while term.child.isalive() and time.monotonic() < deadline:
        term._read()
    if term.child.isalive():
        term.child.terminate(force=True)
        raise AssertionError(f"still running after {timeout}s:\n{term.text[-2000:]}")
    return term.end()


def seed(home: Path, **say: Any) -> str:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(WITH_SOURCE, encoding="utf-8")
    store = SQLiteStore.open(home / "h2h.db")
    try:
        return World(WITH_SOURCE, store=store).say("@acme how do I export a notebook as PDF?", **say)
    finally:
        store.close()


def test_the_reply_confirmation_names_the_handle_inertly(home: Path) -> None:
    ident = seed(home, handle=HANDLE, name="Eve")
    term = Terminal(home, "reply", ident)
    term.wait("Send this reply to")
    term.send("n\r")
    code = ended(term)
    assert code == 1 and f"Send this reply to {SHOWN_HANDLE}?" in term.text
    inert(term.raw)


def test_our_reply_never_carries_the_handles_controls(home: Path) -> None:
    ident = seed(home, handle=HANDLE, name=f"Ev{EVIL}e")
    drafted = run("draft", ident, "--json").json()["data"]["text"]
    sent = run("reply", ident, "--yes", "--json")
    assert sent.code == 0, sent.err
    text = sent.json()["data"]["text"]
    assert text.startswith(SHOWN_HANDLE) and drafted == text
    assert FORBIDDEN.search(text) is None, repr(text)


def test_the_mute_prompt_of_next_names_the_handle_inertly(home: Path) -> None:
    seed(home, handle=HANDLE, name="Eve")
    term = Terminal(home, "next")
    term.wait("q quit")
    term.settle()
    term.send("m")
    term.wait("Mute ")
    term.send("n")
    term.wait("Not muted.")
    term.send("q")
    assert ended(term) == 0
    assert f"Mute {SHOWN_HANDLE}?" in term.text
    inert(term.raw)


@pytest.fixture
def masto(httpserver: Any, home: Path, monkeypatch: pytest.MonkeyPatch) -> RecordedMastodon:
    server = RecordedMastodon(httpserver)
    monkeypatch.setenv("H2H_INJECTION_TOKEN", TOKEN)
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(f'[me]\nname = "Alex"\n[sources.masto]\ntype = "mastodon"\nurl = "{server.url}"\n'
                                      f'token_env = "H2H_INJECTION_TOKEN"\nbackfill = "3650d"\n', encoding="utf-8")
    return server


def test_the_url_a_server_answers_after_posting_is_shown_inertly(masto: RecordedMastodon, httpserver: Any) -> None:
    assert run("fetch").code == 0
    ident = run("queue", "--jsonl", "--all").lines()[0]["id"]
    posted = load("status_post_reply")
    posted["url"] = f"https://evil.example/{EVIL}\x1b]8;;https://phish.example\x1b\\here\x1b]8;;\x1b\\"

    def answer(request: Request) -> Response:
        return Response(json.dumps(posted), status=200, content_type="application/json")

    httpserver.expect_oneshot_request("/api/v1/statuses", method="POST").respond_with_handler(answer)
    sent = run("reply", ident, "--yes")
    assert sent.code == 0, sent.err
    assert f"{ident}: sent https://evil.example/" in sent.out
    inert(sent.out + sent.err)


def _import_hostile_names(home: Path) -> None:
    line = record("n1", "@acme how do I export?", source=f"src{EVIL}", platform=f"plat{EVIL}",
                  author={"id": "7", "handle": "@zed@x.example", "name": "Zed"})
    assert run("import", "-", stdin=jsonl(line)).code == 0


def test_person_shows_source_and_platform_names_inertly(home: Path) -> None:
    _import_hostile_names(home)
    shown = run("person", "@zed@x.example")
    assert shown.code == 0, shown.err
    assert "src" in shown.out and "plat" in shown.out
    inert(shown.out + shown.err)


def test_stats_shows_source_and_platform_names_inertly(home: Path) -> None:
    _import_hostile_names(home)
    shown = run("stats")
    assert shown.code == 0, shown.err
    assert "src" in shown.out and "plat" in shown.out
    inert(shown.out + shown.err)
    term = Terminal(home, "stats", cols=120, env={"NO_COLOR": ""})
    assert ended(term) == 0 and "plat" in term.text
    inert(term.raw)


def test_person_on_a_terminal_shows_source_and_platform_names_inertly(home: Path) -> None:
    _import_hostile_names(home)
    term = Terminal(home, "person", "@zed@x.example", cols=120, env={"NO_COLOR": ""})
    assert ended(term) == 0 and "plat" in term.text
    inert(term.raw)


def test_source_names_from_the_config_are_shown_inertly(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    name = json.dumps(f"mem{EVIL}{MARKUP}")  # a TOML basic string is a JSON string
    (home / "config.toml").write_text(f'[me]\nname = "Alex"\n[sources.{name}]\ntype = "memory"\n', encoding="utf-8")
    for args in (["sources"], ["fetch"]):
        term = Terminal(home, *args, cols=200, env={"NO_COLOR": ""})
        assert ended(term) == 0, term.text
        assert "[/] [bold red]boom[/bold red]" in term.text, term.text
        inert(term.raw, ours=RICH_OWN)


def test_a_servers_error_body_in_the_fetch_progress_line_is_text(masto: RecordedMastodon, home: Path) -> None:
    masto.fail("/api/v1/accounts/verify_credentials", (401, {"error": f"{MARKUP}{EVIL}"}, {}))
    term = Terminal(home, "fetch", cols=200, env={"H2H_INJECTION_TOKEN": TOKEN, "NO_COLOR": ""})
    code = ended(term)
    assert code == 4, term.text   # the auth failure, not a crash of the progress line
    assert "[/] [bold red]boom[/bold red] [link=https://evil.example]x[/link]" in term.text, term.text
    inert(term.raw, ours=RICH_OWN)


def test_the_log_file_holds_no_raw_escapes(masto: RecordedMastodon, home: Path) -> None:
    masto.fail("/api/v1/accounts/verify_credentials", (401, {"error": f"bad token {EVIL}"}, {}))
    assert run("fetch").code == 4
    assert run("import", "-", stdin=jsonl(record("h1", "@acme hi", source="masto", author={
        "id": "8", "handle": HANDLE, "name": "Eve"}))).code == 0
    assert run("person", f"masto:{HANDLE}", "--vip").code == 0
    log = (home / "logs" / "h2h.log").read_text(encoding="utf-8")
    assert "bad token" in log and "vip=on" in log
    assert FORBIDDEN.search(log.replace("\n", "")) is None, repr(log)
    assert os.stat(home / "logs" / "h2h.log").st_mode & 0o077 == 0
