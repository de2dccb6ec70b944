"""What the commands do, apart from how they look: the ranked queue, one
conversation in full, and the user's decisions on conversations.
"""

# Annotations are evaluated here, not postponed: see h2h/models.py.
import heapq
import json
from datetime import datetime
from typing import Any, NamedTuple, Sequence

from h2h import clock
from h2h.app import order, states
from h2h.errors import UsageError
from h2h.models import SECTIONS, Person, QueueItem, Reason
from h2h.store import Store
from h2h.store.queries import Row
from h2h.triage.engine import Engine
from h2h.triage.score import ELSEWHERE_MOST, elsewhere_reason, waiting_reason

DEFAULT_LIMIT = 30


def ensure_fresh(store: Store, engine: Engine) -> None:
    # The ingest machinery is imported only when stored verdicts are stale: not on every `h2h`.
    if store.get_meta("engine") != engine.fingerprint:
        from h2h.ingest.ingest import ensure_fresh as recompute

        recompute(store, engine)


def rescore(store: Store, conv: Row, engine: Engine) -> None:
    from h2h.ingest.ingest import rescore as judge

    judge(store, conv, engine)


class Queue(NamedTuple):
    items: tuple[QueueItem, ...]
    counts: dict[str, int]          # active conversations per section (noise included)
    sections: tuple[str, ...]       # the sections shown


def _reasons(row: Row, now: datetime) -> list[Reason]:
    """The stored reasons; one that names when something happened says how long ago."""
    return [Reason(r["code"], _ago(r, now), float(r["points"])) for r in json.loads(row["reasons"] or "[]")]


def _ago(reason: dict[str, Any], now: datetime) -> str:
    if "at" not in reason:
        return str(reason["label"])
    age = max(0.0, (now - clock.from_iso(reason["at"])).total_seconds())
    return f"{reason['label']} {clock.human_duration(age)} ago"


def _waiting_s(row: Row, now: datetime) -> float:
    since = row["waiting_since"] or row["last_at"]
    return max(0.0, (now - clock.from_iso(since)).total_seconds()) if since else 0.0


def _elsewhere(store: Store, now: datetime, convs: Sequence[Row]) -> dict[int, tuple[int, float]]:
    """For each conversation asked about whose person waits in others too: how many, and
    when just one, how long it has waited."""
    return {conv_id: (n, max(0.0, (now - clock.from_iso(since)).total_seconds()) if since else 0.0)
            for conv_id, (n, since) in store.waiting_elsewhere(convs, ELSEWHERE_MOST).items()}


def _clock_reasons(row: Row, waited: float, elsewhere: dict[int, tuple[int, float]], engine: Engine) -> list[Reason]:
    """The reasons that depend on the moment (stored verdicts cannot hold them): how long the
    person has waited, and whether they wait in other conversations too."""
    out = []
    wait = waiting_reason(waited, engine.sla_s, engine.weights.get("waiting", 0.0))
    if wait.points:
        out.append(wait)
    if row["section"] == "careful":
        return out  # hostility written again elsewhere earns nothing
    others, longest = elsewhere.get(row["id"], (0, 0.0))
    also = elsewhere_reason(waited, others, longest, engine.weights.get("elsewhere", 0.0))
    if also is not None:
        out.append(also)
    return out


def build_queue(store: Store, engine: Engine, *, sections: Sequence[str] | None = None, source: str | None = None,
                limit: int | None = DEFAULT_LIMIT, show_all: bool = False, since: datetime | None = None,
                with_counts: bool = True) -> Queue:
    """Each section shown, ranked in full first, then cut to `limit` conversations (None: all)
    after whole people: a person's follow-ups in the section come with their best conversation,
    even past the limit, so a limit never drops them nor changes a rank. Ranks count from 1 in
    each section.

    `with_counts=False` leaves `counts` empty: counting a section reads all of its index
    entries, the one part of the queue that grows with the database."""
    ensure_fresh(store, engine)
    now = clock.now()
    now_iso = clock.iso(now)
    since_iso = clock.iso(since) if since else None
    shown = tuple(sections) if sections else (SECTIONS if show_all else SECTIONS[:3])
    counts = {s: store.count_active(s, now_iso, source, since_iso) for s in SECTIONS} if with_counts else {}
    items: list[QueueItem] = []
    for section in shown:
        items.extend(_section(store, engine, section, now, source=source, since=since_iso, limit=limit or None))
    return Queue(items=tuple(items), counts=counts, sections=shown)


def _section(store: Store, engine: Engine, section: str, now: datetime, *, source: str | None, since: str | None,
             limit: int | None) -> list[QueueItem]:
    now_iso = clock.iso(now)
    w_wait = max(0.0, engine.weights.get("waiting", 0.0))
    w_else = max(0.0, engine.weights.get("elsewhere", 0.0))
    # Walk the index by base score. The clock's terms only add points, at most w_wait + w_else:
    # once a row cannot reach the k-th best lower bound (base + waiting), none further down can.
    lower: list[float] = []
    candidates: list[tuple[Row, float]] = []
    for row in store.queue_scan(section, source=source, since=since):
        if not states.visible(row["state"], row["snooze_until"], now_iso):
            continue
        base = row["base_score"]
        if limit is not None and len(lower) >= limit and base + w_wait + w_else < lower[0]:
            break
        waited = _waiting_s(row, now)
        low = base + waiting_reason(waited, engine.sla_s, engine.weights.get("waiting", 0.0)).points
        candidates.append((row, waited))
        if limit is None or len(lower) < limit:
            heapq.heappush(lower, low)
        elif low > lower[0]:
            heapq.heapreplace(lower, low)
    elsewhere = _elsewhere(store, now, [row for row, _ in candidates]) if w_else else {}
    ranked = _ranked(candidates, elsewhere, engine)
    if limit is not None:
        ranked = ranked[:limit]
        # The top `limit` holds the best conversation of every person the cut can reach; their
        # other conversations in the section may rank anywhere below: fetch them all.
        groups = store.person_group_ids_many(sorted({e[3]["person_id"] for e in ranked}))
        have = {e[3]["id"] for e in ranked}
        more = [(row, _waiting_s(row, now)) for row in store.section_conversations_of(
                    section, sorted({m for g in groups.values() for m in g}), source=source, since=since)
                if row["id"] not in have and states.visible(row["state"], row["snooze_until"], now_iso)]
        if more:
            elsewhere.update(_elsewhere(store, now, [row for row, _ in more]) if w_else else {})
            ranked = _ranked([(e[3], e[1]) for e in ranked] + more, elsewhere, engine)
    details = store.queue_details([e[3]["id"] for e in ranked])
    placed = _group_by_person([(section, details[e[3]["id"]], e[0], e[1]) for e in ranked])
    if limit is not None:
        placed = _cut(placed, limit)
    unanswered = _waiting_messages(store, [row for _, row, _, _ in placed])
    return [_item(rank, section, row, total, waited, unanswered[row["id"]], engine, elsewhere, now)
            for rank, (section, row, total, waited) in enumerate(placed, start=1)]


def _ranked(candidates: Sequence[tuple[Row, float]], elsewhere: dict[int, tuple[int, float]],
            engine: Engine) -> list[tuple[float, float, int, Row]]:
    """(total, waited, -id, row), best first."""
    return sorted(((row["base_score"] + sum(r.points for r in _clock_reasons(row, waited, elsewhere, engine)),
                    waited, -row["id"], row) for row, waited in candidates), key=lambda e: e[:3], reverse=True)


def _cut(order: list[tuple[str, Row, float, float]], limit: int) -> list[tuple[str, Row, float, float]]:
    """The first `limit` conversations, and the rest of the last person's group."""
    kept = order[:limit]
    for entry in order[limit:]:
        if entry[1]["person_key"] != kept[-1][1]["person_key"]:
            break
        kept.append(entry)
    return kept


def _waiting_messages(store: Store, convs: Sequence[Row]) -> dict[int, list[Row]]:
    """Each conversation's messages that wait for an answer (all the person's when none
    does), in the platform's order: the last `unanswered` of those written since the first
    one that waits (whole seconds hold others of the same second)."""
    found = store.unanswered_mentions_many([(c["id"], c["waiting_since"]) for c in convs])
    out = {}
    for c in convs:
        rows = order.ordered(found[c["id"]], c["platform"])
        out[c["id"]] = rows[len(rows) - c["unanswered"]:] if c["unanswered"] else rows
    return out


def _group_by_person(ranked: list[tuple[str, Row, float, float]]) -> list[tuple[str, Row, float, float]]:
    """Within a section, a person's other conversations (on every platform linked to them)
    follow their best-ranked one."""
    placed_order: list[tuple[str, Row, float, float]] = []
    placed: set[int] = set()
    for i, entry in enumerate(ranked):
        if i in placed:
            continue
        placed_order.append(entry)
        placed.add(i)
        for j in range(i + 1, len(ranked)):
            if j not in placed and ranked[j][0] == entry[0] and ranked[j][1]["person_key"] == entry[1]["person_key"]:
                placed_order.append(ranked[j])
                placed.add(j)
    return placed_order


def _person(row: Row) -> Person:
    return Person(source=row["source"], remote_id=row["person_remote_id"], handle=row["handle"],
                  name=row["name"], url=row["person_url"])


def _item(rank: int, section: str, row: Row, total: float, waited: float, unanswered: list[Row],
          engine: Engine, elsewhere: dict[int, tuple[int, float]], now: datetime) -> QueueItem:
    reasons = _reasons(row, now) + _clock_reasons(row, waited, elsewhere, engine)
    reasons.sort(key=lambda r: -abs(r.points))
    mentions = tuple({"source": m["source"], "id": m["remote_id"], "created_at": m["created_at"]}
                     for m in unanswered)
    return QueueItem(rank=rank, id=row["key"], section=section, score=total, reasons=tuple(reasons),
                     person=_person(row), source=row["source"], platform=row["platform"], waiting_s=waited,
                     lang=row["lang"], url=row["mention_url"], text=row["text"] or "", mentions=mentions,
                     state=row["state"], messages=row["unanswered"] or row["messages"], person_key=row["person_key"],
                     state_at=row["state_mark"], snooze_until=row["snooze_until"])


# --- filters that name nothing --------------------------------------------------------

def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """"; did you mean 'x'?" when one of `choices` is close to `word`, else ""."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_section(section: str | None) -> None:
    if section is not None and section not in SECTIONS:
        raise UsageError(f"unknown section {section!r}{did_you_mean(section, SECTIONS)}",
                         hint=f"Sections: {', '.join(SECTIONS)}.")


def check_source(store: Store, configured: Sequence[str], source: str | None) -> None:
    """A `--source` that is neither in the config nor in the database is a typo, not an empty
    answer (an imported file's source is in the database only)."""
    if source is None or source in configured or store.has_source(source):
        return
    known = sorted(set(configured) | set(store.source_names()))
    raise UsageError(f"no source {source!r} in the config or the database{did_you_mean(source, known)}",
                     hint=("Sources: " + ", ".join(known) + "." if known else
                           "No sources yet: add a [sources.NAME] table to the config (see `h2h init`)."))


PUT_AWAY = ("snoozed", "done", "ignored", "answered")


def put_away(store: Store, engine: Engine, state: str, *, source: str | None = None, since: datetime | None = None,
             limit: int | None = DEFAULT_LIMIT) -> tuple[list[QueueItem], int]:
    """Conversations out of the queue in `state`, the latest decided first, and how many there are."""
    if state not in PUT_AWAY:
        raise UsageError(f"unknown state {state!r}{did_you_mean(state, PUT_AWAY + ('open',))}",
                         hint="States out of the queue: " + ", ".join(PUT_AWAY) + "; the queue itself is the open ones.")
    ensure_fresh(store, engine)
    now = clock.now()
    rows = store.put_away(state, clock.iso(now), source=source, since=clock.iso(since) if since else None)
    shown = rows[:limit] if limit else rows
    details = store.queue_details([r["id"] for r in shown])
    unanswered = _waiting_messages(store, [details[r["id"]] for r in shown])
    items = [_item(rank, details[r["id"]]["section"], details[r["id"]], details[r["id"]]["base_score"],
                   0.0, unanswered[r["id"]], engine, {}, now)
             for rank, r in enumerate(shown, start=1)]
    return items, len(rows)


def count(store: Store, engine: Engine, section: str = "reply", source: str | None = None,
          since: datetime | None = None) -> int:
    ensure_fresh(store, engine)
    return store.count_active(section, clock.iso(clock.now()), source, clock.iso(since) if since else None)


# --- one conversation ------------------------------------------------------------

def conversation(store: Store, engine: Engine, ident: str) -> dict[str, Any]:
    """Everything `h2h show` prints, as plain data (also its --json document)."""
    ensure_fresh(store, engine)
    conv = store.conversation(ident)
    now = clock.now()
    person = store.person(conv["person_id"])
    flags = store.group_flags(conv["person_id"])
    history = store.person_conversations(conv["person_id"])
    waited = _waiting_s(conv, now) if conv["active"] else 0.0
    reasons = _reasons(conv, now)
    if conv["active"]:
        reasons += _clock_reasons(conv, waited, _elsewhere(store, now, [conv]), engine)
    messages = order.ordered(store.conversation_messages(conv), conv["platform"])
    from h2h.triage.handles import matches

    return {
        "id": conv["key"],
        "section": conv["section"],
        "state": conv["state"],
        "snooze_until": conv["snooze_until"],
        "score": round(sum(r.points for r in reasons), 2),
        "reasons": [r.to_json() for r in reasons],
        "source": conv["source"],
        "platform": conv["platform"],
        "lang": conv["lang"],
        "waiting_s": int(waited),
        "person": {
            "handle": person["handle"], "name": person["name"], "platform": person["platform"],
            "url": person["url"], "bot": None if person["bot"] is None else bool(person["bot"]),
            "followers": person["followers"], "first_seen": person["first_seen"],
            "conversations": len(history),
            "vip": flags["vip"] or any(matches(h, engine.vip) for h in flags["handles"]),
            "muted": flags["muted"] or any(matches(h, engine.muted) for h in flags["handles"]),
            "note": flags["note"] if flags else None,
        },
        "messages": [{
            "id": m["remote_id"], "source": m["source"], "created_at": m["created_at"],
            "role": "other" if m["role"] == "person" and m["person_id"] != conv["person_id"] else m["role"],
            "author": {"handle": m["handle"], "name": m["name"]}, "text": m["text"], "url": m["url"],
            "in_reply_to": m["in_reply_to"],
        } for m in messages],
        "history": [{"id": h["key"], "first_at": h["first_at"], "state": h["state"], "section": h["section"],
                     "source": h["source"]}
                    for h in history if h["id"] != conv["id"]],
        "actions": [{"action": a["action"], "at": a["at"], "until": a["until"]} for a in store.actions(conv["key"])],
    }


# --- the user's decisions ----------------------------------------------------------

ACTIONS = states.ACTIONS


def set_state(store: Store, engine: Engine, ident: str, action: str, *, until: datetime | None = None) -> dict[str, Any]:
    """The user's decision (app/states.py says what it does and what undoes it)."""
    if action not in ACTIONS:
        raise UsageError(f"unknown action {action!r}")
    if action == "snooze" and until is None:
        raise UsageError("snooze needs a duration, such as 2h or 1d")
    now = clock.iso(clock.now())
    with store.transaction():
        conv = store.conversation(ident)
        until_iso = clock.iso(until) if until else None
        state, snooze_until, seen = states.decide(action, seen=store.newest_mention_id(), until=until_iso)
        store.save_conversation(conv["id"], {
            "state": state, "active": int(states.active(state)), "state_mark": now, "seen_upto": seen,
            "snooze_until": snooze_until})
        from h2h.app.undo import state_before

        store.record_action(conv["key"], action, now, until_iso, detail={**state_before(conv), "after": state})
        if action == "reopen":
            rescore(store, store.conversation_by_id(conv["id"]), engine)
        after = store.conversation_by_id(conv["id"])
    return {"id": after["key"], "state": after["state"], "snooze_until": after["snooze_until"],
            "previous_state": conv["state"]}
