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
    """`with_counts=False` leaves `counts` empty: counting a section reads all of its
    index entries, the one part of the queue that grows with the database."""
    ensure_fresh(store, engine)
    now = clock.now()
    now_iso = clock.iso(now)
    since_iso = clock.iso(since) if since else None
    shown = tuple(sections) if sections else (SECTIONS if show_all else SECTIONS[:3])
    counts = {s: store.count_active(s, now_iso, source, since_iso) for s in SECTIONS} if with_counts else {}
    w_wait = max(0.0, engine.weights.get("waiting", 0.0))
    w_else = max(0.0, engine.weights.get("elsewhere", 0.0))
    ranked: list[tuple[str, Row, float, float]] = []
    elsewhere: dict[int, tuple[int, float]] = {}
    remaining = limit if limit else None
    for section in shown:
        if remaining is not None and remaining <= 0:
            break
        # Walk the index by base score. The clock's terms only add points, at most w_wait + w_else:
        # once a row cannot reach the k-th best lower bound (base + waiting), none further down can.
        lower: list[float] = []
        candidates: list[tuple[Row, float, float]] = []
        for row in store.queue_scan(section, source=source, since=since_iso):
            if not states.visible(row["state"], row["snooze_until"], now_iso):
                continue
            base = row["base_score"]
            if remaining is not None and len(lower) >= remaining and base + w_wait + w_else < lower[0]:
                break
            waited = _waiting_s(row, now)
            low = base + waiting_reason(waited, engine.sla_s, engine.weights.get("waiting", 0.0)).points
            candidates.append((row, waited, low))
            if remaining is None or len(lower) < remaining:
                heapq.heappush(lower, low)
            elif low > lower[0]:
                heapq.heapreplace(lower, low)
        elsewhere.update(_elsewhere(store, now, [row for row, _, _ in candidates]) if w_else else {})
        scored = sorted(((row["base_score"] + sum(r.points for r in _clock_reasons(row, waited, elsewhere, engine)),
                          waited, -row["id"], row) for row, waited, _ in candidates),
                        key=lambda e: e[:3], reverse=True)
        best = scored[:remaining] if remaining is not None else scored
        ranked.extend((section, e[3], e[0], e[1]) for e in best)
        if remaining is not None:
            remaining -= len(best)
    details = store.queue_details([r["id"] for _, r, _, _ in ranked])
    unanswered = _waiting_messages(store, [details[r["id"]] for _, r, _, _ in ranked])
    items = _group_by_person([(s, details[r["id"]], total, waited) for s, r, total, waited in ranked], unanswered,
                             engine, elsewhere, now)
    return Queue(items=tuple(items), counts=counts, sections=shown)


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


def _group_by_person(ranked: list[tuple[str, Row, float, float]], unanswered: dict[int, list[Row]],
                     engine: Engine, elsewhere: dict[int, tuple[int, float]], now: datetime) -> list[QueueItem]:
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
    return [_item(rank, section, row, total, waited, unanswered[row["id"]], engine, elsewhere, now)
            for rank, (section, row, total, waited) in enumerate(placed_order, start=1)]


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
                     state=row["state"], messages=row["unanswered"] or row["messages"], person_key=row["person_key"])


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
        store.record_action(conv["key"], action, now, until_iso)
        if action == "reopen":
            rescore(store, store.conversation_by_id(conv["id"]), engine)
        after = store.conversation_by_id(conv["id"])
    return {"id": after["key"], "state": after["state"], "snooze_until": after["snooze_until"],
            "previous_state": conv["state"]}
