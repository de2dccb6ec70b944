"""`h2h undo`: the last decision (done, snooze, ignore, reopen, mute) reverted exactly, one
step back each time; a sent reply is never undone; a decision overtaken since is not forced."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clirun import run
from tests.helpers import jsonl, record
from tests.cli.test_json_contract import check

BOB = {"id": "7", "handle": "@bob@example.social", "name": "Bob Stone"}


@pytest.fixture
def ids(home: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    data = jsonl(record("1", "How do I export my notes?", at="2026-11-20T09:00:00Z"),
                 record("2", "the sync is broken since the update, can you help?", at="2026-11-20T10:00:00Z",
                        author=BOB))
    assert run("import", "-", stdin=data).code == 0
    items = run("queue", "--jsonl").lines()
    return {i["person"]["handle"]: i["id"] for i in items}


def _state(capsys: pytest.CaptureFixture[str], ident: str) -> tuple[str, str | None]:
    view = run("show", ident, "--json").json()["data"]
    return view["state"], view["snooze_until"]


def test_each_decision_is_undone_one_step_back(ids: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    marie, bob = ids["@marie@piaille.fr"], ids["@bob@example.social"]
    assert run("snooze", marie, "2h").code == 0
    assert run("done", marie).code == 0
    assert run("ignore", bob).code == 0
    undone = run("undo")
    assert undone.code == 0 and f"Undid ignore {bob}" in undone.err and "ignored -> open" in undone.err
    assert _state(capsys, bob) == ("open", None)
    assert f"Undid done {marie}" in run("undo").err
    assert _state(capsys, marie) == ("snoozed", "2026-11-20T14:00:00Z"), "back to the snooze, with its time"
    assert "snoozed -> open" in run("undo").err
    assert _state(capsys, marie) == ("open", None)
    empty = run("undo")
    assert empty.code == 1 and "nothing to undo" in empty.err and "hint:" in empty.err
    assert {i["id"] for i in run("queue", "--jsonl").lines()} == {marie, bob}


def test_reopen_and_mute_are_undone(ids: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    bob = ids["@bob@example.social"]
    run("done", bob)
    run("reopen", bob)
    assert "open -> done" in run("undo").err
    assert _state(capsys, bob)[0] == "done"
    marie = ids["@marie@piaille.fr"]
    assert run("person", "@marie@piaille.fr", "--mute").code == 0
    assert run("show", marie, "--json").json()["data"]["section"] == "noise"
    result = run("--json", "undo").json()["data"]
    assert result["undid"] == "mute" and result["undone"] and result["handle"] == "@marie@piaille.fr"
    check("undo", result)
    view = run("show", marie, "--json").json()["data"]
    assert view["person"]["muted"] is False and view["section"] == "reply"


def test_a_sent_reply_is_never_undone(ids: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    marie, bob = ids["@marie@piaille.fr"], ids["@bob@example.social"]
    run("done", bob)
    # masto is not in the config: the reply is posted by hand and marked so.
    assert run("reply", marie, "--posted", "--yes").code == 0
    undone = run("undo")
    assert f"Undid done {bob}" in undone.err, "the decision before the reply"
    assert _state(capsys, marie)[0] == "answered"


def test_an_overtaken_decision_is_not_forced(ids: dict[str, str], capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    marie, bob = ids["@marie@piaille.fr"], ids["@bob@example.social"]
    run("ignore", bob)
    run("done", marie)
    monkeypatch.setenv("H2H_NOW", "2026-11-20T14:00:00Z")
    later = jsonl(record("3", "still stuck, any idea?", at="2026-11-20T13:00:00Z", in_reply_to="1", thread="1"))
    assert run("import", "-", stdin=later).code == 0
    assert _state(capsys, marie)[0] == "open", "her new message reopened it"
    doc = run("--json", "undo").json()["data"]
    assert doc["undone"] is False and "wrote again" in doc["reason"]
    check("undo", doc)
    assert _state(capsys, marie)[0] == "open"
    assert f"Undid ignore {bob}" in run("undo").err, "the next undo goes further back"
