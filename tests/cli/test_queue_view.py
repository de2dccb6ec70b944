"""What the queue shows and what it says it hides: every section with conversations and its
count, the limit applied after the ranking to whole people, a footer naming what is not shown
with the exact command that shows it, and what was put away (`--state`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clirun import run


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "demo"
    assert run("demo", "--into", str(folder), "--jsonl").code == 0
    monkeypatch.setenv("H2H_HOME", str(folder))
    return folder


def test_the_default_view_hides_nothing_silently(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    counts = run("queue", "--json").json()["data"]["counts"]
    assert counts["reply"] > 30 and counts["thanks"] and counts["careful"] and counts["noise"]
    out = run().out
    for title, section in (("Reply to these humans first", "reply"), ("Say thanks", "thanks"),
                           ("Careful: hostile", "careful")):
        assert f"{title}" in out and f"({counts[section]}) ==" in out, section
    assert out.index("Reply to these") < out.index("Say thanks") < out.index("Careful:"), "reply first"
    more = counts["reply"] - 30
    items = run("queue", "--jsonl").lines()
    shown = [i for i in items if i["section"] == "reply"]
    assert len(shown) >= 30 and len([i for i in items if i["section"] == "careful"]) == counts["careful"]
    assert f"… {counts['reply'] - len(shown)} more in reply: h2h queue --section reply --limit 0" in out
    assert (f"Not shown: {counts['reply'] - len(shown)} more in reply (`h2h queue --section reply --limit 0`); "
            f"{counts['noise']} in noise (`h2h queue --section noise`).") in out
    assert more >= counts["reply"] - len(shown)
    # The commands the footer gives show what it says.
    assert len(run("queue", "--section", "reply", "--limit", "0", "--jsonl").lines()) == counts["reply"]
    assert len(run("queue", "--section", "noise", "--jsonl").lines()) == counts["noise"]
    # Filters are carried into the commands.
    filtered = run("queue", "--source", "masto", "--limit", "3").out
    assert "`h2h queue --section reply --source masto --limit 0`" in filtered


def _by_section(items: list[dict]) -> dict[str, list[tuple[int, str, str]]]:
    out: dict[str, list[tuple[int, str, str]]] = {}
    for i in items:
        out.setdefault(i["section"], []).append((i["rank"], i["id"], i["person"]["key"]))
    return out


def test_the_limit_cuts_after_the_ranking_and_never_a_persons_follow_ups(demo: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    full = _by_section(run("queue", "--jsonl", "--limit", "0").lines())
    people = [key for _, _, key in full["reply"]]
    assert len(people) > len(set(people)), "the demo has a person with two conversations in reply"
    for n in range(1, len(full["reply"]) + 1):
        cut = _by_section(run("queue", "--jsonl", "--limit", str(n)).lines())
        for section, rows in cut.items():
            assert rows == full[section][:len(rows)], (n, section, "the same ranks, in the same order")
            assert len(rows) >= min(n, len(full[section]))
            shown = {key for _, _, key in rows}
            assert all(key not in shown for _, _, key in full[section][len(rows):]), (n, section,
                                                                                     "a follow-up was dropped")


def test_what_was_put_away_is_listed(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second, third = [i["id"] for i in run("queue", "--jsonl", "--limit", "3").lines()[:3]]
    run("snooze", first, "2h")
    run("done", second)
    run("ignore", third)
    snoozed = run("queue", "--state", "snoozed", "--jsonl").lines()
    assert [i["id"] for i in snoozed] == [first] and snoozed[0]["snooze_until"] == "2026-11-20T14:00:00Z"
    assert [i["id"] for i in run("queue", "--state", "done", "--jsonl").lines()] == [second]
    ignored = run("queue", "--state", "ignored")
    assert third in ignored.out and "Ignored for good (1)" in ignored.out and "ignored since 2026-11-20T12:00:00Z" in ignored.out
    answered = run("queue", "--state", "answered", "--json").json()["data"]
    assert answered["items"] and answered["counts"]["answered"] == len(answered["items"])
    assert run("queue", "--state", "done", "--count").out == "1\n"
    typo = run("queue", "--state", "snozed")
    assert typo.code == 2 and "did you mean 'snoozed'?" in typo.err
    assert first not in {i["id"] for i in run("queue", "--jsonl", "--limit", "0").lines()}
