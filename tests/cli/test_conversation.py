"""One conversation: show, draft, and the state changes (done, snooze, ignore, reopen)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clirun import run
from tests.helpers import jsonl, record

MARIE = {"id": "42", "handle": "@marie@piaille.fr", "name": "Marie Dubois", "followers": 120}
CONFIG = '[me]\nname = "Alex"\nhandles = ["@acme@mastodon.social"]\n[triage]\nvip = ["@marie@piaille.fr"]\n'


@pytest.fixture
def conv(home: Path, capsys: pytest.CaptureFixture[str]) -> str:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(CONFIG)
    data = jsonl(
        record("100", "Bonjour, l'export ne marche plus", at="2026-11-13T09:00:00Z", author=MARIE),
        record("101", "@marie c'est corrigé !", at="2026-11-13T10:00:00Z",
               author={"id": "1", "handle": "@acme@mastodon.social"}, in_reply_to="100", from_me=True),
        record("1", "Comment j'exporte mes données en PDF ?", at="2026-11-20T10:00:00Z", author=MARIE),
    )
    assert run("import", "-", stdin=data).code == 0
    items = run("queue", "--jsonl").lines()
    assert len(items) == 1
    return items[0]["id"]


def _ids(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [i["id"] for i in run("queue", "--jsonl").lines()]


def test_show_prints_conversation_person_and_every_reason(conv: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run("show", conv)
    assert result.code == 0
    out = result.out
    assert "Marie Dubois (@marie@piaille.fr) on mastodon  [VIP]" in out
    assert "2 conversations with us so far" in out and "120 followers" in out
    assert "Comment j'exporte mes données en PDF ?" in out
    assert "VIP  [vip]" in out and "total" in out and "waiting 2h" in out
    doc = run("show", conv, "--json").json()["data"]
    assert doc["id"] == conv and doc["person"]["vip"] is True and doc["person"]["conversations"] == 2
    assert abs(doc["score"] - sum(r["points"] for r in doc["reasons"])) < 0.05
    codes = {r["code"] for r in doc["reasons"]}
    assert {"question", "vip", "returning", "waiting"} <= codes and "first_contact" not in codes
    assert len(doc["history"]) == 1 and doc["history"][0]["state"] == "answered"


def test_show_accepts_a_prefix_and_reports_unknown_ids(conv: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("show", conv[:5]).code == 0
    missing = run("show", "zzzzzzzz")
    assert missing.code == 1 and "no conversation 'zzzzzzzz'" in missing.err and "h2h queue --all" in missing.err
    assert run("show", "zzzzzzzz", "--json").json()["error"]["code"] == "not_found"


def test_done_then_a_new_message_reopens(conv: str, home: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    result = run("done", conv, "--json")
    assert result.json()["data"] == {"id": conv, "state": "done", "snooze_until": None, "previous_state": "open"}
    assert _ids(capsys) == []
    monkeypatch.setenv("H2H_NOW", "2026-11-20T13:00:00Z")
    more = jsonl(record("2", "Et aussi en Markdown ?", at="2026-11-20T12:30:00Z", author=MARIE, in_reply_to="1"))
    run("import", "-", stdin=more)
    assert _ids(capsys) == [conv]
    assert run("show", conv, "--json").json()["data"]["state"] == "open"


def test_a_message_fetched_after_done_reopens_whenever_it_was_written(conv: str,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Written before the decision, stored after it: the user never saw it when deciding."""
    run("done", conv)
    late = jsonl(record("0", "(sent before you marked it done)", at="2026-11-20T09:59:00Z", author=MARIE,
                        in_reply_to="1"))
    run("import", "-", stdin=late)
    assert _ids(capsys) == [conv]
    run("done", conv)
    run("import", "-", stdin=late)  # the same message again: nothing new
    assert _ids(capsys) == []


def test_snooze_hides_until_due(conv: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    result = run("snooze", conv, "2h", "--json")
    assert result.json()["data"]["snooze_until"] == "2026-11-20T14:00:00Z"
    assert _ids(capsys) == []
    assert run("queue", "--count").out.strip() == "0"
    monkeypatch.setenv("H2H_NOW", "2026-11-20T14:00:01Z")
    assert _ids(capsys) == [conv]
    assert run("queue", "--count").out.strip() == "1"


def test_snooze_needs_a_valid_duration(conv: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run("snooze", conv, "soon")
    assert result.code == 2 and "not a duration" in result.err


def test_ignore_stays_ignored_and_reopen_brings_back(conv: str, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    run("ignore", conv)
    monkeypatch.setenv("H2H_NOW", "2026-11-20T13:00:00Z")
    run("import", "-", stdin=jsonl(record("3", "allo ?", at="2026-11-20T12:30:00Z", author=MARIE,
                                                  in_reply_to="1")))
    assert _ids(capsys) == []
    result = run("reopen", conv)
    assert result.code == 0 and "ignored -> open" in result.err
    assert _ids(capsys) == [conv]
    actions = [a["action"] for a in run("show", conv, "--json").json()["data"]["actions"]]
    assert actions == ["ignore", "reopen"]


def test_state_changes_survive_a_rescore_after_a_config_change(conv: str, home: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    run("done", conv)
    (home / "config.toml").write_text(CONFIG + "[triage.weights]\nquestion = 20\n")
    assert _ids(capsys) == []
    run("reopen", conv)
    question = [r for r in run("queue", "--jsonl").lines()[0]["reasons"] if r["code"] == "question"]
    assert question and question[0]["points"] > 10


def test_draft_greets_by_name_in_their_language_and_is_signed(conv: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run("draft", conv)
    assert result.code == 0
    text = result.out
    assert text.startswith("@marie@piaille.fr "), "Mastodon replies carry the person's handle"
    assert "Marie" in text and "Alex" in text
    assert any(w in text for w in ("Bonjour", "Salut", "Hello")) and ("Merci" in text or "merci" in text
                                                                      or "question" in text.lower()
                                                                      or "Pour" in text or "En bref" in text)
    doc = run("draft", conv, "--json").json()["data"]
    assert doc["lang"] == "fr" and doc["backend"] == "template" and doc["limit"] == 500
    assert doc["length"] <= doc["limit"] and doc["conversation"] == conv


def test_draft_in_english_for_an_english_message(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('[me]\nname = "Alex"\n')
    run("import", "-", stdin=jsonl(record("1", "How do I export my notes?",
                                                  author={"id": "5", "handle": "sam", "name": "Sam Lee"},
                                                  source="gh", platform="github")))
    ident = run("queue", "--jsonl").lines()[0]["id"]
    text = run("draft", ident).out
    assert "Sam" in text and "— Alex" in text and "@sam" not in text, "GitHub needs no @mention"
    assert any(text.startswith(g) for g in ("Hi Sam", "Hello Sam", "Hey Sam"))
