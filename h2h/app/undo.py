"""`h2h undo` (and `u` in `h2h next`): revert the last decision.

Each decision (done, snooze, ignore, reopen, mute) is recorded in `actions` with what it
changed from (`detail.before`), so undoing it restores exactly that; an undo is recorded
too (`detail.undid`), so the next undo goes one decision further back. A sent reply is
never undone: it is out on the platform. A decision that something else has overtaken
since (the person wrote again and reopened a conversation marked done, a reply answered
it) is not forced back: undo says so and moves past it.
"""

import json
from typing import Any

from h2h import clock
from h2h.errors import H2HError
from h2h.store import Store
from h2h.triage.engine import Engine

UNDOABLE = ("done", "snooze", "ignore", "reopen", "mute")
STATE_COLUMNS = ("state", "active", "state_mark", "seen_upto", "snooze_until")


class NothingToUndo(H2HError):
    code = "nothing_to_undo"
    hint = "Only done, snooze, ignore, reopen and mute are undone; a sent reply stays sent."


def state_before(conv: Any) -> dict[str, Any]:
    """What a state change must record to be undone."""
    return {"before": {k: conv[k] for k in STATE_COLUMNS}}


def undo(store: Store, engine: Engine) -> dict[str, Any]:
    """Revert the latest decision not yet undone; returns what was done."""
    from h2h.app.inbox import rescore

    now = clock.iso(clock.now())
    with store.transaction():
        action = store.last_undoable_action(UNDOABLE)
        if action is None:
            raise NothingToUndo("nothing to undo: no decision recorded since the last undo")
        detail = json.loads(action["detail"])
        before = detail["before"]
        result = {"undid": action["action"], "id": action["conversation"] or None, "at": action["at"],
                  "undone": True, "reason": None, "state": None, "previous_state": None, "handle": None}
        if action["action"] == "mute":
            members = detail["members"]
            still = store.person_flags_many([(s, r) for s, r in members])
            if not any(row["muted"] for row in still.values()):
                result.update(undone=False, reason="the person was unmuted since")
            else:
                for source, remote_id in members:
                    store.set_person_flags(source, remote_id, muted=bool(before.get(f"{source}:{remote_id}")))
                ids = store.person_ids([(s, r) for s, r in members]).values()
                for conv in store.group_conversations(list(ids)):
                    rescore(store, store.conversation_by_id(conv["id"]), engine)
            result["handle"] = detail.get("handle")
        else:
            conv = store.conversation(action["conversation"])
            result["previous_state"] = conv["state"]
            if conv["state"] != detail.get("after"):
                result.update(undone=False, state=conv["state"],
                              reason=f"it is {conv['state']} now ({_since(conv['state'])})")
            else:
                store.save_conversation(conv["id"], dict(before))
                rescore(store, store.conversation_by_id(conv["id"]), engine)
                result["state"] = store.conversation_by_id(conv["id"])["state"]
        store.record_action(action["conversation"], "undo", now,
                            detail={"undid": action["id"], "action": action["action"], "undone": result["undone"]})
    return result


def _since(state: str) -> str:
    return {"open": "the person wrote again since", "answered": "it was answered since"}.get(
        state, "it was changed since")
