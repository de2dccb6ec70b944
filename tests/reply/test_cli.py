"""`h2h draft` and `h2h reply` from the command line: JSON contracts, the
confirmation, --dry-run, --yes, --posted, --edit."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from h2h.store.sqlite import SQLiteStore
from tests.clirun import run
from tests.draft.world import CONFIG, World

WITH_SOURCE = CONFIG + '\n[sources.masto]\ntype = "memory"\n'


@pytest.fixture
def conv(home: Path) -> str:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(WITH_SOURCE, encoding="utf-8")
    store = SQLiteStore.open(home / "h2h.db")
    try:
        w = World(WITH_SOURCE, store=store)
        return w.say("@acme how do I export a single notebook as PDF?")
    finally:
        store.close()


def test_draft_json_keeps_the_draft_keys_and_adds(capsys: pytest.CaptureFixture[str], conv: str) -> None:
    code, out, _ = run("draft", conv, "--json")
    assert code == 0
    data = json.loads(out)["data"]
    for key in ("conversation", "text", "backend", "lang", "limit", "length", "lint", "intent"):
        assert key in data
    assert data["backend"] == "template" and data["lang"] == "en" and data["limit"] == 500
    assert data["length"] == len(data["text"]) - len("@piaille.fr")   # Mastodon counts a remote mention as @user
    assert isinstance(data["lint"], list) and data["id"] and data["topic"] == "exporting a single notebook as PDF"


def test_draft_prints_the_text_on_stdout_and_the_rest_on_stderr(capsys: pytest.CaptureFixture[str], conv: str) -> None:
    code, out, err = run("draft", conv)
    assert code == 0 and out.startswith("@marie@piaille.fr ") and out.rstrip().endswith("— Alex, Acme")
    assert "/500 characters" in err and "template" in err


def test_lint_findings_are_shown_with_each_code(capsys: pytest.CaptureFixture[str], conv: str, home: Path) -> None:
    from h2h.draft import compose

    store = SQLiteStore.open(home / "h2h.db")
    w = World(WITH_SOURCE, store=store)
    compose.save_text(store, w.config, w.engine, conv, "@marie@piaille.fr Dear valued customer, per our policy, no.")
    store.close()
    code, out, err = run("reply", conv, "--dry-run")
    assert code == 0
    assert "valued_customer" in err and "policy" in err and "no_name" in err
    assert "Dear valued customer" in out and "To Marie Dubois (@marie@piaille.fr) on mastodon" in out


def test_draft_snippet(capsys: pytest.CaptureFixture[str], conv: str) -> None:
    code, out, _ = run("draft", conv, "--snippet", "export")
    assert code == 0 and "Settings > Export" in out
    code, out, err = run("--json", "draft", conv, "--snippet", "broken")
    assert code == 3 and json.loads(out)["error"]["code"] == "snippet_syntax"  # the config's mistake


def test_draft_edit_through_a_fake_editor(capsys: pytest.CaptureFixture[str], conv: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "ed.py"
    script.write_text("import sys\np = sys.argv[-1]\nt = open(p).read()\n"
                      "open(p, 'w').write(t.replace('—', 'Cheers,\\n—'))\n", encoding="utf-8")
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
    code, out, _ = run("draft", conv, "--edit", "--json")
    data = json.loads(out)["data"]
    assert code == 0 and data["changed"] is True and data["edited"] is True and data["backend"] == "edited"
    assert "Cheers,\n— Alex, Acme" in data["text"]


def test_reply_needs_confirmation_when_not_on_a_terminal(capsys: pytest.CaptureFixture[str], conv: str) -> None:
    code, _, err = run("reply", conv)
    assert code == 2 and "--yes" in err


def test_reply_dry_run_json(capsys: pytest.CaptureFixture[str], conv: str) -> None:
    code, out, _ = run("reply", conv, "--dry-run", "--json")
    data = json.loads(out)["data"]
    assert code == 0 and data["status"] == "dry_run" and data["target"]["handle"] == "@marie@piaille.fr"
    assert data["key"].startswith("h2h-") and data["text"].startswith("@marie@piaille.fr")


def test_reply_yes_sends_once(capsys: pytest.CaptureFixture[str], conv: str, home: Path) -> None:
    code, out, err = run("reply", conv, "--yes")
    assert code == 0 and "sent memory://masto/" in out and "Answered after" in err
    code, out, _ = run("--json", "reply", conv, "--yes")
    data: dict[str, Any] = json.loads(out)["data"]
    assert code == 0 and data["status"] == "already_sent"
    code, out, _ = run("queue", "--json")
    assert conv not in {item["id"] for item in json.loads(out)["data"]["items"]}
    store = SQLiteStore.open(home / "h2h.db")
    assert [r.status for r in store.replies(conv)] == ["sent"]
    store.close()


def test_reply_posted_by_hand(capsys: pytest.CaptureFixture[str], conv: str) -> None:
    code, out, _ = run("--json", "reply", conv, "--posted", "--yes")
    data = json.loads(out)["data"]
    assert code == 0 and data["status"] == "manual" and data["response_s"] is not None


def test_reply_refuses_a_placeholder(capsys: pytest.CaptureFixture[str], conv: str, home: Path) -> None:
    from h2h.draft import compose

    store = SQLiteStore.open(home / "h2h.db")
    w = World(WITH_SOURCE, store=store)
    compose.save_text(store, w.config, w.engine, conv, "@marie@piaille.fr Hi {first_name}, thanks")
    store.close()
    code, out, err = run("--json", "reply", conv, "--yes")
    assert code == 1 and json.loads(out)["error"]["code"] == "unresolved_placeholder"
