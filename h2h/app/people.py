"""One human across platforms: `h2h person`. Finding them by handle, their history
with us, their flags (VIP, muted, a note) and links between their identities.

A change re-judges that human's conversations at once, so the queue reflects it:
flags move sections and points, and a link makes a first contact on one platform
a returning person when they wrote to us on another.
"""

from __future__ import annotations

from typing import Any, Sequence

from h2h import clock

from h2h.errors import NotFound, UsageError
from h2h.ingest.ingest import ensure_fresh, rescore
from h2h.app.stats import first_response_s, quantile
from h2h.store import Store
from h2h.store.queries import Row
from h2h.triage.engine import Engine
from h2h.triage.handles import matches

RECENT = 20


def _label(row: Row) -> str:
    return f"{row['source']}:{row['handle']}"


def identities(store: Store, who: str) -> list[Row]:
    """The identities WHO names: a handle (`@alice@example.social`, `alice.bsky.social`,
    `octocat`), `SOURCE:HANDLE` to pick one source, or a conversation id."""
    who = who.strip()
    if not who:
        raise UsageError("give a handle, such as @alice@example.social or octocat")
    source, sep, rest = who.partition(":")
    if sep and rest:
        rows = store.persons_by_handle(rest, source=source)
        if rows:
            return rows
    rows = store.persons_by_handle(who)
    if rows:
        return rows
    try:
        conv = store.conversation(who)
    except (NotFound, UsageError):
        conv = None
    if conv is not None:
        return [store.person(conv["person_id"])]
    raise NotFound(f"no person with the handle {who!r}",
                   hint="Use the handle shown in the queue (`h2h queue --all`), or a conversation id.")


def one(store: Store, who: str) -> Row:
    """The human WHO names; an error listing the candidates if it names several unlinked ones."""
    rows = identities(store, who)
    groups: dict[tuple[str, str], Row] = {}
    for row in rows:
        groups.setdefault(store.person_root(row["source"], row["remote_id"]), row)
    if len(groups) > 1:
        names = ", ".join(f"{_label(r)} ({r['platform']})" for r in rows[:8])
        raise UsageError(f"{who!r} matches {len(groups)} different people: {names}",
                         hint="Name one as SOURCE:HANDLE, or if they are one human, "
                              "join them with `h2h person link A B`.")
    return rows[0]


def _rescore_group(store: Store, engine: Engine, person_ids: Sequence[int]) -> int:
    convs = store.group_conversations(person_ids)
    for conv in convs:
        rescore(store, store.conversation_by_id(conv["id"]), engine)
    return len(convs)


def view(store: Store, engine: Engine, who: str) -> dict[str, Any]:
    """Everything `h2h person` prints, as plain data (also its --json document)."""
    ensure_fresh(store, engine)
    return _view(store, engine, one(store, who))


def _view(store: Store, engine: Engine, person: Row) -> dict[str, Any]:
    members = store.person_group(person["id"])
    ids = [m["id"] for m in members]
    root = store.person_root(person["source"], person["remote_id"])
    flags = store.group_flags(person["id"])
    convs = store.stats_conversations("", "9999", person_ids=ids)
    responses = {c["key"]: first_response_s(c) for c in convs}
    rows = store.group_conversations(ids)
    messages = store.group_messages(ids, RECENT)
    named = next((m for m in members if m["name"]), members[0])
    times = [t for t in responses.values() if t is not None]
    return {
        "key": f"{root[0]}:{root[1]}",
        "handle": named["handle"],
        "name": named["name"],
        "vip": flags["vip"] or any(matches(h, engine.vip) for h in flags["handles"]),
        "muted": flags["muted"] or any(matches(h, engine.muted) for h in flags["handles"]),
        "note": flags["note"],
        "identities": [{
            "source": m["source"], "platform": m["platform"], "id": m["remote_id"], "handle": m["handle"],
            "name": m["name"], "url": m["url"], "bot": None if m["bot"] is None else bool(m["bot"]),
            "followers": m["followers"], "first_seen": m["first_seen"], "last_seen": m["last_seen"],
        } for m in members],
        "summary": {
            "conversations": len(rows),
            "answered": len(times),
            "first_response_median_s": None if not times else round(quantile(times, 0.5) or 0.0, 1),
            "first_seen": min(m["first_seen"] for m in members),
            "last_seen": max(m["last_seen"] for m in members),
        },
        "conversations": [{
            "id": c["key"], "source": c["source"], "platform": c["platform"], "handle": c["handle"],
            "first_at": c["first_at"], "last_at": c["last_at"], "state": c["state"], "section": c["section"],
            "messages": c["messages"], "first_response_s": responses.get(c["key"]),
        } for c in rows],
        "messages": [{
            "id": m["remote_id"], "source": m["source"], "platform": m["platform"], "conversation": m["conversation"],
            "created_at": m["created_at"], "role": m["role"], "handle": m["handle"], "text": m["text"],
            "url": m["url"],
        } for m in messages],
    }


def set_flags(store: Store, engine: Engine, who: str, *, vip: bool | None = None, muted: bool | None = None,
              note: str | None = None) -> dict[str, Any]:
    """Set flags on every identity of the human, then re-judge their conversations."""
    ensure_fresh(store, engine)
    return _set_flags(store, engine, one(store, who), vip=vip, muted=muted, note=note)


def set_flags_of_conversation(store: Store, engine: Engine, ident: str, *, vip: bool | None = None,
                              muted: bool | None = None, note: str | None = None) -> dict[str, Any]:
    """`set_flags` for the human who wrote conversation `ident` (no handle lookup to go wrong)."""
    ensure_fresh(store, engine)
    conv = store.conversation(ident)
    return _set_flags(store, engine, store.person(conv["person_id"]), vip=vip, muted=muted, note=note,
                      conversation=conv["key"])


def _set_flags(store: Store, engine: Engine, person: Row, *, vip: bool | None, muted: bool | None,
               note: str | None, conversation: str = "") -> dict[str, Any]:
    with store.transaction():
        members = store.person_group(person["id"])
        if muted:  # a mute is a decision `h2h undo` reverts: record what it changed
            keys = [(m["source"], m["remote_id"]) for m in members]
            flags = store.person_flags_many(keys)
            before = {f"{s}:{r}": bool(flags[(s, r)]["muted"]) if (s, r) in flags else False for s, r in keys}
            store.record_action(conversation, "mute", clock.iso(clock.now()),
                                detail={"before": before, "members": keys, "handle": person["handle"]})
        for m in members:
            store.set_person_flags(m["source"], m["remote_id"], vip=vip, muted=muted, note=note)
        _rescore_group(store, engine, [m["id"] for m in members])
    return _view(store, engine, person)


def link(store: Store, engine: Engine, a: str, b: str) -> dict[str, Any]:
    """Join B's identities to A's: one human, shown once in the queue."""
    ensure_fresh(store, engine)
    first, second = one(store, a), one(store, b)
    root_a = store.person_root(first["source"], first["remote_id"])
    root_b = store.person_root(second["source"], second["remote_id"])
    changed = root_a != root_b
    if changed:
        with store.transaction():
            store.link_roots(root_a, root_b)
            _rescore_group(store, engine, store.person_group_ids(first["id"]))
    return {"linked": changed, "person": _view(store, engine, first)}


def unlink(store: Store, engine: Engine, who: str) -> dict[str, Any]:
    """Take one identity out of the human it was linked to."""
    ensure_fresh(store, engine)
    rows = identities(store, who)
    if len(rows) > 1:
        raise UsageError(f"{who!r} matches {len(rows)} identities: " + ", ".join(_label(r) for r in rows[:8]),
                         hint="Name one as SOURCE:HANDLE.")
    person = rows[0]
    before = store.person_group_ids(person["id"])
    if len(before) > 1:
        with store.transaction():
            store.unlink_identity(person["source"], person["remote_id"])
            _rescore_group(store, engine, before)
    return {"unlinked": len(before) > 1, "person": _view(store, engine, person)}
