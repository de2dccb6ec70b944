"""The loop of `h2h next` without a terminal: a scripted UI presses the keys, the
database says what happened."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from h2h import clock
from h2h.app import inbox, session
from h2h.app.session import Session, Tally, command, safe_url
from h2h.errors import H2HError
from h2h.reply import send
from h2h.sources.memory import MemorySource
from tests.draft.world import World
from tests.cli.next.conftest import WITH_SOURCE


class Script:
    """A UI that presses the given keys and gives the given answers, and remembers what it was shown."""

    def __init__(self, keys: str | list[str], answers: list[str | None] = (), confirms: list[bool] = ()):  # type: ignore[assignment]
        self.keys = list(keys)
        self.answers = list(answers)
        self.confirms = list(confirms)
        self.shown: list[session.Card] = []
        self.said: list[str] = []
        self.problems: list[H2HError] = []
        self.events: list[dict[str, Any]] = []
        self.manuals: list[tuple[str, str]] = []
        self.helped = 0
        self.finished: str | None = None
        self.questions: list[tuple[str, str]] = []

    def show(self, card: session.Card) -> None:
        self.shown.append(card)

    def key(self) -> str:
        return self.keys.pop(0) if self.keys else "q"

    def ask(self, question: str, default: str) -> str | None:
        self.questions.append((question, default))
        answer = self.answers.pop(0)
        return default if answer == "" else answer

    def confirm(self, question: str) -> bool:
        self.questions.append((question, ""))
        return self.confirms.pop(0)

    def say(self, message: str) -> None:
        self.said.append(message)

    def problem(self, exc: H2HError) -> None:
        self.problems.append(exc)

    def help(self) -> None:
        self.helped += 1

    def manual(self, plan: send.Plan, reason: str) -> None:
        self.manuals.append((plan.text, reason))

    def record(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def finish(self, message: str) -> None:
        self.finished = message

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.shown]


@pytest.fixture
def w() -> World:
    world = World(WITH_SOURCE)
    world.bob = world.say("@acme the sync is broken since the update and I lost notes, can you help?",
                          handle="@bob@example.social", name="Bob Stone")
    world.marie = world.say("@acme how do I export a single notebook as PDF?", minutes=30)
    world.carol = world.say("is there a dark mode in acme?", handle="carol", name="",
                            source="imported", platform="hackernews", minutes=60,
                            url="https://news.ycombinator.com/item?id=3", to_me=False)
    world.order = [i.id for i in inbox.build_queue(world.store, world.engine, sections=["reply"]).items]
    return world


def play(w: World, keys: Any, **kw: Any) -> tuple[Session, Script]:
    opener = kw.pop("opener", None)
    ui = Script(keys, **kw)
    s = Session(w.store, w.config, w.engine, opener=opener)
    session.run(s, ui)
    return s, ui


def state(w: World, ident: str) -> str:
    return str(w.store.conversation(ident).state)


def test_done_moves_to_the_next_conversation(w: World) -> None:
    s, ui = play(w, "dq")
    assert ui.ids == w.order[:2]
    assert state(w, w.order[0]) == "done" and state(w, w.order[1]) == "open"
    assert s.tally.done == 1 and ui.events[0]["action"] == "done" and ui.events[0]["id"] == w.order[0]


def test_every_card_has_the_person_the_reasons_and_a_draft(w: World) -> None:
    _, ui = play(w, "q")
    card = ui.shown[0]
    assert card.view["id"] == w.order[0] and card.view["reasons"] and card.view["person"]["handle"]
    assert card.plan is not None and card.plan.draft.text and card.waiting == 3


def test_skip_changes_nothing_and_is_not_shown_again(w: World) -> None:
    s, ui = play(w, "nnn")
    assert ui.ids == w.order and all(state(w, i) == "open" for i in w.order)
    assert s.tally.skipped == 3
    assert ui.finished is not None and "3 skipped" in ui.finished


def test_the_end_of_the_section(w: World) -> None:
    s, ui = play(w, "ddd")
    assert ui.finished == "Everyone has an answer." and s.tally.done == 3
    empty = World(WITH_SOURCE)
    _, ui = play(empty, "")
    assert ui.shown == [] and ui.finished == "Everyone has an answer."


def test_y_sends_once_and_counts_the_wait(w: World) -> None:
    top = w.order[0]
    assert w.store.conversation(top).source == "masto"
    s, ui = play(w, "yq")
    assert [r.status for r in w.store.replies(top)] == ["sent"]
    assert state(w, top) == "answered" and s.tally.answered == 1
    assert s.tally.waits and s.tally.waits[0] > 0
    event = ui.events[0]
    assert event["action"] == "reply" and event["status"] == "sent" and event["url"].startswith("memory://masto/")
    assert s.tally.line() == ("1 answered, 0 done, 0 snoozed, 0 skipped; median wait of those answered: "
                              f"{clock.human_duration(s.tally.waits[0])}.")
    assert any(m.startswith("Sent memory://masto/") and "answered after" in m for m in ui.said)


def test_a_reply_the_source_cannot_post_asks_whether_it_was_posted(w: World) -> None:
    # carol's conversation is on a source the config does not have: posted by hand.
    s, ui = play(w, ["n", "n", "y"], confirms=[True])
    assert ui.ids[-1] == w.carol and ui.manuals and "not in the config" in ui.manuals[0][1]
    assert [r.status for r in w.store.replies(w.carol)] == ["manual"] and state(w, w.carol) == "answered"
    assert s.tally.answered == 1 and ui.events[-1]["status"] == "manual"


def test_not_posted_by_hand_stays_in_the_queue(w: World) -> None:
    s, ui = play(w, ["n", "n", "y"], confirms=[False])
    assert state(w, w.carol) == "open" and s.tally.skipped == 3 and s.tally.answered == 0
    assert ui.events[-1]["status"] == "not_posted" and any("--posted" in m for m in ui.said)


def test_a_draft_that_must_not_be_sent_is_refused_and_stays(w: World) -> None:
    from h2h.draft import compose

    top = w.order[0]
    compose.save_text(w.store, w.config, w.engine, top, "Hi {first_name}, thanks")
    _, ui = play(w, "yq")
    assert ui.problems and ui.problems[0].code == "unresolved_placeholder"
    assert ui.ids == [top] and w.store.replies(top) == [] and state(w, top) == "open"


def test_a_network_failure_is_shown_and_the_conversation_stays(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from h2h.errors import RemoteError

    def boom(self: MemorySource, mention: Any, text: str, *, key: str) -> Any:
        raise RemoteError("the server said 502", hint="Try again later.")

    monkeypatch.setattr(MemorySource, "send_reply", boom)
    top = w.order[0]
    s, ui = play(w, "yq")
    # A 502 may come after the post was made: said plainly, and the attempt stays pending for the next one.
    assert ui.problems[0].code == "maybe_posted" and "may have been posted" in ui.problems[0].message
    assert ui.ids == [top] and state(w, top) == "open"
    assert s.tally.answered == 0 and [r.status for r in w.store.replies(top)] == ["pending"]


def test_ctrl_c_after_the_post_never_posts_twice(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C between the platform's answer and the record: the reply is recorded as pending;
    the next `y` finds the post in the thread instead of posting again."""
    top = w.order[0]
    conv = w.store.conversation(top)
    platform = MemorySource("masto")
    row = w.store.unanswered_mentions_many([(conv.id, conv.waiting_since)])[conv.id][0]
    platform.add([send._mention(w.store, "masto", row.remote_id)])
    monkeypatch.setattr(send, "build_source", lambda config, name: platform)
    real = MemorySource.send_reply

    def post_then_interrupt(self: MemorySource, mention: Any, text: str, *, key: str) -> Any:
        real(self, mention, text, key=key)
        raise KeyboardInterrupt

    monkeypatch.setattr(MemorySource, "send_reply", post_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        play(w, "y")
    assert [r.status for r in w.store.replies(top)] == ["pending"] and state(w, top) == "open"
    assert platform.post_calls == 1
    monkeypatch.setattr(MemorySource, "send_reply", real)
    s, ui = play(w, "yq")
    assert ui.ids[0] == top and platform.post_calls == 1
    assert [r.status for r in w.store.replies(top)] == ["sent"] and state(w, top) == "answered"


def test_ctrl_c_at_a_prompt_changes_nothing(w: World) -> None:
    class Interrupting(Script):
        def ask(self, question: str, default: str) -> str | None:
            raise KeyboardInterrupt

    s = Session(w.store, w.config, w.engine)
    with pytest.raises(KeyboardInterrupt):
        session.run(s, Interrupting("s"))
    assert all(state(w, i) == "open" for i in w.order) and not w.store.conn.in_transaction


def test_edit_opens_the_editor_and_shows_the_card_again(w: World, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "ed.py"
    script.write_text("import sys\np = sys.argv[-1]\nt = open(p).read()\n"
                      "open(p, 'w').write(t.replace('—', 'Cheers,\\n—'))\n", encoding="utf-8")
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
    _, ui = play(w, "eq")
    assert ui.ids == [w.order[0]] * 2
    assert ui.shown[1].plan is not None and "Cheers,\n—" in ui.shown[1].plan.text
    assert ui.shown[1].plan.draft.edited


def test_an_editor_that_changes_nothing_or_fails(w: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISUAL", "true")
    _, ui = play(w, "eq")
    assert len(ui.shown) == 1 and "The draft is unchanged." in ui.said
    monkeypatch.setenv("VISUAL", "false")
    _, ui = play(w, "eq")
    assert ui.problems[0].code == "editor_failed" and state(w, w.order[0]) == "open"


def test_another_variant(w: World) -> None:
    _, ui = play(w, "vq")
    first, second = ui.shown
    assert first.id == second.id and first.plan and second.plan and first.plan.text != second.plan.text


def test_f_drafts_from_the_next_source_and_the_card_says_which(tmp_path: Path) -> None:
    (tmp_path / "faq.md").write_text("# Is there a dark mode?\nLink: https://acme.example/themes\n\n"
                                     "Yes: Settings → Appearance → Theme → Dark.\n")
    world = World(WITH_SOURCE.replace("[draft.snippets]", f'[draft]\nknowledge = "{tmp_path / "faq.md"}"\n'
                                                          '[draft.snippets]'))
    ident = world.say("@acme is there a dark mode?")
    _, ui = play(world, "ffq")
    assert [c.id for c in ui.shown] == [ident] * 3
    sources = [c.plan.draft.source for c in ui.shown if c.plan]
    assert sources == ["knowledge", "template", "knowledge"]     # the best first, then each in turn
    assert "Settings → Appearance" in ui.shown[0].plan.text and "Settings → Appearance" not in ui.shown[1].plan.text
    assert ui.said[0] == "The draft is now from template (sources for this conversation: knowledge, template)."
    assert session.command("f") == "f" and session.command("from") == "f"


def test_a_saved_reply_by_number_or_name(w: World) -> None:
    _, ui = play(w, "tq", answers=["1"])   # snippets sorted: broken, export, topic
    assert ui.problems and ui.problems[0].code == "snippet_syntax"  # "broken" has a typo
    _, ui = play(w, "tq", answers=["export"])
    assert ui.shown[-1].plan and ui.shown[-1].plan.draft.backend == "snippet"
    assert "Settings > Export" in ui.shown[-1].plan.text
    assert any(m.startswith("  2. export: Hi {first_name}") for m in ui.said)
    _, ui = play(w, "tq", answers=[None])
    assert len(ui.shown) == 1 and "The draft is unchanged." in ui.said
    _, ui = play(w, "tq", answers=["exprt"])
    assert ui.problems[0].code == "not_found" and "export" in ui.problems[0].message


def test_no_saved_replies(w: World) -> None:
    bare = World(WITH_SOURCE.split("[draft.snippets]")[0] + '\n[sources.masto]\ntype = "memory"\n')
    bare.say("@acme how do I export?")
    _, ui = play(bare, "tq")
    assert ui.problems and "no saved replies" in ui.problems[0].message and "[draft.snippets]" in ui.problems[0].hint


def test_snooze_defaults_to_the_sla(w: World) -> None:
    top = w.order[0]
    s, ui = play(w, "sq", answers=[""])
    assert ui.questions[0][1] == "4h"
    assert w.store.conversation(top).snooze_until == "2026-11-20T16:00:00Z" and s.tally.snoozed == 1
    assert ui.events[0]["until"] == "2026-11-20T16:00:00Z"


def test_snooze_with_a_duration_or_a_mistake(w: World) -> None:
    top = w.order[0]
    _, ui = play(w, "sq", answers=["soon"])
    assert ui.problems and "not snoozed" in ui.problems[0].message and state(w, top) == "open"
    _, ui = play(w, "sq", answers=[None])
    assert "Not snoozed." in ui.said and state(w, top) == "open"
    play(w, "sq", answers=["1d"])
    assert w.store.conversation(top).snooze_until == "2026-11-21T12:00:00Z"


def test_ignore(w: World) -> None:
    s, ui = play(w, "iq")
    assert state(w, w.order[0]) == "ignored" and s.tally.ignored == 1 and "1 ignored" in s.tally.line()


def test_mute_asks_first(w: World) -> None:
    top = w.order[0]
    _, ui = play(w, "mq", confirms=[False])
    assert "Not muted." in ui.said and w.store.conversation(top).section == "reply"
    handle = ui.shown[0].view["person"]["handle"]
    assert handle in ui.questions[0][0]
    s, ui = play(w, "mq", confirms=[True])
    assert w.store.conversation(top).section == "noise" and s.tally.muted == 1
    assert ui.ids[1] != top
    from h2h.app import people as persons

    assert persons.view(w.store, w.engine, top)["muted"] is True


def test_open_gives_the_browser_the_conversation_url(w: World) -> None:
    opened: list[str] = []
    _, ui = play(w, "oq", opener=lambda url: opened.append(url) or True)
    assert opened == [ui.shown[0].url] and opened[0].startswith("https://mastodon.example/")
    _, ui = play(w, "oq", opener=lambda url: False)
    assert ui.problems and "BROWSER" in ui.problems[0].hint


def test_open_refuses_what_is_not_a_web_address() -> None:
    w = World(WITH_SOURCE)
    w.say("@acme hello, how do I export?", url="javascript:alert(1)")
    opened: list[str] = []
    _, ui = play(w, "oq", opener=lambda url: opened.append(url) or True)
    assert opened == [] and "only http and https" in ui.problems[0].message


def test_help_unknown_keys_and_words(w: World) -> None:
    _, ui = play(w, ["?", "x", "help", "done", "quit"])
    assert ui.helped == 2 and any("'x' is not a key" in m for m in ui.said)
    assert state(w, w.order[0]) == "done"


def test_source_and_section_filters(w: World) -> None:
    s = Session(w.store, w.config, w.engine, source="imported")
    ui = Script("q")
    session.run(s, ui)
    assert ui.ids == [w.carol]
    with pytest.raises(H2HError, match="unknown section"):
        Session(w.store, w.config, w.engine, section="nope")
    ui = Script("q")
    session.run(Session(w.store, w.config, w.engine, section="thanks"), ui)
    assert ui.finished == "Everyone has an answer."


def test_command_words() -> None:
    assert [command(k) for k in ("y", "Y", " done ", "skip", "next", "?", "h", "zz", "")] == \
        ["y", "y", "d", "n", "n", "?", "?", None, None]


def test_safe_url() -> None:
    assert safe_url("https://example.com/a?b=1") == "https://example.com/a?b=1"
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "-oProxyCommand=x", "https://ex ample.com",
                "https://example.com/\x1b[2J", "http://", None, ""):
        assert safe_url(bad) is None, bad


def test_tally_line() -> None:
    t = Tally(answered=3, done=1, snoozed=0, skipped=2, waits=[3600.0, 7200.0, 600.0])
    assert t.line() == "3 answered, 1 done, 0 snoozed, 2 skipped; median wait of those answered: 1h."
    assert Tally().line() == "0 answered, 0 done, 0 snoozed, 0 skipped."
    assert Tally(muted=1, ignored=2).line() == "0 answered, 0 done, 0 snoozed, 2 ignored, 1 muted, 0 skipped."


def test_a_source_that_says_not_supported_is_posted_by_hand(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from h2h.errors import NotSupported

    def refuse(self: MemorySource, mention: Any, text: str, *, key: str) -> Any:
        raise NotSupported("this platform has no API to post replies")

    monkeypatch.setattr(MemorySource, "send_reply", refuse)
    top = w.order[0]
    s, ui = play(w, "yq", confirms=[True])
    assert ui.manuals and "no API to post" in ui.manuals[0][1]
    assert [r.status for r in w.store.replies(top)] == ["manual"] and state(w, top) == "answered"
    assert s.tally.answered == 1 and ui.events[0]["status"] == "manual"
