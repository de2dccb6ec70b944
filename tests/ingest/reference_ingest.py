"""The test oracle for h2h/ingest/ingest.py: ingest as first written, one query at a
time, kept verbatim. test_ingest_equivalence.py checks that the batched, parallel
ingest leaves exactly the same database as this. If ingest's behaviour changes on
purpose, change it here in the same commit.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Callable, Iterable, Iterator, Sequence

from h2h import clock
from h2h.ingest.ingest import IngestReport  # the counts' container, not logic under test
from h2h.models import Mention, Signals
from h2h.store import Store
from h2h.store.queries import Row
from h2h.triage import handles, people, score
from h2h.triage.engine import Engine

BATCH = 500


def _batches(items: Iterable[Mention], size: int) -> Iterator[list[Mention]]:
    batch: list[Mention] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def ingest(store: Store, mentions: Iterable[Mention], engine: Engine, *, report: IngestReport | None = None,
           batch_size: int = BATCH, after_batch: Callable[[Store, list[Mention]], None] | None = None) -> IngestReport:
    """Each batch is one transaction; `after_batch` runs inside it (a fetch saves its cursor there)."""
    report = report or IngestReport()
    ensure_fresh(store, engine)
    for batch in _batches(mentions, batch_size):
        ingest_batch(store, batch, engine, report, after_batch)
    return report


def ingest_batch(store: Store, batch: Sequence[Mention], engine: Engine, report: IngestReport,
                 after_batch: Callable[[Store, list[Mention]], None] | None = None) -> None:
    # Signals are pure and the slow part: computed before the write transaction opens.
    ordered = sorted(batch, key=lambda m: (m.created_at, m.remote_id))
    prepared = [(m, engine.analyze(m.text, m.lang)) for m in ordered]
    version = engine.signals_version
    with store.transaction():
        touched: set[int] = set()
        now = clock.iso(clock.now())
        for m, sig in prepared:
            report.read += 1
            role = handles.role(m.author.handle, m.from_me, engine.me, engine.team)
            person_id = store.upsert_person(m.author, m.platform, clock.iso(m.created_at))
            existing = store.mention(m.source, m.remote_id)
            sig_json, ev_json = sig.to_json(), {k: list(v) for k, v in sig.evidence.items()}
            if existing is not None:
                if _same(existing, m, role):
                    report.unchanged += 1
                    continue
                store.update_mention(existing["id"], m, role=role, signals=sig_json, evidence=ev_json, engine=version)
                report.updated += 1
                if existing["conversation_id"]:
                    touched.add(existing["conversation_id"])
                continue
            conv, root = _assign(store, m, person_id, role, engine)
            store.insert_mention(m, person_id=person_id, conversation_id=conv["id"] if conv else None, role=role,
                                 thread_root=root, signals=sig_json, evidence=ev_json, engine=version,
                                 ingested_at=now)
            report.new += 1
            if conv is not None:
                touched.add(conv["id"])
        for conv_id in sorted(touched):
            rescore(store, store.conversation_by_id(conv_id), engine)
        report.conversations += len(touched)
        if after_batch is not None:
            after_batch(store, list(batch))


def _same(row: Row, m: Mention, role: str) -> bool:
    return (row["text"] == m.text and row["url"] == m.url and row["lang"] == m.lang and row["role"] == role
            and bool(row["to_me"]) == m.to_me and bool(row["from_me"]) == m.from_me)


def _thread_root(store: Store, m: Mention) -> str:
    if m.thread and m.thread != m.remote_id:
        return m.thread
    if m.in_reply_to:
        parent = store.mention(m.source, m.in_reply_to)
        return parent["thread_root"] if parent else m.in_reply_to
    return m.remote_id


def _assign(store: Store, m: Mention, person_id: int, role: str, engine: Engine) -> tuple[Row | None, str]:
    """The conversation a new message belongs to, and its thread root."""
    standalone = m.in_reply_to is None and (m.thread is None or m.thread == m.remote_id)
    root = _thread_root(store, m)
    at = clock.iso(m.created_at)
    if role == "person" and standalone:
        last = store.latest_standalone(m.source, person_id)
        if last is not None and _joins(last, m, engine.window_s):
            return last, last["thread_root"]
    if role == "person" or standalone:
        conv = store.find_conversation(m.source, root, person_id)
        if conv is None:
            conv = store.create_conversation(source=m.source, platform=m.platform, person_id=person_id,
                                             person_remote_id=m.author.remote_id, thread_root=root,
                                             standalone=standalone, first_at=at)
        return conv, root
    # Our reply (or a teammate's): it belongs to the conversation it answers.
    parent = store.mention(m.source, m.in_reply_to) if m.in_reply_to else None
    if parent is not None and parent["role"] == "person" and parent["conversation_id"]:
        return store.conversation_by_id(parent["conversation_id"]), root
    for conv in store.thread_conversations(m.source, root):
        if conv["first_at"] <= at:
            return conv, root
    return None, root


def _joins(conv: Row, m: Mention, window_s: float) -> bool:
    """Consecutive standalone posts of one person, close in time, are one conversation."""
    if conv["last_reply_at"] and conv["last_reply_at"] >= conv["last_at"]:
        return False  # we answered; a new post is a new conversation
    last = clock.from_iso(conv["last_at"])
    first = clock.from_iso(conv["first_at"])
    window = timedelta(seconds=window_s)
    return first - window <= m.created_at <= last + window


def _signals(row: Row) -> Signals:
    data = json.loads(row["signals"]) if row["signals"] else {}
    evidence = json.loads(row["evidence"]) if row["evidence"] else {}
    return Signals.from_json(data, evidence)


def rescore(store: Store, conv: Row, engine: Engine) -> None:
    """Recompute a conversation's state, section, base score and reasons from its messages."""
    messages = store.conversation_messages(conv)
    mine = [m for m in messages if m["conversation_id"] == conv["id"]]
    if not mine:
        return
    own = all(m["role"] != "person" for m in mine)
    person_msgs = mine if own else [m for m in mine if m["role"] == "person"]
    replies = [] if own else [m for m in messages if m["role"] != "person"]
    last_reply = max(replies, key=lambda r: (r["created_at"], r["id"]), default=None)
    last_reply_at = None if last_reply is None else last_reply["created_at"]
    unanswered = [m for m in person_msgs if last_reply_at is None or m["created_at"] > last_reply_at]
    basis = unanswered or person_msgs
    person = store.person(conv["person_id"])
    flags = store.group_flags(conv["person_id"])
    handle = person["handle"]
    previous = store.previous_conversations(conv["person_id"], person_msgs[0]["created_at"])
    facts = score.Facts(
        signals=[_signals(m) for m in basis],
        role=person_msgs[0]["role"] if own else "person",
        to_me=any(m["to_me"] for m in basis), addressees=max(people.addressees(m["text"]) for m in basis),
        person_bot=None if person["bot"] is None else bool(person["bot"]),
        bot_hints=people.bot_hints(handle, person["name"])
        + people.behaviour_hints(store.person_recent(person["id"]), platform=person["platform"]),
        brand_hints=people.brand_hints(handle, person["name"]),
        previous_conversations=previous, continues=last_reply_at is not None,
        our_reply=None if last_reply is None else _signals(last_reply),
        vip=any(handles.matches(h, engine.vip) for h in flags["handles"]) or flags["vip"],
        muted=any(handles.matches(h, engine.muted) for h in flags["handles"]) or flags["muted"],
        followers=person["followers"],
        weights=engine.weights,
    )
    verdict = score.triage(facts)

    state, mark, until = conv["state"], conv["state_mark"], conv["snooze_until"]
    newest = person_msgs[-1]["created_at"]
    if not own:
        if not unanswered:
            if state in ("open", "snoozed") and (mark is None or last_reply_at > mark):
                state, until = "answered", None
        elif state == "answered":
            state = "open"
        elif state in ("done", "snoozed") and mark is not None and newest > mark:
            state, until = "open", None  # a new message from the person reopens it
    latest = basis[-1]
    store.save_conversation(conv["id"], {
        "first_at": person_msgs[0]["created_at"], "last_at": newest, "last_reply_at": last_reply_at,
        "waiting_since": basis[0]["created_at"], "latest_mention_id": latest["id"],
        "unanswered": len(unanswered), "messages": len(person_msgs),
        "state": state, "active": int(state in ("open", "snoozed")), "snooze_until": until,
        "section": verdict.section, "base_score": round(verdict.score, 4),
        "reasons": json.dumps([r.to_json() for r in verdict.reasons], ensure_ascii=False),
        "lang": _signals(latest).lang or latest["lang"], "engine": engine.fingerprint,
    })


def ensure_fresh(store: Store, engine: Engine, progress: Callable[[int], None] | None = None) -> int:
    """Recompute stale signals and verdicts after an engine or config change; returns how many."""
    fingerprint = engine.fingerprint
    if store.get_meta("engine") == fingerprint:
        return 0
    version = engine.signals_version
    while True:
        rows = store.mentions_needing_signals(version, 1000)
        if not rows:
            break
        computed = [(r["id"], engine.analyze(r["text"], r["lang"])) for r in rows]
        with store.transaction():
            for mention_id, sig in computed:
                store.set_mention_signals(mention_id, sig.to_json(),
                                          {k: list(v) for k, v in sig.evidence.items()}, version)
    count, after = 0, 0
    while True:
        ids = store.conversation_ids(after, 1000)
        if not ids:
            break
        with store.transaction():
            for conv_id in ids:
                rescore(store, store.conversation_by_id(conv_id), engine)
        count += len(ids)
        after = ids[-1]
        if progress:
            progress(count)
    with store.transaction():
        store.set_meta("engine", fingerprint)
    return count
