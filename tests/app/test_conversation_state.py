"""What the user's decisions and the messages do to a conversation, end to end through
ingest, the queue and `show`: arrival (not writing time) reopens, the platform's order
(not the clock's second) says what is answered, an answer to our reply continues its
conversation, a community member's answer is a reason, and hostility repeated earns nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from h2h import config as config_mod
from h2h.draft import compose
from tests.app.world import BOB, JO, ME, World, msg


@pytest.fixture
def w() -> World:
    world = World()
    world.now("2026-11-20T12:00:00Z")
    yield world
    world.store.close()


# --- arrival, not writing time -------------------------------------------------------

@pytest.mark.parametrize("action", ["done", "snooze"])
def test_a_message_written_before_the_decision_but_stored_after_it_reopens(w: World, action: str) -> None:
    w.add(msg("1", "How do I export my notes as PDF?", "2026-11-20T12:00:00Z"))
    w.now("2026-11-20T12:20:00Z")
    w.decide("1", action, until=timedelta(hours=4))
    assert w.queue() == []
    # Written at 12:15, before the decision; the next fetch brings it in at 12:30.
    w.now("2026-11-20T12:30:00Z")
    w.add(msg("2", "Also, is Markdown possible?", "2026-11-20T12:15:00Z", reply_to="1"))
    assert w.queue() == [w.key("1")]
    assert w.show("1")["state"] == "open"


def test_a_message_stored_in_the_same_second_as_the_decision_after_it_reopens(w: World) -> None:
    """The clock does not move (H2H_NOW): what arrived after the decision is told by arrival order."""
    w.add(msg("1", "How do I export my notes as PDF?", "2026-11-20T11:00:00Z"))
    w.decide("1", "done")
    w.add(msg("2", "Still there?", "2026-11-20T11:59:00Z", reply_to="1"))
    assert w.show("1")["state"] == "open"


def test_ignore_stays_ignored_whatever_arrives(w: World) -> None:
    w.add(msg("1", "Your product is garbage", "2026-11-20T11:00:00Z"))
    w.decide("1", "ignore")
    w.now("2026-11-20T13:00:00Z")
    w.add(msg("2", "Answer me!", "2026-11-20T12:59:00Z", reply_to="1"))
    assert w.queue() == [] and w.show("1")["state"] == "ignored"


def test_a_message_seen_when_deciding_does_not_reopen(w: World) -> None:
    w.add(msg("1", "How do I export?", "2026-11-20T11:00:00Z"),
          msg("2", "As PDF, I mean", "2026-11-20T11:01:00Z", reply_to="1"))
    w.decide("1", "done")
    w.now("2026-11-20T13:00:00Z")
    w.add(msg("1", "How do I export?", "2026-11-20T11:00:00Z"))  # fetched again: nothing new
    assert w.show("1")["state"] == "done"


def test_a_late_message_that_our_reply_already_answered_does_not_reopen(w: World) -> None:
    w.add(msg("1", "How do I export?", "2026-11-20T11:00:00Z"),
          msg("3", "@marie Settings > Export.", "2026-11-20T11:10:00Z", author=ME, reply_to="1"))
    w.decide("1", "done")
    w.add(msg("2", "(as PDF)", "2026-11-20T11:01:00Z", reply_to="1"))  # written before our reply
    assert w.show("1")["state"] == "done"


# --- the platform's order, not the clock's second -------------------------------------------

def test_a_follow_up_to_our_reply_in_the_same_second_is_not_answered(w: World) -> None:
    w.add(msg("110", "How do I export?", "2026-11-20T11:00:00.100Z"),
          msg("111", "@marie Settings > Export.", "2026-11-20T11:00:00.400Z", author=ME, reply_to="110"),
          msg("112", "That menu is not there on iPad, where is it?", "2026-11-20T11:00:00.700Z", reply_to="111"))
    item = w.item("110")
    assert item.state == "open" and item.messages == 1
    assert [m["id"] for m in item.mentions] == ["112"]
    assert "followup" not in {r.code for r in item.reasons}


def test_the_reply_chain_orders_messages_of_the_same_instant(w: World) -> None:
    """Whole seconds on both sides (an import, a platform without fractions): the follow-up
    answers our reply, so it comes after it."""
    w.add(msg("210", "How do I export?", "2026-11-20T11:00:00Z"),
          msg("211", "@marie Settings > Export.", "2026-11-20T11:00:05Z", author=ME, reply_to="210"),
          msg("212", "Not on iPad, where?", "2026-11-20T11:00:05Z", reply_to="211"))
    assert w.item("210").state == "open"
    assert [m["id"] for m in w.show("210")["messages"]] == ["210", "211", "212"]


def test_a_standalone_follow_up_in_the_same_second_is_ordered_by_the_platform_id(w: World) -> None:
    """X gives whole milliseconds (.000): its snowflake ids say which came first."""
    w.add(msg("1600000000000000100", "How do I export?", "2026-11-20T11:00:00.000Z", platform="x",
              thread="1600000000000000100"),
          msg("1600000000000000300", "@marie Settings > Export.", "2026-11-20T11:00:30.000Z", author=ME,
              platform="x", reply_to="1600000000000000100", thread="1600000000000000100"),
          msg("1600000000000000400", "and on iPad?", "2026-11-20T11:00:30.000Z", platform="x",
              thread="1600000000000000100"))
    item = w.item("1600000000000000100")
    assert item.state == "open" and item.messages == 1
    assert "followup" not in {r.code for r in item.reasons}


def test_show_lists_the_platform_order_not_the_second(w: World) -> None:
    w.add(msg("10", "second, in the same second", "2026-11-20T11:00:00.900Z", reply_to="9"))
    w.add(msg("9", "first", "2026-11-20T11:00:00.200Z"))  # fetched later
    assert [m["id"] for m in w.show("9")["messages"]] == ["9", "10"]


# --- an answer to our reply continues the conversation ---------------------------------------

def test_an_answer_to_our_reply_continues_a_grouped_conversation(w: World) -> None:
    """Two posts close in time are one conversation rooted at the first; the platform's thread
    of our reply is rooted at the second. The answer to our reply belongs to the conversation."""
    w.add(msg("1", "Hi! Question about export", "2026-11-20T10:00:00Z"),
          msg("2", "How do I export as PDF?", "2026-11-20T10:01:00Z"),
          msg("3", "@marie Settings > Export.", "2026-11-20T10:30:00Z", author=ME, reply_to="2", thread="2"))
    w.add(msg("4", "Not on iPad, where is it?", "2026-11-20T10:40:00Z", reply_to="3", thread="2"))
    assert w.conv("4").id == w.conv("1").id
    assert w.queue() == [w.key("1")]
    assert [m["id"] for m in w.show("1")["messages"]] == ["1", "2", "3", "4"]


def test_an_answer_to_our_reply_that_arrives_first_joins_it_when_the_reply_arrives(w: World) -> None:
    w.add(msg("1", "How do I export as PDF?", "2026-11-20T10:00:00Z"))
    w.add(msg("4", "Not on iPad, where is it?", "2026-11-20T10:40:00Z", reply_to="3"))   # our reply not yet seen
    w.add(msg("3", "@marie Settings > Export.", "2026-11-20T10:30:00Z", author=ME, reply_to="1"))
    assert w.conv("4").id == w.conv("1").id
    assert w.queue() == [w.key("1")]
    assert [m["id"] for m in w.show("1")["messages"]] == ["1", "3", "4"]
    reasons = {r.code for r in w.item("1").reasons}
    assert "first_contact" not in reasons



def test_our_reply_that_arrives_before_what_it_answers_joins_the_conversation(w: World) -> None:
    """Our reply to a message not stored yet is filed in no conversation; when that message
    arrives, the reply goes where it does, with the answer to our reply that came first."""
    w.add(msg("1", "How do I export as PDF?", "2026-11-20T10:00:00Z"))
    w.add(msg("4", "Not on iPad, where is it?", "2026-11-20T10:40:00Z", reply_to="3"))
    w.add(msg("3", "@marie Settings > Export.", "2026-11-20T10:30:00Z", author=ME, reply_to="2"))
    w.add(msg("2", "And as Markdown?", "2026-11-20T10:05:00Z", reply_to="1"))
    assert w.conv("3").id == w.conv("4").id == w.conv("1").id
    assert [m["id"] for m in w.show("1")["messages"]] == ["1", "2", "3", "4"]
    assert w.queue() == [w.key("1")]

# --- someone else answered -------------------------------------------------------------------

def test_a_community_members_answer_is_a_reason_and_not_a_first_contact(w: World) -> None:
    w.add(msg("1", "How do I export as PDF?", "2026-11-20T10:00:00Z"),
          msg("2", "@marie it is under Settings > Export", "2026-11-20T10:00:00Z", author=BOB, reply_to="1"))
    assert w.queue() == [w.key("1")]
    item = w.item("1")
    answered = [r for r in item.reasons if r.code == "answered_by_other"]
    assert answered and answered[0].label == "answered by @bob@example.social 2h ago"
    assert answered[0].points == w.engine.weights["answered_by_other"]
    assert item.state == "open"
    view = w.show("1")
    assert [(m["id"], m["role"]) for m in view["messages"]] == [("1", "person"), ("2", "other")]
    assert [m["id"] for m in compose.unanswered(view)] == ["1"]  # a draft answers Marie, not Bob
    config = config_mod.parse('[me]\nname = "Acme"\n')
    assert compose.context(w.store, config, w.engine, w.key("1")).request.opener == "first_contact"


def test_a_community_member_who_asks_too_waits_for_us(w: World) -> None:
    w.add(msg("1", "How do I export as PDF?", "2026-11-20T10:00:00Z"),
          msg("2", "Same problem here, how do I fix it?", "2026-11-20T10:05:00Z", author=BOB, reply_to="1"))
    assert set(w.queue()) == {w.key("1"), w.key("2")}


def test_a_teammates_reply_answers(w: World) -> None:
    w.add(msg("1", "How do I export as PDF?", "2026-11-20T10:00:00Z"),
          msg("2", "@marie Settings > Export", "2026-11-20T10:05:00Z", author=JO, reply_to="1"))
    assert w.queue() == [] and w.show("1")["state"] == "answered"


# --- persistent hostility is not rewarded ------------------------------------------------------

def _troll(n: int, elsewhere: int) -> tuple[float, set[str]]:
    w = World()
    w.now("2026-11-20T12:00:00Z")
    texts = ["You are idiots, your app is garbage", "Idiots. Garbage app.", "Garbage, you idiots"]
    for i in range(n):
        w.add(msg(f"t{i}", texts[i % 3], f"2026-11-18T0{i}:00:00Z", author=BOB, reply_to="t0" if i else None))
    for j in range(elsewhere):  # wrote again elsewhere, hours apart: each its own conversation
        w.add(msg(f"e{j}", texts[j % 3], f"2026-11-19T{7 * j:02d}:00:00Z", author=BOB))
    item = w.item("t0")
    assert item.section == "careful"
    w.store.close()
    return item.score, {r.code for r in item.reasons}


def test_a_troll_writing_again_and_again_does_not_climb() -> None:
    once, _ = _troll(1, 0)
    again, codes = _troll(6, 0)
    elsewhere, more = _troll(6, 4)
    assert "followup" not in codes and "elsewhere" not in more
    assert again <= once and elsewhere <= once, (once, again, elsewhere)
