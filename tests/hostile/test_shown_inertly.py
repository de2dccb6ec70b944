"""Hostile post text is shown inertly: in the queue and in `show`, plain and rich, and in JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from h2h.cli import render
from h2h.textutil import inert
from tests.clirun import run
from tests.helpers import jsonl, record

HOSTILE = {
    "csi": "clear\x1b[2J\x1b[31mred\x1b[0m",
    "osc8": "\x1b]8;;https://evil.example\x1b\\click me\x1b]8;;\x1b\\",
    "osc52": "copy\x1b]52;c;cm0gLXJmIH4=\x07 this",
    "title": "\x1b]0;pwned\x07title",
    "c1": "8-bit \x9b31m csi \x9d0;t\x9c",
    "markup": "[bold red]WARNING[/bold red] [link=https://evil.example]x[/link]",
    "bidi": "abc\u202edcba\u202c and \u2066isolate\u2069",
    "zero_width": "ze\u200bro\u200dwidth\ufeff",
    "huge": "help? " + "A" * 100_000,
}
FORBIDDEN = ["\x1b[2J", "\x1b]8;", "\x1b]52", "\x1b]0;", "\x9b", "\x9d", "\u202e", "\u2066", "\u200b", "\ufeff", "\x07"]


@pytest.fixture
def hostile_db(home: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    records = [record(str(i), f"{text} question?", at=f"2026-11-20T1{i % 2}:0{i}:00Z",
                      author={"id": f"a{i}", "handle": f"@{name}@x.social", "name": f"{text[:40]} name"})
               for i, (name, text) in enumerate(HOSTILE.items())]
    assert run("import", "-", stdin=jsonl(*records)).code == 0
    items = run("queue", "--jsonl", "--limit", "0", "--all").lines()
    return {i["person"]["handle"].split("@")[1]: i["id"] for i in items}


def _clean(output: str) -> None:
    for bad in FORBIDDEN:
        assert bad not in output, f"{bad!r} reached the terminal"


def test_plain_queue_and_show_are_inert(hostile_db: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    out = run("queue", "--limit", "0").out
    _clean(out)
    assert "[bold red]WARNING[/bold red]" in out, "markup is shown literally, not interpreted"
    for ident in hostile_db.values():
        shown = run("show", ident)
        assert shown.code == 0
        _clean(shown.out)
    huge = run("show", hostile_db["huge"]).out
    assert 20_000 <= huge.count("A") < 100_000, "a terminal gets a long message capped"
    whole = run("show", hostile_db["huge"], "--json").json()["data"]["messages"][0]["text"]
    assert whole.count("A") == 100_000, "--json keeps the whole message"


def test_rich_queue_and_show_are_inert(hostile_db: dict[str, str], capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("PAGER", "cat")  # the rich output itself, not a pager
    monkeypatch.setattr(render, "is_tty", lambda stream=None: True)
    out = run("queue", "--limit", "0").out
    assert "\x1b[" in out, "the rich path really ran with colours"
    _clean(out)
    assert "WARNING" in out and "[bold red]" in out
    for ident in hostile_db.values():
        shown = run("show", ident).out
        _clean(shown)


def test_json_keeps_the_text_but_escapes_what_a_terminal_would_obey(
        hostile_db: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    raw = run("show", hostile_db["bidi"], "--json").out
    _clean(raw)
    text = json.loads(raw)["data"]["messages"][0]["text"]
    assert "\u202e" in text, "the data itself is not altered"
    lines = run("queue", "--jsonl", "--limit", "0").out
    _clean(lines)


def test_inert_removes_every_kind() -> None:
    for text in HOSTILE.values():
        cleaned = inert(text)
        _clean(cleaned)
    assert inert(HOSTILE["csi"]) == "clearred"
    assert inert(HOSTILE["osc8"]) == "click me"
    assert inert("a\nb\u2028c") == "a b c" and inert("a\nb", keep_newlines=True) == "a\nb"
