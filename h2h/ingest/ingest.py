"""Ingest: mentions in, stored with their signals, grouped into conversations,
and each touched conversation re-judged. Used by `h2h import`, `h2h fetch`
and the demo. Idempotent on (source, remote_id): twice is the same as once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from h2h import clock
from h2h.ingest import parallel
from h2h.ingest.assign import Conversations, assign, is_standalone, thread_root
from h2h.ingest.judge import Recent, asks, rescore_many
from h2h.ingest.rehome import rehome
from h2h.models import Mention, Person
from h2h.store.common import Encoded, encode
from h2h.triage import handles
from h2h.triage.engine import Engine

if TYPE_CHECKING:
    from h2h.store import Store

BATCH = 500


@dataclass
class IngestReport:
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conversations: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"read": self.read, "new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "conversations": self.conversations,
                "bad": [{"line": line, "message": msg} for line, msg in self.bad]}


@dataclass(frozen=True, slots=True)
class Analyzed:
    """A mention with everything pure already computed and encoded as stored: its
    signals, and its raw JSON (so a worker process can do it and the writer does not)."""

    mention: Mention
    signals: Encoded
    evidence: Encoded
    raw: Encoded | None
    author_raw: Encoded | None


def analyze(engine: Engine, m: Mention) -> Analyzed:
    sig = engine.analyze(m.text, m.lang)
    return Analyzed(m, encode(sig.to_json()), encode({k: list(v) for k, v in sig.evidence.items()}),  # type: ignore[arg-type]
                    encode(m.raw), encode(m.author.raw))


# Between processes an Analyzed travels as a flat tuple: pickling nested frozen
# dataclasses costs more than the signals, and the raw dicts travel encoded only.
def pack(a: Analyzed) -> tuple[Any, ...]:
    m, p = a.mention, a.mention.author
    return (m.source, m.platform, m.remote_id, m.text, m.created_at.isoformat(), m.url, m.in_reply_to, m.thread,
            m.to_me, m.from_me, m.lang, p.source, p.remote_id, p.handle, p.name, p.url, p.bot, p.followers,
            p.created_at.isoformat() if p.created_at else None, str(a.signals), str(a.evidence),
            None if a.raw is None else str(a.raw), None if a.author_raw is None else str(a.author_raw))


def unpack(t: tuple[Any, ...]) -> Analyzed:
    (source, platform, remote_id, text, created_at, url, in_reply_to, thread, to_me, from_me, lang,
     p_source, p_remote_id, handle, name, p_url, bot, followers, p_created_at, sig, ev, raw, author_raw) = t
    author = Person(source=p_source, remote_id=p_remote_id, handle=handle, name=name, url=p_url, bot=bot,
                    followers=followers, created_at=datetime.fromisoformat(p_created_at) if p_created_at else None)
    m = Mention(source=source, platform=platform, remote_id=remote_id, author=author, text=text,
                created_at=datetime.fromisoformat(created_at), url=url, in_reply_to=in_reply_to, thread=thread,
                to_me=to_me, from_me=from_me, lang=lang)
    return Analyzed(m, Encoded(sig), Encoded(ev), None if raw is None else Encoded(raw),
                    None if author_raw is None else Encoded(author_raw))


def analyze_batch(engine: Engine, batch: Sequence[Mention], packed: bool = False) -> list[Any]:
    done = [analyze(engine, m) for m in batch]
    return [pack(a) for a in done] if packed else done


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def ingest(store: Store, mentions: Iterable[Mention], engine: Engine, *, report: IngestReport | None = None,
           batch_size: int = BATCH, after_batch: Callable[[Store, list[Mention]], None] | None = None,
           workers: int = 0) -> IngestReport:
    """Each batch is one transaction; `after_batch` runs inside it (a fetch saves its cursor there).

    With `workers` > 0 and more than one batch, signals are computed in that many
    processes while batches are written; `after_batch` then sees the mentions without `raw`
    (it is stored all the same)."""
    report = report or IngestReport()
    ensure_fresh(store, engine)
    work = partial(analyze_batch, engine, packed=workers > 0)
    recent = Recent()
    for analyzed in parallel.ordered_map(work, _batches(mentions, batch_size), workers=workers):
        if analyzed and not isinstance(analyzed[0], Analyzed):
            analyzed = [unpack(t) for t in analyzed]
        write_batch(store, analyzed, engine, report, after_batch, recent=recent)
    return report


def ingest_analyzed(store: Store, items: Iterable[Analyzed], engine: Engine, *, report: IngestReport | None = None,
                    batch_size: int = BATCH, per_transaction: int = 1) -> IngestReport:
    """Ingest mentions analyzed elsewhere (`h2h import` parses and analyzes in worker processes).

    `per_transaction` batches share one transaction: each batch is still sorted, grouped
    and re-judged on its own (the result is the same), but a bulk import writes each
    index page once per transaction rather than once per batch."""
    report = report or IngestReport()
    ensure_fresh(store, engine)
    recent = Recent()
    for group in _batches(_batches(items, batch_size), per_transaction):
        with store.transaction():
            for batch in group:
                _write(store, batch, engine, report, recent=recent)
    return report


def ingest_batch(store: Store, batch: Sequence[Mention], engine: Engine, report: IngestReport,
                 after_batch: Callable[[Store, list[Mention]], None] | None = None) -> None:
    write_batch(store, analyze_batch(engine, batch), engine, report, after_batch)


class _Batch:
    """What one batch's writes know: stored mentions it refers to, and the rows it adds.

    Lookups answer exactly as the database would at that point of the batch, without
    a query per message: rows added by the batch are inserted together at its end."""

    def __init__(self, store: Store, ordered: Sequence[Analyzed]):
        # Every message grouping asks about: the batch's, what they answer, the first message
        # of their thread as the platform names it.
        keys = [(a.mention.source, a.mention.remote_id) for a in ordered]
        keys += [(a.mention.source, a.mention.in_reply_to) for a in ordered if a.mention.in_reply_to]
        keys += [(a.mention.source, a.mention.thread) for a in ordered if a.mention.thread]
        # Plain dicts: the batch updates them as it edits messages.
        self.stored = {key: m._asdict() for key, m in store.mentions_by_key(keys).items()}
        self.added: dict[tuple[str, str], dict[str, Any]] = {}
        self.rows: list[dict[str, Any]] = []

    def mention(self, source: str, remote_id: str) -> dict[str, Any] | None:
        key = (source, remote_id)
        return self.added.get(key) or self.stored.get(key)


def write_batch(store: Store, batch: Sequence[Analyzed], engine: Engine, report: IngestReport,
                after_batch: Callable[[Store, list[Mention]], None] | None = None, *,
                recent: Recent | None = None) -> None:
    with store.transaction():
        _write(store, batch, engine, report, after_batch, recent=recent)


def _write(store: Store, batch: Sequence[Analyzed], engine: Engine, report: IngestReport,
           after_batch: Callable[[Store, list[Mention]], None] | None = None, *,
           recent: Recent | None = None) -> None:
    """One batch, inside the caller's transaction. `recent` carries people's latest messages
    from one batch to the next."""
    recent = recent or Recent()
    recent.check(store)
    ordered = sorted(batch, key=lambda a: (a.mention.created_at, a.mention.remote_id))
    version = engine.signals_version
    touched: set[int] = set()
    now = clock.iso(clock.now())
    # One upsert per message, in order: the same person rows (and ids) as upserting one by one.
    stamps = {id(a): clock.iso(a.mention.created_at) for a in ordered}
    store.upsert_persons([(a.mention.author, a.mention.platform, stamps[id(a)], a.author_raw) for a in ordered])
    person_ids = store.person_ids((a.mention.author.source, a.mention.author.remote_id) for a in ordered)
    roles = {id(a): handles.role(a.mention.author.handle, a.mention.from_me, engine.me, engine.team,
                               source=a.mention.source, platform=a.mention.platform) for a in ordered}
    known = _Batch(store, ordered)
    convs = _conversations(store, known, ordered, roles, person_ids)
    for a in ordered:
        m = a.mention
        report.read += 1
        role = roles[id(a)]
        person_id = person_ids[(m.author.source, m.author.remote_id)]
        existing = known.mention(m.source, m.remote_id)
        if existing is not None:
            if _same(existing, m, role):
                report.unchanged += 1
                continue
            changes = {"text": m.text, "url": m.url, "lang": m.lang, "raw": a.raw, "role": role,
                       "to_me": int(m.to_me), "from_me": int(m.from_me), "signals": a.signals,
                       "evidence": a.evidence, "engine": version}
            if existing.get("id") is None:  # added by this batch, not yet written
                existing.update(changes)
            else:
                store.update_mention(existing["id"], m, role=role, signals=a.signals, evidence=a.evidence,
                                     engine=version, raw=a.raw)
                recent.edited(existing["person_id"], existing["id"], m.text)
                existing.update(changes)
            report.updated += 1
            if existing["conversation_id"]:
                touched.add(existing["conversation_id"])
            continue
        conv, root = assign(convs, known.mention, m, person_id, role, engine.window_s, stamps[id(a)],
                            partial(asks, a.signals))
        row = {"id": None, "source": m.source, "remote_id": m.remote_id, "platform": m.platform,
               "person_id": person_id, "conversation_id": conv.id if conv else None, "role": role,
               "text": m.text, "url": m.url, "created_at": stamps[id(a)], "created_us": clock.micros(m.created_at),
               "in_reply_to": m.in_reply_to, "thread": m.thread, "thread_root": root,
               "to_me": int(m.to_me), "from_me": int(m.from_me), "lang": m.lang, "raw": a.raw,
               "signals": a.signals, "evidence": a.evidence, "engine": version, "ingested_at": now}
        known.added[(m.source, m.remote_id)] = row
        known.rows.append(row)
        report.new += 1
        if conv is not None:
            touched.add(conv.id)
    convs.flush()
    first = store.next_mention_id()
    for i, row in enumerate(known.rows):
        row["id"] = first + i  # the ids SQLite would give them, known before they are inserted
    store.insert_mentions(known.rows)
    recent.added(known.rows)
    touched |= rehome(store, known.rows)
    rescore_many(store, touched, engine, recent=recent)
    report.conversations += len(touched)
    if after_batch is not None:
        after_batch(store, [a.mention for a in batch])


def _conversations(store: Store, known: _Batch, ordered: Sequence[Analyzed], roles: dict[int, str],
                   person_ids: dict[tuple[str, str], int]) -> Conversations:
    """The batch's conversations, with those its new messages will likely ask for fetched at once.
    A thread root is guessed before grouping (a reply to a message that joins an earlier post
    takes that post's root): a wrong guess only costs the query it would have saved."""
    roots: dict[tuple[str, str], dict[str, str]] = {}

    def mention(source: str, remote_id: str) -> dict[str, Any] | None:
        return roots.get((source, remote_id)) or known.stored.get((source, remote_id))

    standalone, threads, answered = set(), set(), set()
    for a in ordered:
        m = a.mention
        key = (m.source, m.remote_id)
        if key in known.stored or key in roots:
            continue
        roots[key] = {"thread_root": thread_root(mention, m)}
        person_id = person_ids[(m.author.source, m.author.remote_id)]
        alone = is_standalone(m)
        if roles[id(a)] == "person" and alone:
            standalone.add((m.source, person_id))
        if roles[id(a)] == "person" or alone:
            threads.add((m.source, roots[key]["thread_root"], person_id))
        # The conversations a reply may continue: those of what it answers and of its thread's first message.
        if not alone:
            for near in ((m.source, m.in_reply_to), (m.source, m.thread)):
                parent = known.stored.get(near)  # type: ignore[arg-type]
                if parent is not None and parent["conversation_id"]:
                    answered.add(parent["conversation_id"])
    return Conversations(store, standalone, threads, answered)


def _same(row: dict[str, Any], m: Mention, role: str) -> bool:
    return (row["text"] == m.text and row["url"] == m.url and row["lang"] == m.lang and row["role"] == role
            and bool(row["to_me"]) == m.to_me and bool(row["from_me"]) == m.from_me)


def _stale(store: Store, version: str, size: int = 1000) -> Iterator[list[tuple[int, str, str | None]]]:
    after = 0
    while True:
        rows = store.mentions_needing_signals(version, size, after)
        if not rows:
            return
        after = rows[-1][0]
        yield rows


def _analyze_rows(engine: Engine, rows: Sequence[tuple[int, str, str | None]]) -> list[tuple[int, str, str]]:
    out = []
    for mention_id, text, lang in rows:
        sig = engine.analyze(text, lang)
        out.append((mention_id, str(encode(sig.to_json())),
                    str(encode({k: list(v) for k, v in sig.evidence.items()}))))
    return out


def ensure_fresh(store: Store, engine: Engine, progress: Callable[[int], None] | None = None) -> int:
    """Recompute stale signals and verdicts after an engine or config change; returns how many.
    Signals of more than a thousand messages are computed in worker processes."""
    fingerprint = engine.fingerprint
    if store.get_meta("engine") == fingerprint:
        return 0
    version = engine.signals_version
    work = partial(_analyze_rows, engine)
    for computed in parallel.ordered_map(work, _stale(store, version), workers=parallel.default_workers()):
        with store.transaction():
            store.set_mentions_signals([(Encoded(sig), Encoded(ev), version, mention_id)
                                        for mention_id, sig, ev in computed])
    count, after = 0, 0
    while True:
        ids = store.conversation_ids(after, 1000)
        if not ids:
            break
        with store.transaction():
            rescore_many(store, ids, engine)
        count += len(ids)
        after = ids[-1]
        if progress:
            progress(count)
    with store.transaction():
        store.set_meta("engine", fingerprint)
    return count
