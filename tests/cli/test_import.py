"""`h2h import`: idempotent, line-numbered errors, nothing good lost."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from h2h.sources.jsonl import parse_record
from h2h.errors import InputError
from tests.clirun import run
from tests.helpers import jsonl, record


def _dump(db: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
                for t in ("persons", "mentions", "conversations")}
    finally:
        conn.close()


def test_importing_twice_is_the_same_as_once(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "in.jsonl"
    data.write_text(jsonl(record("1", "How do I export?"), record("2", "And to PDF?", at="2026-11-20T10:05:00Z"),
                          record("3", "merci !", author={"id": "8", "handle": "@paul@x.fr"})))
    first = run("import", str(data), "--json")
    assert first.code == 0
    assert first.json()["data"] | {"bad": []} == {"read": 3, "new": 3, "updated": 0, "unchanged": 0,
                                                   "conversations": 2, "bad": []}
    before = _dump(home / "h2h.db")
    second = run("import", str(data), "--json")
    assert second.json()["data"]["unchanged"] == 3 and second.json()["data"]["new"] == 0
    assert _dump(home / "h2h.db") == before


def test_an_edited_message_is_updated_not_duplicated(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run("import", "-", stdin=jsonl(record("1", "How do I export?")))
    result = run("import", "-", "--json", stdin=jsonl(record("1", "How do I export to PDF?")))
    assert result.json()["data"]["updated"] == 1
    items = run("queue", "--jsonl").lines()
    assert len(items) == 1 and items[0]["text"] == "How do I export to PDF?"


def test_bad_lines_are_reported_with_their_number_and_the_rest_is_kept(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = (jsonl(record("1", "first?")) + "not json\n" + json.dumps({"id": "2"}) + "\n"
            + jsonl(record("3", "third?", author={"id": "9", "handle": "z"})) + '{"id": "4", "text": 5, "created_at": "yesterday", "author": "x"}\n')
    result = run("import", "-", stdin=data)
    assert result.code == 6, "some lines failed: partial"
    assert "line 2: not JSON" in result.err
    assert "line 3: missing required keys: text, created_at, author" in result.err
    assert "line 5: `created_at`" in result.err
    assert len(run("queue", "--jsonl").lines()) == 2


def test_comment_lines_are_skipped_and_one_bad_line_is_singular(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = (json.dumps({"_comment": "exported from the support inbox", "_by": "ops"}) + "\n"
            + jsonl(record("1", "first?")) + json.dumps({"_comment": "x", "id": "2"}) + "\n")
    result = run("import", "-", stdin=data)
    assert result.code == 6  # an object with a key of its own is a message, here a bad one
    assert "line 1" not in result.err and "line 3: missing required keys" in result.err
    assert "1 new" in result.err and "1 bad line skipped" in result.err
    assert len(run("queue", "--jsonl").lines()) == 1


def test_the_bundled_demo_file_imports_cleanly(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from h2h.paths import DATA

    result = run("import", str(DATA / "demo.jsonl"), "--json")
    assert result.code == 0, result.err
    assert "bad" not in result.err


def test_only_bad_lines_is_an_error(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run("import", "-", "--json", stdin="nope\n")
    assert result.code == 1
    assert json.loads(result.out.splitlines()[-1])["error"]["code"] == "input"


def test_a_missing_file_says_so(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run("import", str(home / "absent.jsonl"))
    assert result.code == 1 and "cannot read" in result.err and "hint:" in result.err


def test_unknown_keys_are_kept_in_raw(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run("import", "-", stdin=jsonl(record("1", "hello?", labels={"got_reply": True})))
    conn = sqlite3.connect(home / "h2h.db")
    raw = json.loads(conn.execute("SELECT raw FROM mentions").fetchone()[0])
    assert raw["labels"] == {"got_reply": True}


@pytest.mark.parametrize("value, expected", [
    ({"author": "octocat"}, ("octocat", "octocat")),
    ({"author": 42}, ("42", "42")),
    ({"author": {"id": 7, "followers": "120"}}, ("7", "7")),
])
def test_author_forms(value: dict, expected: tuple[str, str]) -> None:
    m = parse_record({"id": 1, "text": "x", "created_at": "2026-11-20T10:00:00+02:00", **value})
    assert (m.author.remote_id, m.author.handle) == expected
    assert m.remote_id == "1" and m.source == "import" and m.platform == "import"
    assert m.created_at.isoformat() == "2026-11-20T08:00:00+00:00"
    assert m.to_me is True and m.from_me is False


@pytest.mark.parametrize("obj, message", [
    ([], "a line must be a JSON object"),
    ({"id": "1", "text": "x", "created_at": "2026-13-40", "author": "a"}, "created_at"),
    ({"id": "", "text": "x", "created_at": "2026-11-20", "author": "a"}, "`id`"),
    ({"id": "1", "text": None, "created_at": "2026-11-20", "author": "a"}, "`text`"),
    ({"id": "1", "text": "x", "created_at": "2026-11-20", "author": {"name": "no id"}}, "author"),
    ({"id": "1", "text": "x", "created_at": "2026-11-20", "author": "a", "to_me": "maybe"}, "to_me"),
])
def test_invalid_records_name_the_problem(obj: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_record(obj)


def test_epoch_times_and_lone_surrogates() -> None:
    m = parse_record({"id": "1", "text": "bad \ud800 char", "created_at": 1763632800, "author": "a"})
    assert m.text == "bad \ufffd char"
    assert m.created_at.isoformat() == "2025-11-20T10:00:00+00:00"


def test_a_lone_surrogate_anywhere_in_raw_is_stored(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = '{"id": "1", "text": "x?", "created_at": "2026-11-20T10:00:00Z", "author": "a", "extra": "\\ud800"}\n'
    assert run("import", "-", stdin=line).code == 0
    raw = json.loads(sqlite3.connect(home / "h2h.db").execute("SELECT raw FROM mentions").fetchone()[0])
    assert raw["extra"] == "\ud800", "kept as sent (stored escaped, read back the same)"
