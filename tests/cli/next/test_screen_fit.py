"""`h2h next` on an 80x24 terminal: when the key is read, the person, their latest message
and the draft are on the screen, however long the thread (it folds; `o` and `h2h show` have
the rest)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from h2h.store.sqlite import SQLiteStore
from tests.draft.world import World
from tests.cli.next.conftest import WITH_SOURCE

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("pseudo-terminals are POSIX", allow_module_level=True)

from tests.screen import Terminal  # noqa: E402

LONG = "\n".join(f"line {i}: the export keeps failing on the second notebook, here is what I tried" for i in range(20))


def _long_thread(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(WITH_SOURCE, encoding="utf-8")
    store = SQLiteStore.open(home / "h2h.db")
    try:
        w = World(WITH_SOURCE, store=store)
        previous = None
        for i in range(6):
            theirs = i % 2 == 0
            w.say(f"message {i}: " + LONG if theirs else f"@zoe@example.social our answer {i}, try again please",
                  handle="@zoe@example.social" if theirs else "@acme@mastodon.social",
                  name="Zoé Lambert" if theirs else "Acme", from_me=not theirs, minutes=10 * i,
                  in_reply_to=previous)
            previous = f"m{i + 1}"
        w.say("FINAL: still broken after the update, how do I get my notebooks back?", handle="@zoe@example.social",
              name="Zoé Lambert", minutes=70, in_reply_to=previous)
    finally:
        store.close()


@pytest.mark.parametrize("rows, cols", [(24, 80), (30, 100), (18, 80)])
def test_the_person_their_latest_message_and_the_draft_are_on_screen(hermetic: Path, rows: int, cols: int) -> None:
    _long_thread(hermetic)
    t = Terminal(hermetic, "next", rows=rows, cols=cols)
    t.wait("› ")
    t.settle()
    screen = "\n".join(t.visible())
    assert "Zoé Lambert (@zoe@example.social) on mastodon" in screen, screen
    assert "FINAL: still broken after the update" in screen, screen
    assert "To Zoé Lambert (@zoe@example.social) on mastodon" in screen, screen
    assert "@zoe@example.social" in screen.split("-" * 40)[1], "the draft's text, between its rules"
    assert "characters" in screen, "the draft's length line"
    assert "earlier message" in screen and "h2h show" in screen, "the fold says where the rest is"
    assert [line for line in t.visible() if line][-1].startswith("›"), "the prompt below everything"
    assert len(t.visible()) <= rows
    t.send("q")
    assert t.end() == 0
