"""The state machine and the platform's order, as tables: every rule on one line."""

from __future__ import annotations

import pytest

from h2h.app import order, states
from h2h.app.states import Messages, State

# (state before, seen, what the messages say, state after)
JUDGED = [
    # nothing waits: our answer closes what the user left open, never what they closed
    (State("open"), Messages(waiting=(), replies=(3,)), State("answered")),
    (State("open", None, 5), Messages(waiting=(), replies=(3,)), State("open", None, 5)),  # reopened after it
    (State("open", None, 5), Messages(waiting=(), replies=(3, 6)), State("answered", None, 5)),
    (State("snoozed", "2026-11-21T00:00:00Z", 5), Messages(waiting=(), replies=(6,)), State("answered", None, 5)),
    (State("snoozed", "2026-11-21T00:00:00Z", 5), Messages(waiting=(), replies=(4,)),
     State("snoozed", "2026-11-21T00:00:00Z", 5)),
    (State("done", None, 5), Messages(waiting=(), replies=(6,)), State("done", None, 5)),
    (State("ignored", None, 5), Messages(waiting=(), replies=(6,)), State("ignored", None, 5)),
    (State("answered", None, None), Messages(waiting=(), replies=(3,)), State("answered")),
    # the person wrote after our answer
    (State("answered"), Messages(waiting=(4,), replies=(3,)), State("open")),
    (State("answered", None, 9), Messages(waiting=(4,), replies=(3,)), State("open", None, 9)),
    # a done or a snooze: only what arrived after the decision reopens, whenever it was written
    (State("done", None, 5), Messages(waiting=(4,)), State("done", None, 5)),
    (State("done", None, 5), Messages(waiting=(4, 6)), State("open", None, 5)),
    (State("done", None, 5), Messages(waiting=(6,), replies=(3,)), State("open", None, 5)),
    (State("snoozed", "2026-11-21T00:00:00Z", 5), Messages(waiting=(5,)), State("snoozed", "2026-11-21T00:00:00Z", 5)),
    (State("snoozed", "2026-11-21T00:00:00Z", 5), Messages(waiting=(7,)), State("open", None, 5)),
    (State("done"), Messages(waiting=(7,)), State("done")),  # no record of what was seen: stays closed
    # ignore stays ignored
    (State("ignored", None, 5), Messages(waiting=(6,)), State("ignored", None, 5)),
    (State("open"), Messages(waiting=(6,)), State("open")),
    # our own posts wait for nothing: their state is the user's alone
    (State("open"), Messages(own=True, waiting=(1,)), State("open")),
    (State("done", None, 1), Messages(own=True, waiting=(2,)), State("done", None, 1)),
]


@pytest.mark.parametrize(("before", "messages", "after"), JUDGED)
def test_judged(before: State, messages: Messages, after: State) -> None:
    assert states.judged(before, messages) == after


@pytest.mark.parametrize(("action", "until", "after"), [
    ("done", None, State("done", None, 8)),
    ("snooze", "2026-11-21T00:00:00Z", State("snoozed", "2026-11-21T00:00:00Z", 8)),
    ("ignore", None, State("ignored", None, 8)),
    ("reopen", None, State("open", None, 8)),
    ("done", "2026-11-21T00:00:00Z", State("done", None, 8)),  # only a snooze has an end
])
def test_decide(action: str, until: str | None, after: State) -> None:
    assert states.decide(action, seen=8, until=until) == after


def test_a_snooze_needs_its_end_and_actions_are_known() -> None:
    with pytest.raises(ValueError):
        states.decide("snooze", seen=1)
    with pytest.raises(KeyError):
        states.decide("archive", seen=1)


@pytest.mark.parametrize(("state", "until", "now", "shown", "active"), [
    ("open", None, "2026-11-20T12:00:00Z", True, True),
    ("snoozed", "2026-11-20T14:00:00Z", "2026-11-20T12:00:00Z", False, True),
    ("snoozed", "2026-11-20T14:00:00Z", "2026-11-20T14:00:00Z", True, True),   # due: back in the queue
    ("snoozed", None, "2026-11-20T12:00:00Z", False, True),
    ("answered", None, "2026-11-20T12:00:00Z", False, False),
    ("done", None, "2026-11-20T12:00:00Z", False, False),
    ("ignored", None, "2026-11-20T12:00:00Z", False, False),
])
def test_visible_and_active(state: str, until: str | None, now: str, shown: bool, active: bool) -> None:
    assert states.visible(state, until, now) is shown
    assert states.active(state) is active


def _row(remote_id: str, us: int, reply_to: str | None = None, local: int = 0) -> dict:
    return {"remote_id": remote_id, "in_reply_to": reply_to, "created_us": us, "id": local}


# (platform, rows as (remote id, microseconds, in reply to, local id), expected order)
ORDERS = [
    ("mastodon", [("1", 5, None, 1), ("2", 3, None, 2)], ["2", "1"]),                        # time first
    ("mastodon", [("2", 0, "1", 1), ("1", 0, None, 2)], ["1", "2"]),                         # the chain
    ("mastodon", [("2", 9, "3", 1), ("3", 10, "1", 2), ("1", 0, None, 3)], ["1", "3", "2"]),  # chain over time
    ("mastodon", [("110", 0, None, 2), ("99", 0, None, 1)], ["99", "110"]),                  # snowflakes as numbers
    ("x", [("1600000000000000400", 0, None, 1), ("1600000000000000300", 0, None, 2)],
     ["1600000000000000300", "1600000000000000400"]),
    ("bluesky", [("at://did:plc:b/app.bsky.feed.post/3kb2xgqjvd22c", 0, None, 1),
                 ("at://did:plc:a/app.bsky.feed.post/3kb2xgqjvd22d", 0, None, 2),
                 ("at://did:plc:c/app.bsky.feed.post/3kb2xgqjvc22z", 0, None, 3)],
     ["at://did:plc:c/app.bsky.feed.post/3kb2xgqjvc22z", "at://did:plc:b/app.bsky.feed.post/3kb2xgqjvd22c",
      "at://did:plc:a/app.bsky.feed.post/3kb2xgqjvd22d"]),                                  # TIDs, not DIDs
    ("github", [("issue/2#c9", 0, None, 1), ("issue/2#c10", 0, None, 2)], ["issue/2#c9", "issue/2#c10"]),  # arrival
    ("mastodon", [("a", 1, "b", 1), ("b", 2, "a", 2), ("c", 3, None, 3)], ["c", "a", "b"]),   # a cycle: last, by time
    ("mastodon", [("a", 5, "a", 1), ("b", 1, None, 2)], ["b", "a"]),                          # replying to itself
]


@pytest.mark.parametrize(("platform", "rows", "expected"), ORDERS)
def test_ordered(platform: str, rows: list[tuple], expected: list[str]) -> None:
    out = order.ordered([_row(*r) for r in rows], platform)
    assert [r["remote_id"] for r in out] == expected


def test_time_ordered_ids_break_ties_only_on_platforms_that_have_them() -> None:
    assert order.id_key("mastodon", "110") > order.id_key("mastodon", "99")
    assert order.id_key("github", "110") == order.id_key("github", "99")
    assert order.id_key("bluesky", "at://did:plc:x/app.bsky.feed.post/not-a-tid") == (0, "")
