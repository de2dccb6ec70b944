"""Re-judging conversations: state, times, section, base score and reasons, from
their messages as stored. Many at once, with a handful of queries for all of them
(store/sqlite/mentions.py); exactly what judging them one after the other, in id order,
would leave.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Collection, Iterable, Mapping, Sequence

from h2h.app import order, states
from h2h.models import Conversation, Flags, Identity, MessageFacts, RecentMessage, Signals
from h2h.store.common import RECENT_MESSAGES
from h2h.triage import handles, people, score
from h2h.triage.engine import Engine

if TYPE_CHECKING:
    from h2h.store import Store

_REASONS = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False), its encoder built once
_parsed: dict[tuple[str | None, str | None], Signals] = {}


def _signals(row: MessageFacts) -> Signals:
    # A long conversation is re-judged with every batch that touches it: decode each message once.
    key = (row.signals, row.evidence)
    found = _parsed.get(key)
    if found is None:
        data = json.loads(key[0]) if key[0] else {}
        evidence = json.loads(key[1]) if key[1] else {}
        if len(_parsed) >= 5_000:  # about 3 MB: an import holds it beside two workers in 200 MB
            _parsed.clear()
        found = _parsed[key] = Signals.from_json(data, evidence)
    return found


def asks(encoded: str | None) -> bool:
    """score.asks() of a message, from its stored signals."""
    return score.asks(Signals.from_json(json.loads(encoded) if encoded else {}))


_fingerprints: dict[int, tuple[Engine, str]] = {}


def fingerprint(engine: Engine) -> str:
    # A hash of every weight and handle: 3 ms, once per engine rather than once per batch.
    # Engines are frozen; keeping a reference keeps id() from being reused.
    hit = _fingerprints.get(id(engine))
    if hit is None or hit[0] is not engine:
        if len(_fingerprints) > 16:
            _fingerprints.clear()
        hit = _fingerprints[id(engine)] = (engine, engine.fingerprint)
    return hit[1]


def rescore(store: Store, conv: Conversation, engine: Engine) -> None:
    """Recompute one conversation's state, section, base score and reasons from its messages."""
    rescore_many(store, [conv.id], engine, convs={conv.id: conv})


class _Groups:
    """Who each person is across platforms, and their flags: most people are linked to no
    one, and their group is themselves; the rare linked ones are asked one by one."""

    def __init__(self, store: Store, persons: dict[int, Identity]):
        self.store = store
        self.persons = persons
        linked = store.linked_among((p.source, p.remote_id) for p in persons.values())
        self.linked = {pid for pid, p in persons.items() if (p.source, p.remote_id) in linked}
        alone = [p for pid, p in persons.items() if pid not in self.linked]
        self.flags = store.person_flags_many((p.source, p.remote_id) for p in alone)
        self.members: dict[int, list[int]] = {}

    def ids(self, person_id: int) -> list[int]:
        if person_id not in self.linked:
            return [person_id]
        if person_id not in self.members:
            self.members[person_id] = self.store.person_group_ids(person_id)
        return self.members[person_id]

    def flags_of(self, person_id: int) -> Flags:
        """group_flags() of the person."""
        if person_id in self.linked:
            return self.store.group_flags(person_id)
        p = self.persons[person_id]
        f = self.flags.get((p.source, p.remote_id))
        if f is None:
            return Flags(False, False, None, (p.handle,))
        return Flags(f.vip, f.muted, f.note or None, (p.handle,))


class Recent:
    """People's latest messages and the behaviour hints read from them, kept from batch to
    batch of one ingest: a busy writer's fifty messages are read and judged once, not at every
    batch. Exact: every message the ingest writes updates it (`added`, `edited`), and it is
    emptied whenever another connection has written (`check`, at each batch). Bounded by
    characters held, least recently used person first out."""

    def __init__(self, max_chars: int = 1_000_000):
        # person id -> (their latest messages, newest first, each with its time and shape; hints or None)
        self.people: OrderedDict[int, tuple[list[dict[str, Any]], list[str] | None]] = OrderedDict()
        self.chars = 0
        self.max_chars = max_chars
        self.version: int | None = None

    def check(self, store: Store) -> None:
        version = store.data_version()
        if version != self.version:
            self.people.clear()
            self.chars = 0
            self.version = version

    def hints(self, store: Store, person_ids: Iterable[int], unrated: Collection[int] = ()) -> dict[int, list[str]]:
        """Behaviour hints per person; those in `unrated` are not judged by posting rate (people.py)."""
        ids = list(person_ids)
        missing = [pid for pid in ids if pid not in self.people]
        for pid, latest in store.persons_recent(missing).items():
            self.people[pid] = ([_held(r) for r in latest], None)
            self.chars += sum(len(r.text) for r in latest)
        out = {}
        for pid in ids:
            rows, hints = self.people[pid]
            if hints is None:
                hints = people.hints_of([r["when"] for r in rows], [r["shape"] for r in rows],
                                        [r["text"] for r in rows[:people.LINK_ONLY]], by_rate=pid not in unrated)
                self.people[pid] = (rows, hints)
            self.people.move_to_end(pid)
            out[pid] = hints
        while self.chars > self.max_chars and self.people:
            _, (rows, _) = self.people.popitem(last=False)
            self.chars -= sum(len(r["text"]) for r in rows)
        return out

    def added(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Messages just inserted (with their ids): each becomes its author's latest if it is."""
        for row in rows:
            held = self.people.get(row["person_id"])
            if held is None:
                continue
            mine = held[0]
            mine.append(_held(row))
            self.chars += len(row["text"])
            mine.sort(key=_newest, reverse=True)
            for gone in mine[RECENT_MESSAGES:]:
                self.chars -= len(gone["text"])
            del mine[RECENT_MESSAGES:]
            self.people[row["person_id"]] = (mine, None)

    def edited(self, person_id: int, mention_id: int, text: str) -> None:
        held = self.people.get(person_id)
        if held is None:
            return
        for row in held[0]:
            if row["id"] == mention_id:
                self.chars += len(text) - len(row["text"])
                row["text"], row["shape"] = text, people.shape(text)
                self.people[person_id] = (held[0], None)


def _held(row: RecentMessage | Mapping[str, Any]) -> dict[str, Any]:
    # Parsed and shaped once: a person's fifty latest messages are re-read at every batch that touches them.
    if isinstance(row, RecentMessage):
        created_at, mention_id, text = row.created_at, row.id, row.text
    else:  # a row ingest just inserted
        created_at, mention_id, text = row["created_at"], row["id"], str(row["text"])
    return {"created_at": created_at, "id": mention_id, "text": text,
            "when": people.when(created_at), "shape": people.shape(text)}


def _newest(row: Mapping[str, Any]) -> tuple[str, int]:
    return row["created_at"], row["id"]  # as person_recent() orders them (descending)


class _Plan:
    """One conversation's messages read in the platform's order (app/order.py), before its
    verdict: the person's, which of them wait after our last reply, and other people's answers."""

    __slots__ = ("conv", "messages", "own", "person_msgs", "unanswered", "basis", "last_reply_at", "last_reply",
                 "reading", "others")

    def __init__(self, conv: Conversation, messages: list[MessageFacts]):
        rows = order.ordered(messages, conv.platform)
        mine = [m for m in rows if m.conversation_id == conv.id]
        self.conv, self.messages = conv, mine
        self.own = own = all(m.role != "person" for m in mine)
        self.person_msgs = mine if own else [m for m in mine if m.role == "person"]
        last = -1 if own else max((i for i, m in enumerate(rows) if m.role != "person"), default=-1)
        self.last_reply = rows[last] if last >= 0 else None
        self.last_reply_at = rows[last].created_at if last >= 0 else None
        self.unanswered = [m for m in rows[last + 1:] if m.role == "person" and m.conversation_id == conv.id]
        self.basis = self.unanswered or self.person_msgs
        replies = () if own else tuple(m.id for m in rows if m.role != "person")
        self.reading = states.Messages(own, tuple(m.id for m in self.unanswered), replies)
        # Another person's answers since the person began waiting: not ours, so nothing is
        # answered, but worth saying.
        first = self.basis[0] if self.basis else None
        since = next((i for i, m in enumerate(rows) if m is first), len(rows))
        self.others = [m for m in rows[since + 1:] if m.role == "person" and m.conversation_id != conv.id]


def rescore_many(store: Store, conv_ids: Iterable[int], engine: Engine, *,
                 convs: dict[int, Conversation] | None = None, recent: Recent | None = None) -> None:
    """Re-judge these conversations, as rescore() one after the other in id order would.

    One judgement reads another's result in one place only: the count of a person's
    earlier conversations, which an earlier conversation's new `first_at` can change.
    Counts are read once, before any is saved, and corrected for those."""
    ids = sorted(set(conv_ids))
    if convs is None:
        convs = store.conversations_by_ids(ids)
    rows = [convs[i] for i in ids if i in convs]
    facts = store.conversations_facts(rows)
    plans = [p for p in (_Plan(c, facts[c.id]) for c in rows) if p.messages]
    if not plans:
        return
    persons = store.persons_by_ids(p.conv.person_id for p in plans)
    answerers = store.persons_by_ids(p.others[-1].person_id for p in plans if p.others)
    groups = _Groups(store, persons)
    unrated = {pid for pid, p in persons.items() if p.platform in people.UNRATED_PLATFORMS}
    behaviour = (recent or Recent()).hints(store, persons, unrated)
    previous = _previous(store, plans, groups)
    fp = fingerprint(engine)
    changes: list[tuple[int, dict[str, Any]]] = []
    moved: list[tuple[list[int], str, str]] = []  # (group, old first_at, new first_at) of those judged so far
    for plan, count in zip(plans, previous):
        conv = plan.conv
        before = plan.person_msgs[0].created_at
        group = groups.ids(conv.person_id)
        for members, old, new in moved:
            if conv.person_id in members:
                count += (new < before) - (old < before)
        answerer = answerers.get(plan.others[-1].person_id) if plan.others else None
        values = _values(plan, persons[conv.person_id], groups.flags_of(conv.person_id),
                         behaviour[conv.person_id], count, engine, fp, answerer)
        if values["first_at"] != conv.first_at:
            moved.append((group, conv.first_at, values["first_at"]))
        # Only what changed: an unchanged indexed column then costs no index update.
        changed = {k: v for k, v in values.items() if (old := getattr(conv, k)) != v or type(old) is not type(v)}
        if changed:
            changes.append((conv.id, changed))
    store.save_conversations(changes)


def _previous(store: Store, plans: Sequence[_Plan], groups: _Groups) -> list[int]:
    """Each conversation's person's conversations begun before its first message, as stored now."""
    alone = [(i, (p.conv.person_id, p.person_msgs[0].created_at)) for i, p in enumerate(plans)
             if p.conv.person_id not in groups.linked]
    counts = [0] * len(plans)
    for (i, _), n in zip(alone, store.conversations_before([q for _, q in alone])):
        counts[i] = n
    for i, p in enumerate(plans):
        if p.conv.person_id in groups.linked:
            counts[i] = store.previous_conversations(p.conv.person_id, p.person_msgs[0].created_at)
    return counts


_named: dict[tuple[str, str], tuple[list[str], list[str]]] = {}


def _name_hints(handle: str, name: str) -> tuple[list[str], list[str]]:
    """What the account's handle and name give away (bot-like, a brand): the same for every
    conversation of the person, so worked out once."""
    found = _named.get((handle, name))
    if found is None:
        if len(_named) >= 10_000:
            _named.clear()
        found = _named[(handle, name)] = (people.bot_hints(handle, name), people.brand_hints(handle, name))
    return found


def _values(plan: _Plan, person: Identity, flags: Flags, behaviour: list[str], previous: int,
            engine: Engine, fp: str, answerer: Identity | None = None) -> dict[str, Any]:
    conv, own, person_msgs, unanswered, basis = plan.conv, plan.own, plan.person_msgs, plan.unanswered, plan.basis
    last_reply_at = plan.last_reply_at
    handle = person.handle
    bot, brand = _name_hints(handle, person.name)
    facts = score.Facts(
        signals=[_signals(m) for m in basis],
        role=person_msgs[0].role if own else "person",
        to_me=any(m.to_me for m in basis), addressees=max(people.addressees(m.text) for m in basis),
        person_bot=None if person.bot is None else bool(person.bot),
        bot_hints=bot + behaviour,
        brand_hints=brand,
        previous_conversations=previous, continues=last_reply_at is not None,
        our_reply=None if plan.last_reply is None else _signals(plan.last_reply),
        vip=any(handles.matches(h, engine.vip) for h in flags.handles) or flags.vip,
        muted=any(handles.matches(h, engine.muted) for h in flags.handles) or flags.muted,
        followers=person.followers,
        answered_by=answerer.handle if answerer is not None else None,
        weights=engine.weights,
    )
    verdict = score.triage(facts)
    state, until, _ = states.judged(states.State(conv.state, conv.snooze_until, conv.seen_upto), plan.reading)
    latest = basis[-1]
    return {
        "first_at": person_msgs[0].created_at, "last_at": person_msgs[-1].created_at,
        "last_reply_at": last_reply_at, "waiting_since": basis[0].created_at, "latest_mention_id": latest.id,
        "unanswered": len(unanswered), "messages": len(person_msgs),
        "state": state, "active": int(states.active(state)), "snooze_until": until,
        "section": verdict.section, "base_score": round(verdict.score, 4),
        "reasons": _REASONS([_reason(r, plan) for r in verdict.reasons]),
        "lang": _signals(latest).lang or latest.lang, "engine": fp,
    }


def _reason(r: Any, plan: _Plan) -> dict[str, Any]:
    out = r.to_json()
    if r.code == "answered_by_other":
        out["at"] = plan.others[-1].created_at  # "2h ago" is worked out when the queue is read
    return out
