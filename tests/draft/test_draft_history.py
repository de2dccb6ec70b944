"""`h2h draft ID` never loses a draft: it shows the current one instead of writing another,
`--new`/`--another` ask before replacing a draft edited by hand, and `--history`/`--restore`
bring any draft back."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.clirun import run
from tests.helpers import jsonl, record


@pytest.fixture
def ident(home: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert run("import", "-", stdin=jsonl(record("1", "How do I export my notes as PDF?"))).code == 0
    return run("queue", "--jsonl").lines()[0]["id"]


def _editor(tmp_path: Path, text: str) -> str:
    script = tmp_path / "ed.py"
    script.write_text(f"import sys\nopen(sys.argv[-1], 'w').write({text!r})\n", encoding="utf-8")
    return f"{sys.executable} {script}"


def test_draft_shows_the_current_draft(ident: str, capsys: pytest.CaptureFixture[str]) -> None:
    first = run("draft", ident, "--json").json()["data"]
    again = run("draft", ident, "--json").json()["data"]
    assert again["id"] == first["id"] and again["text"] == first["text"], "shown, not rewritten"
    new = run("draft", ident, "--new", "--json").json()["data"]
    assert new["id"] != first["id"]


def test_an_edit_is_never_replaced_without_asking(ident: str, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    mine = "@marie@piaille.fr Hi Marie, Settings > Export > PDF. — Alex"
    monkeypatch.setenv("EDITOR", _editor(tmp_path, mine))
    edited = run("draft", ident, "--edit", "--json").json()["data"]
    assert edited["text"] == mine and edited["edited"]
    for flags in (["--another"], ["--new"]):
        refused = run("draft", ident, *flags)
        assert refused.code == 1 and "the draft you edited was kept" in refused.err and "--yes" in refused.err
        assert run("draft", ident, "--json").json()["data"]["text"] == mine
    replaced = run("draft", ident, "--another", "--yes", "--json").json()["data"]
    assert replaced["text"] != mine
    listing = run("draft", ident, "--history", "--json").json()["data"]
    assert listing["current"] == replaced["id"]
    assert [d["edited"] for d in listing["drafts"]] == [False, True, False]
    assert "edited by hand" in run("draft", ident, "--history").out
    back = run("draft", ident, "--restore", str(edited["id"]), "--json").json()["data"]
    assert back["text"] == mine and back["edited"] and back["id"] > replaced["id"]
    assert run("draft", ident, "--json").json()["data"]["text"] == mine
    missing = run("draft", ident, "--restore", "999")
    assert missing.code == 1 and "--history" in missing.err
