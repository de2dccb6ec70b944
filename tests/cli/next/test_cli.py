"""`h2h next` driven through standard input, one command per line, as a script would:
`printf 'd\\nn\\nq\\n' | h2h next`."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from h2h.cli import logs
from tests.clirun import Result, run
from tests.helpers import jsonl, record
from tests.cli.next.conftest import WITH_SOURCE, Home, add_message, seed


def next_(capsys: pytest.CaptureFixture[str], keys: str, *args: str) -> Result:
    try:
        return run(*_split(args), stdin=keys)
    finally:
        logs.close()


def _split(args: tuple[str, ...]) -> list[str]:
    """Global options go before the command, the command's own after it."""
    before = [a for a in args if a in ("--json", "--quiet")]
    return [*before, "next", *[a for a in args if a not in before]]


def test_the_scripted_example(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "d\nn\nq\n")
    assert r.code == 0, r.err
    first, second, third = world.order
    assert r.out.count("── reply ·") == 3 and r.out.index(first) < r.out.index(second) < r.out.index(third)
    assert f"{first}: open -> done" in r.err
    assert r.err.rstrip().splitlines()[-1] == "0 answered, 1 done, 0 snoozed, 1 skipped."
    assert world.state(first) == "done" and world.state(second) == "open" and world.state(third) == "open"


def test_the_card(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "q\n")
    card = r.out
    assert world.order[0] == world.bob
    assert "Bob Stone (@bob@example.social) on mastodon" in card
    assert f"{world.bob} · first contact · first seen 2026-11-20T09:32:00Z · waiting 2h 28m" in card
    assert "@acme the sync is broken since the update and I lost notes, can you help?" in card
    assert "2026-11-20T09:32:00Z (2h 28m ago)  @bob@example.social (them)" in card
    assert "Why it comes first (score" in card and "reports a problem" in card
    assert "To Bob Stone (@bob@example.social) on mastodon, source masto" in card
    assert "\n@bob@example.social " in card and "— Alex, Acme" in card    # the draft, with its mention
    assert "/500 characters · from: template" in card
    assert "y send · e edit · v another · f other source · t saved reply" in card and "? help · q quit" in card
    assert "── reply · 3 waiting" in card


def test_a_returning_vip_and_lint_findings(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    from h2h.draft import compose
    from tests.draft.world import World

    config = WITH_SOURCE.replace("[draft.snippets]",
                                 '[triage]\nvip = ["@marie@piaille.fr"]\ngroup_window = "1h"\n\n[draft.snippets]')
    world = seed(home, config)
    add_message(home, "@acme me again: does the export keep tags?", config, minutes=100)
    store = world.store()
    w = World(config, store=store)
    compose.save_text(store, w.config, w.engine, world.marie, "Dear valued customer, per our policy, no.")
    store.close()
    r = next_(capsys, "n\nn\nn\nq\n", "--source", "masto")
    assert "Marie Dubois (@marie@piaille.fr) on mastodon  [VIP]" in r.out
    assert "2 conversations with us so far" in r.out
    assert "! valued_customer:" in r.out


def test_y_sends_and_the_summary_has_the_median_wait(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "y\ny\nq\n")
    assert r.code == 0, r.err
    assert world.replies(world.bob) == ["sent"] and world.replies(world.marie) == ["sent"]
    assert r.err.count("Sent memory://masto/") == 2
    assert r.err.rstrip().endswith("2 answered, 0 done, 0 snoozed, 0 skipped; median wait of those answered: 2h 43m.")


def test_a_source_that_cannot_post(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "n\nn\ny\ny\n")
    assert world.order[2] == world.carol
    assert "h2h cannot post this reply itself" in r.err and "https://news.ycombinator.com/item?id=3" in r.err
    assert world.replies(world.carol) == ["manual"] and world.state(world.carol) == "answered"
    assert "Marked as posted by hand" in r.err
    r = next_(capsys, "y\nno\n", "--source", "imported")
    assert "Everyone has an answer." in r.out      # carol was answered above


def test_not_posted_by_hand(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "y\nn\n", "--source", "imported")
    assert world.state(world.carol) == "open" and f"h2h reply {world.carol} --posted" in r.err


def test_e_edits_in_the_editor(capsys: pytest.CaptureFixture[str], world: Home, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "ed.py"
    script.write_text("import sys\np = sys.argv[-1]\nopen(p, 'w').write('@bob@example.social Fixed in 4.3.2, Bob.\\n— Alex')\n",
                      encoding="utf-8")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    r = next_(capsys, "e\ny\nq\n")
    assert r.code == 0 and r.out.count(f"{world.bob} ·") == 2 and "Fixed in 4.3.2, Bob." in r.out
    store = world.store()
    assert [x.text for x in store.replies(world.bob)] == ["@bob@example.social Fixed in 4.3.2, Bob.\n— Alex"]
    store.close()


def test_v_another_wording(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "v\nq\n")
    drafts = [block.split("-" * 40)[1] for block in r.out.split("── reply ·")[1:]]
    assert len(drafts) == 2 and drafts[0] != drafts[1]


def test_t_a_saved_reply(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "t\nexport\ny\nq\n")
    assert "  2. export: Hi {first_name}, everything is under Settings > Export. {signature}" in r.err
    assert "Hi Bob, everything is under Settings > Export. — Alex, Acme" in r.out
    store = world.store()
    assert "Settings > Export" in store.replies(world.bob)[0].text
    store.close()


def test_s_snoozes_for_the_sla_or_as_asked(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "s\n\ns\n30m\nq\n")
    assert f"{world.order[0]}: open -> snoozed until 2026-11-20T16:00:00Z" in r.err
    assert f"{world.order[1]}: open -> snoozed until 2026-11-20T12:30:00Z" in r.err
    assert "0 answered, 0 done, 2 snoozed, 0 skipped." in r.err


def test_i_ignores(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "i\nq\n")
    assert world.state(world.order[0]) == "ignored" and "1 ignored" in r.err


def test_m_mutes_after_asking(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "m\nn\nm\ny\nq\n")
    assert "Not muted." in r.err and "Muted @bob@example.social" in r.err and "1 muted" in r.err
    r = run("person", "@bob@example.social", "--json")
    assert json.loads(r.out)["data"]["muted"] is True


def test_o_opens_the_browser(capsys: pytest.CaptureFixture[str], world: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    r = next_(capsys, "o\nq\n")
    assert opened == ["https://mastodon.example/m2"] and "Opened https://mastodon.example/m2" in r.err
    assert world.state(world.bob) == "open"


def test_help_and_unknown_keys(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "?\nwhat\nq\n")
    assert "Keys (or, from a pipe, one per line" in r.out and "m  mute" in r.out
    assert "'what' is not a key here; press ? for the keys." in r.err


def test_the_end_of_input_quits(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "d\n")
    assert r.code == 0 and r.err.rstrip().endswith("0 answered, 1 done, 0 snoozed, 0 skipped.")


def test_an_empty_queue(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    r = next_(capsys, "")
    assert r.code == 0 and r.out.strip() == "Everyone has an answer."


def test_everyone_answered_in_one_session(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "d\nd\nd\n")
    assert r.out.rstrip().endswith("Everyone has an answer.") and "3 done" in r.err


def test_jsonl_prints_one_line_per_action(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "y\nn\ns\n2h\n", "--jsonl")
    lines = r.lines()
    assert [(x["action"], x["id"]) for x in lines] == [("reply", world.order[0]), ("skip", world.order[1]),
                                                      ("snooze", world.order[2])]
    assert lines[0]["status"] == "sent" and lines[0]["response_s"] > 0 and lines[2]["until"] == "2026-11-20T14:00:00Z"
    assert "── reply ·" in r.err and "── reply ·" not in r.out


def test_json_is_refused_with_a_pointer_to_jsonl(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "q\n", "--json")
    assert r.code == 2 and json.loads(r.out)["error"]["code"] == "usage" and "--jsonl" in r.err


def test_a_bad_section(capsys: pytest.CaptureFixture[str], world: Home) -> None:
    r = next_(capsys, "q\n", "--section", "nope")
    assert r.code == 2 and "unknown section 'nope'" in r.err


class _Interrupting(io.StringIO):
    """Standard input on which the person presses Ctrl-C after the given lines."""

    def readline(self, *args: Any) -> str:
        line = super().readline(*args)
        if not line:
            raise KeyboardInterrupt
        return line

    def isatty(self) -> bool:
        return False


def test_ctrl_c_exits_130_with_the_summary(capsys: pytest.CaptureFixture[str], world: Home,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from h2h.cli.main import main

    for keys in ("d\n", "d\ns\n"):   # Ctrl-C at a key, and at the snooze question
        capsys.readouterr()
        monkeypatch.setattr(sys, "stdin", _Interrupting(keys))
        with pytest.raises(SystemExit) as done:
            main(["next"])
        logs.close()
        err = capsys.readouterr().err
        assert done.value.code == 130
        summary = err.index("0 answered, 1 done, 0 snoozed, 0 skipped.")
        assert summary < err.index("h2h: error: interrupted")
        if keys == "d\n":
            assert world.state(world.order[0]) == "done" and world.state(world.order[1]) == "open"
        else:
            assert world.state(world.order[1]) == "done" and world.state(world.order[2]) == "open"
    store = world.store()
    assert store.conversation(world.order[2]).snooze_until is None
    store.close()


def test_nothing_from_a_post_reaches_the_screen_raw(capsys: pytest.CaptureFixture[str], home: Path,
                                                    tmp_path: Path) -> None:
    hostile = ("@acme \x1b]0;pwned\x07 help \x1b[2J please [bold red]markup[/] \u202eevil\u202c "
               "\x9b31m how do I export?")
    author = {"id": "9", "handle": "@x\x1b[31m@evil.example", "name": "Eve \x1b[5mBlink"}
    src = tmp_path / "in.jsonl"
    src.write_text(jsonl(record("1", hostile, author=author, url="https://evil.example/\x1b[2J")), encoding="utf-8")
    assert run("import", str(src)).code == 0
    r = next_(capsys, "?\nq\n")
    for raw in ("\x1b", "\x9b", "\u202e", "\x07"):
        assert raw not in r.out and raw not in r.err, repr(raw)
    assert "[bold red]markup[/]" in r.out and "Eve Blink" in r.out


def test_rich_on_a_terminal_keeps_post_text_inert(capsys: pytest.CaptureFixture[str], world: Home,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The terminal path draws with rich Text objects: markup in a post is text, not style."""
    from rich.console import Console

    from h2h.cli import next as next_cli
    from h2h.cli import render

    out = io.StringIO()
    monkeypatch.setattr(render, "console", lambda stderr=False: Console(
        file=out, force_terminal=True, width=100, markup=False, highlight=False, emoji=False))
    monkeypatch.setattr(next_cli.render, "is_tty", lambda stream=None: stream is not sys.stdin)
    add_message(world.path, "@acme [bold]hi[/bold] \x1b[2J is there an API?", handle="@z@z.example", name="Zed",
                minutes=100)
    r = next_(capsys, "n\nn\nn\nq\n")
    screen = out.getvalue()
    assert r.code == 0 and "[bold]hi[/bold]" in screen and "\x1b[2J" not in screen


def test_a_real_pipe(world: Home) -> None:
    """The README's example, as a shell runs it: a separate process reading a pipe."""
    import os
    import subprocess

    from tests.conftest import NOW

    env = {**os.environ, "H2H_HOME": str(world.path), "H2H_NOW": NOW}
    done = subprocess.run([sys.executable, "-m", "h2h", "next"], input="d\nn\nq\n", capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("── reply ·") == 3 and "\x1b" not in done.stdout
    assert done.stderr.rstrip().endswith("0 answered, 1 done, 0 snoozed, 1 skipped.")
    assert world.state(world.order[0]) == "done"
