"""A conversation's state, and every way it changes: the one place these rules live.

    open      in the queue
    answered  our last word (ours or a teammate's) came after everything the person wrote
    done      closed by the user
    snoozed   hidden until `snooze_until`, then in the queue again (still `snoozed`)
    ignored   closed by the user for good

The user's decisions (done, snooze, ignore, reopen) record `seen`: the newest message
stored when they decided. What arrived after it, the user had not seen: a message from
the person that is still waiting for an answer, stored after a done or a snooze,
reopens the conversation, whenever it was written. Arrival is told by the store's
message ids, which grow with every message stored; never by the clock, which two
events can share and which a late fetch leaves behind.

Pure: plain values in, plain values out.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

STATES = ("open", "answered", "done", "snoozed", "ignored")
ACTIONS = {"done": "done", "snooze": "snoozed", "ignore": "ignored", "reopen": "open"}


class State(NamedTuple):
    state: str = "open"
    snooze_until: str | None = None  # the stored time a snooze ends
    seen: int | None = None          # the newest message id stored when the user last decided


class Messages(NamedTuple):
    """What a conversation's messages say, in the platform's order (see app/order.py),
    as arrival ids (the store's message ids)."""

    own: bool = False                 # only our and teammates' messages: nothing to wait for
    waiting: Sequence[int] = ()       # the person's messages after our last reply
    replies: Sequence[int] = ()       # our and teammates' replies


def decide(action: str, *, seen: int, until: str | None = None) -> State:
    """The user's decision, whatever the state was. `seen` is the newest message id stored
    as they decided."""
    state = ACTIONS[action]  # a KeyError for an unknown action: callers check the word first
    if action == "snooze" and until is None:
        raise ValueError("a snooze needs its end")
    return State(state, until if action == "snooze" else None, seen)


def judged(current: State, messages: Messages) -> State:
    """The state once the conversation's messages are (re)read."""
    state, until, seen = current
    if messages.own or state == "ignored":
        return current
    if not messages.waiting:
        # Everything the person wrote has an answer. It leaves the queue unless the user
        # put it back there after that answer (a reopen), or closed it themselves.
        if state in ("open", "snoozed") and (seen is None or any(r > seen for r in messages.replies)):
            return State("answered", None, seen)
        return current
    if state == "answered":
        return State("open", None, seen)  # they wrote after our answer
    if state in ("done", "snoozed") and seen is not None and any(m > seen for m in messages.waiting):
        return State("open", None, seen)  # something the user had not seen when deciding
    return current


def active(state: str) -> bool:
    """Stored as `conversations.active`: what the queue's index walks."""
    return state in ("open", "snoozed")


def visible(state: str, snooze_until: str | None, now: str) -> bool:
    """In the queue at `now` (stored times compare as text): open, or snoozed and due."""
    return state == "open" or (state == "snoozed" and snooze_until is not None and snooze_until <= now)
