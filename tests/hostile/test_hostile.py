"""Every hostile input through every path: import, score, queue, show, draft, in
plain text, rich on a terminal, JSON and JSON Lines. Nothing executes (no escape
sequence, bidi control or markup reaches the terminal), nothing crashes, nothing is
lost (what was imported is stored as sent, and JSON gives it back)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from h2h.sources.jsonl import parse_record
from h2h.store.sqlite import SQLiteStore
from tests.clirun import run
from tests.hostile import corpus

CASES = corpus.load()
OK = [c for c in CASES if c.ok]
BAD = [c for c in CASES if not c.ok]


def _expected(case: corpus.Case):
    return parse_record(json.loads(case.line, strict=False))


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory):
    """One database holding the whole corpus, imported once through `h2h import`."""
    folder = tmp_path_factory.mktemp("hostile")
    src = folder / "corpus.jsonl"
    corpus.write_all(src, CASES)
    db = folder / "h2h.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("H2H_HOME", str(folder / "home"))
        mp.setenv("H2H_NOW", "2026-11-20T12:00:00Z")
        mp.setenv("NO_COLOR", "1")
        result = run("--db", str(db), "import", "--json", str(src))
    keys = {}
    with SQLiteStore.open(db) as store:
        for case in OK:
            m = _expected(case)
            row = store.mention(m.source, m.remote_id)
            conv = store.conversation_by_id(row.conversation_id) if row and row.conversation_id else None
            keys[case.name] = (row, conv.key if conv else None)
    return {"db": db, "src": src, "result": result, "rows": keys}


def test_import_skips_exactly_the_bad_lines(imported) -> None:
    result = imported["result"]
    assert result.code == 6, result.err  # partial: some lines were bad, the rest is in
    report = json.loads(result.out)["data"]
    bad_lines = [b["line"] for b in report["bad"]]
    assert bad_lines == [i + 1 for i, c in enumerate(CASES) if not c.ok], report["bad"]
    assert report["read"] == len(OK)
    corpus.assert_inert(result.err)
    for b in report["bad"]:
        assert b["message"]


@pytest.mark.parametrize("case", OK, ids=lambda c: c.name)
def test_stored_as_sent(imported, case: corpus.Case) -> None:
    row, key = imported["rows"][case.name]
    m = _expected(case)
    assert row is not None, "lost"
    assert row.text == m.text
    assert key is not None
    if case.name == "big_body":
        assert len(row.text) > corpus.BIG


def _env(monkeypatch: pytest.MonkeyPatch, imported, tty: bool) -> None:
    if tty:
        monkeypatch.delenv("NO_COLOR", raising=False)
        monkeypatch.setenv("TERM", "xterm-256color")
        monkeypatch.setenv("COLUMNS", "120")


@pytest.mark.parametrize("mode", ["plain", "rich", "json", "jsonl"])
def test_queue(imported, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    _env(monkeypatch, imported, mode == "rich")
    extra = {"json": ["--json"], "jsonl": ["--jsonl"]}.get(mode, [])
    r = run("--db", str(imported["db"]), "queue", "--all", "--limit", "0", *extra, tty=mode == "rich")
    assert r.code == 0, r.err
    corpus.assert_inert(r.out, styled=mode == "rich")
    corpus.assert_inert(r.err)
    if mode in ("json", "jsonl"):
        items = ([json.loads(line) for line in r.out.splitlines()] if mode == "jsonl"
                 else json.loads(r.out)["data"]["items"])
        shown = {i["id"] for i in items}
        assert {key for _, key in imported["rows"].values()} <= shown  # nothing lost from the queue
    else:
        assert "[bold red]URGENT[/bold red]" in r.out or "URGENT" not in r.out


@pytest.mark.parametrize("case", OK, ids=lambda c: c.name)
def test_show_and_draft(imported, monkeypatch: pytest.MonkeyPatch, case: corpus.Case) -> None:
    _, key = imported["rows"][case.name]
    db = str(imported["db"])
    m = _expected(case)
    for mode in ("plain", "json", "rich"):
        if mode == "rich":
            _env(monkeypatch, imported, True)
        extra = ["--json"] if mode == "json" else []
        r = run("--db", db, "show", key, *extra, tty=mode == "rich")
        assert r.code == 0, r.err
        corpus.assert_inert(r.out, styled=mode == "rich")
        corpus.assert_inert(r.err)
        if mode == "json":
            view = json.loads(r.out)["data"]
            assert m.text in [msg["text"] for msg in view["messages"]]  # JSON gives it back whole
        d = run("--db", db, "draft", key, *extra, tty=mode == "rich")
        assert d.code == 0, d.err
        corpus.assert_inert(d.out, styled=mode == "rich")
        corpus.assert_inert(d.err)
        if mode == "json":
            assert json.loads(d.out)["data"]["text"]


@pytest.mark.parametrize("file", sorted({c.file for c in CASES}))
def test_score(tmp_path: Path, file: str) -> None:
    cases = [c for c in CASES if c.file == file]
    src = tmp_path / "in.jsonl"
    corpus.write_all(src, cases)
    r = run("score", str(src))
    assert r.code == (6 if any(not c.ok for c in cases) else 0), r.err
    lines = r.out.splitlines()
    assert len(lines) == sum(c.ok for c in cases)
    corpus.assert_inert(r.out)
    corpus.assert_inert(r.err)
    for line, case in zip(lines, [c for c in cases if c.ok]):
        assert json.loads(line)["id"] == _expected(case).remote_id


def test_markup_is_shown_literally(imported, monkeypatch: pytest.MonkeyPatch) -> None:
    _, key = imported["rows"]["rich_markup"]
    _env(monkeypatch, imported, True)
    r = run("--db", str(imported["db"]), "show", key, tty=True)
    plain = corpus.SGR.sub("", r.out)
    assert "[bold red]URGENT[/bold red]" in plain and "[link=https://evil.example]click[/link]" in plain
    assert "\x1b]8;" not in r.out


def test_import_from_stdin_with_hostile_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = b"\n".join(c.line for c in CASES if c.file == "generated" and c.name != "big_body") + b"\n"
    r = run("import", "-", stdin=lines)
    assert r.code == 6
    corpus.assert_inert(r.err)
