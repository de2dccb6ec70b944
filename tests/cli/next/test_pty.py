"""`h2h next` on a real pseudo-terminal: keys pressed one at a time without Enter,
the screen read back (escape codes stripped), for every key, Ctrl-C and the empty queue.
The terminal-mode helpers are also tested on a pty in-process."""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from pathlib import Path

import pexpect
import pytest

from tests.conftest import NOW
from tests.cli.next.conftest import Home, add_message, seed

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("pseudo-terminals are POSIX", allow_module_level=True)

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r")
PROMPT = "› "


class Term:
    """`h2h next` on a 200-column pty; `wait` reads the screen until a text appears after the last one waited for."""

    def __init__(self, home: Path, *args: str, env: dict[str, str] | None = None):
        full = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        full.update({"H2H_HOME": str(home), "H2H_NOW": NOW, "NO_COLOR": "1", "TERM": "xterm-256color",
                     "COLUMNS": "200", "LINES": "60"})
        full.update(env or {})
        self.child = pexpect.spawn(sys.executable, ["-m", "h2h", "next", *args], env=full, encoding="utf-8",
                                   dimensions=(60, 200), timeout=20)
        self.raw = ""
        self.mark = 0

    @property
    def screen(self) -> str:
        return ANSI.sub("", self.raw)

    def _read(self) -> bool:
        try:
            self.raw += self.child.read_nonblocking(65536, timeout=0.1)
        except pexpect.TIMEOUT:
            pass
        except pexpect.EOF:
            return False
        return True

    def wait(self, text: str, timeout: float = 20) -> None:
        end = time.monotonic() + timeout
        while True:
            at = self.screen.find(text, self.mark)
            if at >= 0:
                self.mark = at + len(text)
                return
            if not self._read() and self.screen.find(text, self.mark) < 0:
                raise AssertionError(f"{text!r} never appeared; the screen ends with:\n{self.screen[-3000:]}")
            if time.monotonic() > end:
                raise AssertionError(f"{text!r} did not appear in {timeout}s; the screen ends with:\n"
                                     f"{self.screen[-3000:]}")

    def press(self, key: str) -> None:
        """Wait for the key prompt (so the card is drawn and old keys discarded), then press."""
        self.wait(PROMPT)
        self.child.send(key)

    def end(self) -> int:
        while self._read():
            pass
        self.child.close()
        return int(self.child.exitstatus if self.child.exitstatus is not None else 128 + self.child.signalstatus)


@pytest.fixture
def term_home(home: Path) -> Home:
    return seed(home)


def test_d_done_without_enter_then_the_next_one(term_home: Home) -> None:
    t = Term(term_home.path)
    t.wait("Bob Stone (@bob@example.social) on mastodon")
    t.wait("Why it comes first")
    t.press("d")
    t.wait(f"{term_home.bob}: open -> done")
    t.wait("Marie Dubois (@marie@piaille.fr) on mastodon")
    t.press("q")
    t.wait("0 answered, 1 done, 0 snoozed, 0 skipped.")
    assert t.end() == 0
    assert term_home.state(term_home.bob) == "done" and term_home.state(term_home.marie) == "open"


def test_y_sends(term_home: Home) -> None:
    t = Term(term_home.path)
    t.press("y")
    t.wait("Sent memory://masto/")
    t.wait(f"{term_home.bob} answered after 2h 28m.")
    t.press("q")
    t.wait("1 answered, 0 done, 0 snoozed, 0 skipped; median wait of those answered: 2h 28m.")
    assert t.end() == 0 and term_home.replies(term_home.bob) == ["sent"]


def test_e_edits_in_the_editor(term_home: Home, tmp_path: Path) -> None:
    script = tmp_path / "ed.py"
    script.write_text("import sys\np = sys.argv[-1]\nopen(p, 'w').write('@bob@example.social Fixed in 4.3.2.\\n— Alex')\n",
                      encoding="utf-8")
    t = Term(term_home.path, env={"EDITOR": f"{sys.executable} {script}", "VISUAL": ""})
    t.press("e")
    t.wait("@bob@example.social Fixed in 4.3.2.")
    t.wait("edited")
    t.press("y")
    t.wait("Sent memory://masto/")
    t.press("q")
    assert t.end() == 0
    store = term_home.store()
    assert [r.text for r in store.replies(term_home.bob)] == ["@bob@example.social Fixed in 4.3.2.\n— Alex"]
    store.close()


def test_v_another_wording(term_home: Home) -> None:
    t = Term(term_home.path)
    t.wait("-" * 40 + "\n")
    t.wait("-" * 40 + "\n")
    first = t.screen.split("-" * 40)[1]
    t.press("v")
    t.wait(f"  {term_home.bob} · first contact")
    t.wait("-" * 40 + "\n")
    t.wait("-" * 40 + "\n")
    second = t.screen.split("-" * 40)[3]
    t.press("q")
    assert t.end() == 0 and first.strip() and second.strip() and first != second


def test_t_a_saved_reply(term_home: Home) -> None:
    t = Term(term_home.path)
    t.press("t")
    t.wait("2. export: Hi {first_name}, everything is under Settings > Export.")
    t.wait("Saved reply (number or name; empty to keep the draft): ")
    t.child.sendline("2")
    t.wait("Hi Bob, everything is under Settings > Export. — Alex, Acme")
    t.wait("snippet")
    t.press("q")
    assert t.end() == 0


def test_s_snoozes_for_the_sla(term_home: Home) -> None:
    t = Term(term_home.path)
    t.press("s")
    t.wait("Snooze for how long? (30m, 2h, 1d) [4h]: ")
    t.child.sendline("")
    t.wait(f"{term_home.bob}: open -> snoozed until 2026-11-20T16:00:00Z")
    t.press("s")
    t.wait("[4h]: ")
    t.child.sendline("1d")
    t.wait(f"{term_home.marie}: open -> snoozed until 2026-11-21T12:00:00Z")
    t.press("q")
    t.wait("0 answered, 0 done, 2 snoozed, 0 skipped.")
    assert t.end() == 0


def test_i_asks_then_ignores(term_home: Home) -> None:
    t = Term(term_home.path)
    t.press("i")
    t.wait("Ignore for good? Their new messages will not bring it back (u undoes it). [y/N] ")
    t.child.send("n")
    t.wait("Not ignored.")
    assert term_home.state(term_home.bob) == "open"
    t.press("i")
    t.wait("[y/N] ")
    t.child.send("y")
    t.wait(f"{term_home.bob}: open -> ignored")
    t.press("q")
    assert t.end() == 0 and term_home.state(term_home.bob) == "ignored"


def test_u_undoes_the_last_decision_and_shows_it_again(term_home: Home) -> None:
    t = Term(term_home.path)
    t.press("d")
    t.wait(f"{term_home.bob}: open -> done")
    t.wait("Marie Dubois")
    t.press("u")
    t.wait(f"Undid done {term_home.bob}")
    t.wait("Bob Stone (@bob@example.social) on mastodon")
    assert term_home.state(term_home.bob) == "open"
    t.press("q")
    t.wait("0 answered, 0 done, 0 snoozed, 0 skipped.")
    assert t.end() == 0


def test_v_asks_before_replacing_an_edited_draft(term_home: Home, tmp_path: Path) -> None:
    script = tmp_path / "ed.py"
    script.write_text("import sys\nopen(sys.argv[-1], 'w').write('@bob@example.social My own words.')\n",
                      encoding="utf-8")
    t = Term(term_home.path, env={"EDITOR": f"{sys.executable} {script}", "VISUAL": ""})
    t.press("e")
    t.wait("My own words.")
    t.press("v")
    t.wait("Your edited draft will be replaced")
    t.wait("[y/N] ")
    t.child.send("n")
    t.wait("The edited draft is kept.")
    t.press("q")
    assert t.end() == 0
    store = term_home.store()
    assert store.latest_draft(term_home.bob).text == "@bob@example.social My own words."
    store.close()


def test_m_mutes_after_a_yes(term_home: Home) -> None:
    t = Term(term_home.path)
    t.press("m")
    t.wait("Mute @bob@example.social? Their conversations go to noise")
    t.wait("[y/N] ")
    t.child.send("n")
    t.wait("Not muted.")
    t.press("m")
    t.wait("[y/N] ")
    t.child.send("y")
    t.wait("Muted @bob@example.social; their conversations went to noise.")
    t.wait("Marie Dubois")
    t.press("q")
    t.wait("1 muted")
    assert t.end() == 0
    store = term_home.store()
    assert store.conversation(term_home.bob).section == "noise"
    store.close()


def test_o_opens_the_browser_named_by_BROWSER(term_home: Home, tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(f"#!{sys.executable}\nimport sys\nopen({str(opened)!r}, 'a').write(sys.argv[1] + '\\n')\n",
                       encoding="utf-8")
    browser.chmod(0o755)
    t = Term(term_home.path, env={"BROWSER": str(browser), "DISPLAY": "", "WAYLAND_DISPLAY": ""})
    t.press("o")
    t.wait("Opened https://mastodon.example/m2")
    t.press("q")
    assert t.end() == 0
    assert opened.read_text(encoding="utf-8") == "https://mastodon.example/m2\n"
    assert term_home.state(term_home.bob) == "open"


def test_n_skips_and_changes_nothing(term_home: Home) -> None:
    t = Term(term_home.path)
    t.press("n")
    t.wait("Marie Dubois")
    t.press("n")
    t.wait("carol on hackernews")
    t.press("n")
    t.wait("That was everyone; 3 skipped conversations still wait")
    t.wait("0 answered, 0 done, 0 snoozed, 3 skipped.")
    assert t.end() == 0
    assert {term_home.state(i) for i in term_home.order} == {"open"}


def test_question_mark_shows_the_keys(term_home: Home) -> None:
    t = Term(term_home.path)
    t.press("?")
    t.wait("Keys (or, from a pipe, one per line; the words work too):")
    t.wait("m  mute     mute this person (asks first)")
    t.press("x")
    t.wait("'x' is not a key here; press ? for the keys.")
    t.press("q")
    assert t.end() == 0


def test_q_quits_with_the_summary(term_home: Home) -> None:
    t = Term(term_home.path)
    t.press("\r q")   # Enter and space out of habit do nothing
    t.wait("0 answered, 0 done, 0 snoozed, 0 skipped.")
    assert t.end() == 0


def test_a_reply_posted_by_hand(term_home: Home) -> None:
    t = Term(term_home.path, "--source", "imported")
    t.press("y")
    t.wait("h2h cannot post this reply itself")
    t.wait("Post the text above at https://news.ycombinator.com/item?id=3")
    t.wait("Did you post it? [y/N] ")
    t.child.send("y")
    t.wait("Marked as posted by hand")
    t.wait("Everyone has an answer.")
    assert t.end() == 0 and term_home.replies(term_home.carol) == ["manual"]


def test_ctrl_c_at_a_key(term_home: Home) -> None:
    t = Term(term_home.path)
    t.press("d")
    t.wait("Marie Dubois")
    t.wait(PROMPT)
    t.child.sendintr()
    t.wait("0 answered, 1 done, 0 snoozed, 0 skipped.")
    t.wait("h2h: error: interrupted")
    assert t.end() == 130
    assert term_home.state(term_home.bob) == "done" and term_home.state(term_home.marie) == "open"


def test_ctrl_c_at_the_snooze_question(term_home: Home) -> None:
    t = Term(term_home.path)
    t.press("s")
    t.wait("[4h]: ")
    t.child.sendintr()
    t.wait("0 answered, 0 done, 0 snoozed, 0 skipped.")
    assert t.end() == 130
    store = term_home.store()
    assert store.conversation(term_home.bob).state == "open" and store.conversation(term_home.bob).snooze_until is None
    store.close()


def test_keys_typed_before_a_card_is_shown_do_not_act_on_it(term_home: Home) -> None:
    t = Term(term_home.path)
    t.press("dd")   # a double press: the second must not mark Marie done unseen
    t.wait(f"{term_home.bob}: open -> done")
    t.wait("Marie Dubois")
    t.press("q")
    assert t.end() == 0
    assert term_home.state(term_home.bob) == "done" and term_home.state(term_home.marie) == "open"


def test_the_empty_queue(home: Path) -> None:
    t = Term(home)
    t.wait("Everyone has an answer.")
    t.wait("0 answered, 0 done, 0 snoozed, 0 skipped.")
    assert t.end() == 0


def test_hostile_text_stays_inert_on_a_terminal(term_home: Home) -> None:
    add_message(term_home.path, "@acme \x1b]0;pwned\x07 \x1b[2J [bold]help[/bold] how do I export?",
                handle="@z@z.example", name="Zed \x1b[5mBlink", minutes=100)
    t = Term(term_home.path, "--source", "masto")
    t.press("n")
    t.press("n")
    t.wait("Zed Blink (@z@z.example) on mastodon")
    t.wait("[bold]help[/bold] how do I export?")
    t.press("q")
    assert t.end() == 0
    assert "\x1b]0;pwned" not in t.raw and "\x1b[2J" not in t.raw and "\x1b[5m" not in t.raw


# --- the terminal helpers, in-process on a pty ----------------------------------------------

@pytest.fixture
def pty_pair():  # type: ignore[no-untyped-def]
    import pty

    master, slave = pty.openpty()
    yield master, slave
    os.close(master)
    os.close(slave)


def test_read_key_restores_the_terminal(pty_pair: tuple[int, int]) -> None:
    import termios

    from h2h.cli.next import read_key

    master, slave = pty_pair
    before = termios.tcgetattr(slave)
    for sent, key in ((b"d", "d"), ("é".encode(), "é"), (b"\x1b[A", "esc"), (b"\x04", "q"), (b"?", "?")):
        # Typed once the key is awaited (in cbreak mode): typed earlier, the line discipline
        # would have taken Ctrl-D as end-of-file already.
        typist = threading.Timer(0.1, os.write, (master, sent))
        typist.start()
        assert read_key(slave) == key
        typist.join()
        assert termios.tcgetattr(slave) == before


def test_read_key_restores_the_terminal_on_ctrl_c(pty_pair: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    import termios

    from h2h.cli import next as next_cli

    master, slave = pty_pair
    before = termios.tcgetattr(slave)
    seen: list[list[object]] = []

    def interrupted(fd: int, n: int) -> bytes:
        seen.append(termios.tcgetattr(fd))
        raise KeyboardInterrupt

    monkeypatch.setattr(next_cli.os, "read", interrupted)
    with pytest.raises(KeyboardInterrupt):
        next_cli.read_key(slave)
    assert seen and seen[0][3] & termios.ICANON == 0 and seen[0][3] & termios.ECHO == 0  # it was in cbreak mode
    assert seen[0][3] & termios.ISIG                                                   # with Ctrl-C still on
    assert termios.tcgetattr(slave) == before


def test_discard_typeahead(pty_pair: tuple[int, int]) -> None:
    from h2h.cli.next import discard_typeahead, read_key

    master, slave = pty_pair
    os.write(master, b"yy")
    time.sleep(0.05)
    discard_typeahead(slave)
    os.write(master, b"n")
    assert read_key(slave) == "n"
