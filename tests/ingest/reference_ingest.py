"""The test oracle for h2h/ingest/ingest.py: ingest one query at a time, written
plainly. test_ingest_equivalence.py checks that the batched, parallel ingest leaves
exactly the same database as this. If ingest's behaviour changes on purpose, change
it here in the same commit.

What is under test is batching, so the rules that are not about it are shared: the
platform's order (h2h/app/order.py) and the state machine (h2h/app/states.py), both
pure and tested on their own (tests/app/). How messages are grouped, read and placed
again once their parent arrives is written here again, without the batch's caches.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Callable, Iterable, Iterator, Sequence

from h2h import clock
from h2h.app import order, states
from h2h.ingest.ingest import IngestReport  # the counts' container, not logic under test
from h2h.models import Conversation, Mention, Signals, StoredMention, ThreadMessage
from h2h.store.sqlite import SQLiteStore as Store
from h2h.triage import handles, people, score
from h2h.triage.engine import Engine
from tests.store import writes

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
        added: list[tuple[str, str]] = []
        now = clock.iso(clock.now())
        for m, sig in prepared:
            report.read += 1
            role = handles.role(m.author.handle, m.from_me, engine.me, engine.team, source=m.source, platform=m.platform)
            person_id = writes.upsert_person(store, m.author, m.platform, clock.iso(m.created_at))
            existing = store.mention(m.source, m.remote_id)
            sig_json, ev_json = sig.to_json(), {k: list(v) for k, v in sig.evidence.items()}
            if existing is not None:
                if _same(existing, m, role):
                    report.unchanged += 1
                    continue
                store.update_mention(existing.id, m, role=role, signals=sig_json, evidence=ev_json, engine=version)
                report.updated += 1
                if existing.conversation_id:
                    touched.add(existing.conversation_id)
                continue
            conv, root = _assign(store, m, person_id, role, engine, score.asks(sig))
            writes.insert_mention(store, m, person_id=person_id, conversation_id=conv.id if conv else None, role=role,
                                 thread_root=root, signals=sig_json, evidence=ev_json, engine=version,
                                 ingested_at=now)
            added.append((m.source, m.remote_id))
            report.new += 1
            if conv is not None:
                touched.add(conv.id)
        for source, remote_id in added:
            touched |= _place_again(store, source, remote_id)
        for conv_id in sorted(touched):
            conv = store.conversations_by_ids([conv_id]).get(conv_id)
            if conv is not None:
                rescore(store, conv, engine)
        report.conversations += len(touched)
        if after_batch is not None:
            after_batch(store, list(batch))


def _same(row: StoredMention, m: Mention, role: str) -> bool:
    return (row.text == m.text and row.url == m.url and row.lang == m.lang and row.role == role
            and bool(row.to_me) == m.to_me and bool(row.from_me) == m.from_me)


def _thread_root(store: Store, m: Mention) -> str:
    if m.thread and m.thread != m.remote_id:
        return m.thread
    if m.in_reply_to:
        parent = store.mention(m.source, m.in_reply_to)
        return parent.thread_root if parent else m.in_reply_to
    return m.remote_id


def _assign(store: Store, m: Mention, person_id: int, role: str, engine: Engine,
            asks: bool) -> tuple[Conversation | None, str]:
    """The conversation a new message belongs to, and its thread root."""
    standalone = m.in_reply_to is None and (m.thread is None or m.thread == m.remote_id)
    root = _thread_root(store, m)
    at = clock.iso(m.created_at)
    if role == "person" and standalone:
        last = store.latest_standalone(m.source, person_id)
        if last is not None and _joins(last, m, engine.window_s):
            return last, last.thread_root
    parent = store.mention(m.source, m.in_reply_to) if m.in_reply_to else None
    if role == "person" and not standalone:
        for known in (parent, store.mention(m.source, m.thread) if m.thread else None):
            if known is not None and known.conversation_id:
                conv = store.conversation_by_id(known.conversation_id)
                if conv.person_id == person_id:
                    return conv, conv.thread_root
    if role == "person" or standalone:
        conv = store.find_conversation(m.source, root, person_id)
        if conv is None:
            if role == "person" and _answers_another(parent, person_id) and not asks:
                return None, root
            conv = writes.create_conversation(store, source=m.source, platform=m.platform, person_id=person_id,
                                             person_remote_id=m.author.remote_id, thread_root=root,
                                             standalone=standalone, first_at=at)
        return conv, root
    # Our reply (or a teammate's): it belongs to the conversation it answers.
    if parent is not None and parent.role == "person" and parent.conversation_id:
        return store.conversation_by_id(parent.conversation_id), root
    for conv in store.thread_conversations(m.source, root):
        if conv.first_at <= at:
            return conv, root
    return None, root


def _answers_another(parent: StoredMention | None, person_id: int) -> bool:
    return (parent is not None and parent.role == "person"
            and (parent.person_id != person_id or parent.conversation_id is None))


def _asks(row: StoredMention) -> bool:
    return score.asks(Signals.from_json(json.loads(row.signals) if row.signals else {}))


def _place_again(store: Store, source: str, remote_id: str) -> set[int]:
    """Replies stored before this message: their guessed root becomes its root, and their
    conversations join the one they belong to (see h2h/ingest/rehome.py)."""
    x = store.mention(source, remote_id)
    assert x is not None
    root = x.thread_root
    mine = store.conversation_by_id(x.conversation_id) if x.conversation_id else None
    touched: set[int] = set()
    rooted = [r for r in store.conn.execute("SELECT id FROM conversations WHERE source = ? AND thread_root = ? "
                                            "ORDER BY id", (source, remote_id))]
    for (conv_id,) in rooted:
        conv = store.conversation_by_id(conv_id)
        rows = [store.mention(source, r) for (r,) in store.conn.execute(
            "SELECT remote_id FROM mentions WHERE conversation_id = ? ORDER BY id", (conv.id,))]
        if conv.id == x.conversation_id or not rows or rows[0].id > x.id:
            continue
        if mine is not None and mine.person_id == conv.person_id:
            target = mine
        elif root != remote_id:
            target = store.find_conversation(source, root, conv.person_id)
        else:
            target = None
        if target is not None and target.id != conv.id:
            for r in rows:
                _place(store, target.id, target.thread_root, r.id)
            store.conn.execute("DELETE FROM conversations WHERE id = ?", (conv.id,))
            touched.add(target.id)
        elif _answers_another(x, conv.person_id) and not any(_asks(r) for r in rows if r.role == "person"):
            for r in rows:
                to = None if r.role == "person" or mine is None else mine.id
                _place(store, to, root if r.thread_root == remote_id else r.thread_root, r.id)
                if to is not None:
                    touched.add(to)
            store.conn.execute("DELETE FROM conversations WHERE id = ?", (conv.id,))
        elif root != remote_id:
            store.save_conversation(conv.id, {"thread_root": root})
            touched.add(conv.id)
    if root != remote_id:
        for mid, conv_id, role, parent_id in store.conn.execute(
                "SELECT id, conversation_id, role, in_reply_to FROM mentions WHERE source = ? "
                "AND thread_root = ? ORDER BY id", (source, remote_id)).fetchall():
            if conv_id is None and role != "person" and parent_id:
                # our reply stored before what it answers goes where that message is
                parent = store.conn.execute("SELECT conversation_id FROM mentions WHERE source = ? AND remote_id = ?",
                                            (source, parent_id)).fetchone()
                conv_id = parent[0] if parent else None
            _place(store, conv_id, root, mid)
            if conv_id is not None:
                touched.add(conv_id)
    return touched


def _place(store: Store, conv_id: int | None, root: str, mention_id: int) -> None:
    store.conn.execute("UPDATE mentions SET conversation_id = ?, thread_root = ? WHERE id = ?",
                       (conv_id, root, mention_id))


def _joins(conv: Conversation, m: Mention, window_s: float) -> bool:
    """Consecutive standalone posts of one person, close in time, are one conversation."""
    if conv.last_reply_at and not conv.unanswered:
        return False  # we answered; a new post is a new conversation
    last = clock.from_iso(conv.last_at)
    first = clock.from_iso(conv.first_at)
    window = timedelta(seconds=window_s)
    return first - window <= m.created_at <= last + window


def _signals(row: ThreadMessage) -> Signals:
    data = json.loads(row.signals) if row.signals else {}
    evidence = json.loads(row.evidence) if row.evidence else {}
    return Signals.from_json(data, evidence)


def rescore(store: Store, conv: Conversation, engine: Engine) -> None:
    """Recompute a conversation's state, section, base score and reasons from its messages."""
    messages = order.ordered(store.conversation_messages(conv), conv.platform)
    mine = [m for m in messages if m.conversation_id == conv.id]
    if not mine:
        return
    own = all(m.role != "person" for m in mine)
    person_msgs = mine if own else [m for m in mine if m.role == "person"]
    unanswered: list[ThreadMessage] = []
    last_reply = None
    for m in messages:
        if own:
            break
        if m.role != "person":
            last_reply, unanswered = m, []
        elif m.conversation_id == conv.id:
            unanswered.append(m)
    last_reply_at = last_reply.created_at if last_reply is not None else None
    basis = unanswered or person_msgs
    begun = next(i for i, m in enumerate(messages) if m.id == basis[0].id)
    others = [m for m in messages[begun:] if m.role == "person" and m.conversation_id != conv.id]
    person = store.person(conv.person_id)
    flags = store.group_flags(conv.person_id)
    handle = person.handle
    previous = store.previous_conversations(conv.person_id, person_msgs[0].created_at)
    facts = score.Facts(
        signals=[_signals(m) for m in basis],
        role=person_msgs[0].role if own else "person",
        to_me=any(m.to_me for m in basis), addressees=max(people.addressees(m.text) for m in basis),
        person_bot=None if person.bot is None else bool(person.bot),
        bot_hints=people.bot_hints(handle, person.name)
        + people.behaviour_hints(writes.person_recent(store, person.id), platform=person.platform),
        brand_hints=people.brand_hints(handle, person.name),
        previous_conversations=previous, continues=last_reply_at is not None,
        our_reply=None if last_reply is None else _signals(last_reply),
        vip=any(handles.matches(h, engine.vip) for h in flags.handles) or flags.vip,
        muted=any(handles.matches(h, engine.muted) for h in flags.handles) or flags.muted,
        followers=person.followers,
        answered_by=store.person(others[-1].person_id).handle if others else None,
        weights=engine.weights,
    )
    verdict = score.triage(facts)
    reading = states.Messages(own=own, waiting=[m.id for m in unanswered],
                              replies=[] if own else [m.id for m in messages if m.role != "person"])
    state, until, _ = states.judged(states.State(conv.state, conv.snooze_until, conv.seen_upto), reading)
    newest = person_msgs[-1].created_at
    reasons = [r.to_json() for r in verdict.reasons]
    for r in reasons:
        if r["code"] == "answered_by_other":
            r["at"] = others[-1].created_at
    latest = basis[-1]
    store.save_conversation(conv.id, {
        "first_at": person_msgs[0].created_at, "last_at": newest, "last_reply_at": last_reply_at,
        "waiting_since": basis[0].created_at, "latest_mention_id": latest.id,
        "unanswered": len(unanswered), "messages": len(person_msgs),
        "state": state, "active": int(state in ("open", "snoozed")), "snooze_until": until,
        "section": verdict.section, "base_score": round(verdict.score, 4),
        "reasons": json.dumps(reasons, ensure_ascii=False),
        "lang": _signals(latest).lang or latest.lang, "engine": engine.fingerprint,
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
        computed = [(mention_id, engine.analyze(text, lang)) for mention_id, text, lang in rows]
        with store.transaction():
            for mention_id, sig in computed:
                writes.set_mention_signals(store, mention_id, sig.to_json(),
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
