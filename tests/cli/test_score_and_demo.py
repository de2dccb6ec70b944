"""`h2h score` (stores nothing) and `h2h demo` (no config, no network)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.clirun import run
from tests.helpers import jsonl, record


def test_score_prints_one_object_per_message_and_stores_nothing(hermetic: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    data = jsonl(record("1", "How do I export my notes?"),
                 record("2", "You are all idiots", author={"id": "7", "handle": "@troll@x.y"}),
                 record("3", "merci, super appli !", author={"id": "8", "handle": "@p@x.fr"}))
    result = run("score", "-", stdin=data)
    assert result.code == 0
    lines = result.lines()
    assert [line["id"] for line in lines] == ["1", "2", "3"]
    for line in lines:
        assert {"id", "section", "score", "signals", "reasons"} <= set(line)
        assert abs(line["score"] - sum(r["points"] for r in line["reasons"])) < 0.05
        assert {"question", "request", "complaint", "negative", "positive", "toxic", "spam", "bot", "urgent",
                "lang"} <= set(line["signals"])
    assert [line["section"] for line in lines] == ["reply", "careful", "thanks"]
    assert lines[0]["signals"]["question"] >= 0.5 and lines[2]["signals"]["lang"] == "fr"
    assert not (hermetic / "h2h.db").exists(), "score stores nothing"


def test_score_reports_bad_lines_and_continues(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run("score", "-", stdin="{}\n" + jsonl(record("1", "hi?")))
    assert result.code == 6 and "line 1: missing required keys" in result.err
    assert [line["id"] for line in result.lines()] == ["1"]


def test_score_knows_returning_people_within_the_file(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = jsonl(record("1", "first question?", at="2026-11-19T10:00:00Z"),
                 record("2", "another question?", at="2026-11-20T10:00:00Z"))
    first, second = run("score", "-", stdin=data).lines()
    assert "first_contact" in {r["code"] for r in first["reasons"]}
    assert "returning" in {r["code"] for r in second["reasons"]}


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the demo must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_demo_shows_the_queue_without_config_or_network(hermetic: Path, no_network: None,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    result = run("demo")
    assert result.code == 0
    assert "Reply to these humans first" in result.out and "throwaway" in result.out
    assert not hermetic.exists(), "the demo writes nothing to H2H_HOME"


def test_demo_data_covers_what_it_promises(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = (Path(__file__).resolve().parents[2] / "h2h" / "data" / "demo.jsonl").read_text(encoding="utf-8")
    lines = [json.loads(x) for x in raw.split("\n") if x.strip()]
    assert "fictional" in lines[0]["_comment"] and "License" in lines[0]["_comment"]
    mentions = lines[1:]
    assert 50 <= len(mentions) <= 70
    assert len({m["platform"] for m in mentions}) >= 5
    assert {m["lang"] for m in mentions} >= {"en", "fr"}
    assert any(m["author"].get("bot") for m in mentions) and any(m["from_me"] for m in mentions)

    items = run("demo", "--jsonl", "--all", "--limit", "0").lines()
    assert {i["section"] for i in items} == {"reply", "thanks", "careful", "noise"}
    handles = {i["person"]["handle"] for i in items}
    reply = [i for i in items if i["section"] == "reply"]
    assert any(i["person"]["handle"] == "@bigcustomer@example.social" for i in reply[:5]), "the VIP ranks high"
    assert all(i["person"]["handle"] != "@releasebot@botsin.space" for i in reply), "bots are noise"
    by_id = {m["id"]: m for m in mentions}
    answered_by_us = {by_id[m["in_reply_to"]]["author"]["handle"] for m in mentions
                      if m["from_me"] and m.get("in_reply_to") in by_id}
    queued_ids = {x["id"] for i in items for x in i["mentions"]}
    answered_ids = {m["in_reply_to"] for m in mentions if m["from_me"] and m.get("in_reply_to")}
    assert answered_by_us and not (answered_ids & queued_ids), "a message we answered is not in the queue"
    assert len(handles) >= 30


def test_demo_is_fast_and_json_works(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run("demo", "--json").json()["data"]
    assert doc["items"] and doc["counts"]["noise"] >= 1
    assert "noise" not in {i["section"] for i in doc["items"]}


def test_demo_into_a_folder_can_be_explored(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "demo"
    first = run("demo", "--into", str(folder), "--jsonl")
    ident = first.lines()[0]["id"]
    monkeypatch.setenv("H2H_HOME", str(folder))
    shown = run("show", ident, "--json").json()["data"]
    assert shown["id"] == ident
    assert run("queue", "--jsonl").lines()[0]["id"] == ident, "same config, same ranking"


@pytest.mark.parametrize("held", ["config.toml", "h2h.db", "both"])
def test_demo_into_never_touches_an_existing_home(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch, held: str) -> None:
    """A real home (its config, or a database with someone's work in it) is refused whole:
    the demo's fictional people never mix with real ones."""
    from tests.helpers import jsonl, record

    real = tmp_path / "real"
    real.mkdir()
    monkeypatch.setenv("H2H_HOME", str(real))
    if held in ("config.toml", "both"):
        (real / "config.toml").write_text('[me]\nname = "Sam"\n\n[sources.masto]\ntype = "memory"\n')
    if held in ("h2h.db", "both"):
        assert run("import", "-", stdin=jsonl(record("1", "how do I export?"))).code == 0
    before = {p.name: p.read_bytes() for p in real.iterdir() if p.is_file()}
    result = run("demo", "--into", str(real))
    assert result.code == 1 and "already holds" in result.err and "was not written" in result.err
    assert result.out == ""
    assert {p.name: p.read_bytes() for p in real.iterdir() if p.is_file()} == before
    if held != "config.toml":
        assert [i["person"]["handle"] for i in run("queue", "--jsonl").lines()] == ["@marie@piaille.fr"]


def test_demo_into_an_empty_folder_is_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("demo", "--into", str(empty), "--jsonl").code == 0
    assert run("demo", "--into", str(empty), "--jsonl").code == 1, "a second demo would merge into the first"
