"""The fast ingest (batched queries, worker processes, grouped transactions) must
leave exactly the database the one-query-at-a-time ingest leaves: same rows, same
ids, same verdicts, whatever the order, duplicates and updates in the input."""

from __future__ import annotations

import importlib.util
import random
import sqlite3
from pathlib import Path

import pytest

from h2h.ingest import bulk, ingest
from h2h.sources.jsonl import parse_record
from h2h.store import Store
from h2h.store.sqlite import SQLiteStore
from h2h.triage.engine import Engine
from h2h.triage.handles import account_set, handle_set
from tests.ingest import reference_ingest

ROOT = Path(__file__).resolve().parents[2]


def _synth():
    spec = importlib.util.spec_from_file_location("synth", ROOT / "bench" / "synth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


ENGINE = Engine(me=account_set(["@acme@mastodon.social", "acme.bsky.social", "github:acme", "reddit:acme_team",
                               "acme@lemmy.world"]),
                team=account_set(["@jo@mastodon.social", "gh:jo-acme"]), vip=handle_set(["zoe1"]))


def corpus(n: int, seed: int):
    """Synthetic mentions, then the disorder real sources produce: late deliveries,
    the same post twice, edits, replies arriving before what they answer."""
    rng = random.Random(seed)
    mentions = [parse_record(r) for r in _synth().Generator(seed=seed, count=n, persons=max(20, n // 8))]
    out = list(mentions)
    for _ in range(n // 10):
        i, j = rng.randrange(len(out)), rng.randrange(len(out))
        out[i], out[j] = out[j], out[i]
    for m in rng.sample(mentions, n // 15):
        out.insert(rng.randrange(len(out)), m)  # exact duplicate
    for m in rng.sample(mentions, n // 15):
        edited = m._replace(text=m.text + " (edited)", to_me=not m.to_me)
        out.insert(rng.randrange(len(out)), edited)
    return out


def dump(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%' AND name != '_h2h_migrations'")]
    # Full-text search indexes (and their shadow tables) are derived from the tables compared here.
    virtual = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")]
    tables = [t for t in tables if not any(t == v or t.startswith(v + "_") for v in virtual)]
    data = {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    conn.close()
    return data


def _flags(store: Store) -> None:
    with store.transaction():
        store.conn.execute("INSERT INTO person_flags (source, remote_id, vip, muted, updated_at) "
                           "VALUES ('masto', 'u3', 1, 0, 'x'), ('gh', 'u5', 0, 1, 'x')")


def _reference(path: Path, items, batch: int) -> dict:
    with SQLiteStore.open(path) as store:
        _flags(store)
        reference_ingest.ingest(store, items, ENGINE, batch_size=batch)
    return dump(path)


@pytest.mark.parametrize("seed,batch", [(1, 7), (2, 50), (3, 500)])
def test_same_database_as_one_query_at_a_time(tmp_path: Path, seed: int, batch: int) -> None:
    items = corpus(900, seed)
    expected = _reference(tmp_path / "ref.db", items, batch)
    with SQLiteStore.open(tmp_path / "new.db") as store:
        _flags(store)
        report = ingest.ingest(store, items, ENGINE, batch_size=batch)
    assert dump(tmp_path / "new.db") == expected
    assert report.read == len(items) and report.unchanged > 0 and report.updated > 0


def test_same_database_with_workers_and_grouped_transactions(tmp_path: Path) -> None:
    items = corpus(700, 4)
    expected = _reference(tmp_path / "ref.db", items, 40)
    with SQLiteStore.open(tmp_path / "pool.db") as store:
        _flags(store)
        ingest.ingest(store, items, ENGINE, batch_size=40, workers=2)
    assert dump(tmp_path / "pool.db") == expected
    analyzed = [ingest.analyze(ENGINE, m) for m in items]
    with SQLiteStore.open(tmp_path / "grouped.db") as store:
        _flags(store)
        ingest.ingest_analyzed(store, analyzed, ENGINE, batch_size=40, per_transaction=6)
    assert dump(tmp_path / "grouped.db") == expected


def test_import_lines_in_workers_same_as_reference(tmp_path: Path) -> None:
    import io
    import json

    records = list(_synth().Generator(seed=5, count=600, persons=60))
    lines = [json.dumps(r, ensure_ascii=False).encode() for r in records]
    lines.insert(17, b"{not json")
    lines.insert(300, b"")
    expected = _reference(tmp_path / "ref.db", [parse_record(r) for r in records], 50)
    with SQLiteStore.open(tmp_path / "new.db") as store:
        _flags(store)
        report = bulk.ingest_lines(store, io.BytesIO(b"\n".join(lines) + b"\n"), ENGINE, workers=2,
                                     batch_size=50, per_transaction=4)
    assert [line for line, _ in report.bad] == [18]
    assert dump(tmp_path / "new.db") == expected


def test_reimport_changes_nothing(tmp_path: Path) -> None:
    items = corpus(300, 6)
    with SQLiteStore.open(tmp_path / "a.db") as store:
        ingest.ingest(store, items, ENGINE, batch_size=64)
        before = dump(tmp_path / "a.db")
        report = ingest.ingest(store, items, ENGINE, batch_size=64)
    assert report.new == 0
    after = dump(tmp_path / "a.db")
    assert after["mentions"] == before["mentions"] and after["persons"] == before["persons"]


@pytest.mark.parametrize("workers", ["0", "2"])
def test_recompute_after_an_engine_change_same_as_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            workers: str) -> None:
    """A new signals engine (here: other languages) recomputes every stored message;
    done in worker processes, it must give the reference's database."""
    monkeypatch.setenv("H2H_WORKERS", workers)
    items = corpus(2500, 8)
    other = Engine(me=ENGINE.me, team=ENGINE.team, vip=ENGINE.vip, languages=("fr", "en", "de"), weights={**ENGINE.weights, "question": 7.0})
    dbs = {}
    for name, module in (("ref", reference_ingest), ("new", ingest)):
        path = tmp_path / f"{name}.db"
        with SQLiteStore.open(path) as store:
            _flags(store)
            reference_ingest.ingest(store, items, ENGINE, batch_size=100)
            assert module.ensure_fresh(store, other) > 0
        dbs[name] = dump(path)
    assert dbs["new"] == dbs["ref"]


def _decide(store: Store) -> None:
    """What a user does between two imports: joins identities of one human (some of them
    busy writers), marks a VIP, closes and snoozes conversations."""
    conn = store.conn
    busy = conn.execute("""SELECT p.source, p.remote_id FROM persons p JOIN conversations c ON c.person_id = p.id
                           GROUP BY p.id ORDER BY count(*) DESC, p.id LIMIT 6""").fetchall()
    mid = conn.execute("SELECT created_at FROM mentions ORDER BY created_at LIMIT 1 OFFSET "
                       "(SELECT count(*) / 2 FROM mentions)").fetchone()[0]
    with store.transaction():
        store.link_roots(tuple(busy[0]), tuple(busy[1]))
        store.link_roots(tuple(busy[0]), tuple(busy[2]))
        store.link_roots(tuple(busy[3]), tuple(busy[4]))
        store.set_person_flags(busy[3][0], busy[3][1], vip=True, note="met at the fair")
        ids = [r[0] for r in conn.execute("SELECT id FROM conversations ORDER BY id")]
        for conv_id in ids[::5]:
            store.save_conversation(conv_id, {"state": "done", "active": 0, "state_mark": mid, "snooze_until": None})
        for conv_id in ids[2::7]:
            store.save_conversation(conv_id, {"state": "snoozed", "active": 1, "state_mark": mid,
                                              "snooze_until": "2030-01-01T00:00:00Z"})


@pytest.mark.parametrize("seed", [9, 10])
def test_same_database_after_user_decisions_and_linked_people(tmp_path: Path, seed: int) -> None:
    """Between two imports the user links identities, flags a VIP, closes and snoozes
    conversations: the second import judges them as the reference does."""
    items = corpus(1200, seed)
    first, second = items[: len(items) // 2], items[len(items) // 2:]
    second += [m._replace(text=m.text + " (edited again)") for m in first[::9]]
    dbs = {}
    for name in ("ref", "new"):
        path = tmp_path / f"{name}.db"
        with SQLiteStore.open(path) as store:
            _flags(store)
            reference_ingest.ingest(store, first, ENGINE, batch_size=60)
            _decide(store)
            if name == "ref":
                reference_ingest.ingest(store, second, ENGINE, batch_size=60)
            else:
                ingest.ingest_analyzed(store, [ingest.analyze(ENGINE, m) for m in second], ENGINE, batch_size=60,
                                       per_transaction=3)
        dbs[name] = dump(path)
    assert dbs["new"] == dbs["ref"]
    assert any(row for row in dbs["ref"]["person_links"])


def test_an_edit_changes_what_behaviour_is_judged_on(tmp_path: Path) -> None:
    """People's latest messages are kept from batch to batch: an edit arriving in a later
    batch (here one that makes five identical posts four) must reach them."""
    def rec(i: int, text: str) -> dict:
        return {"id": f"p{i}", "source": "masto", "platform": "mastodon", "text": text,
                "created_at": f"2026-03-0{1 + i // 3}T{10 + i % 3 * 5:02d}:00:00Z",
                "author": {"id": "b1", "handle": "@offers@shop.example", "name": "Offers"}}
    first = [parse_record(rec(i, "Check out my great offer today")) for i in range(5)]
    later = [parse_record(rec(2, "Something else entirely, sorry")),
             parse_record({"id": "r1", "source": "masto", "platform": "mastodon", "text": "@offers no thanks",
                           "created_at": "2026-03-03T09:00:00Z", "in_reply_to": "p4", "from_me": True,
                           "author": {"id": "9", "handle": "@acme@mastodon.social", "name": "Acme"}})]
    before = _reference(tmp_path / "before.db", first, 5)
    assert all("same text 5 times" in row[20] for row in before["conversations"])
    expected = _reference(tmp_path / "ref.db", first + later, 5)
    answered = [row for row in expected["conversations"] if row[14] == "answered"]  # judged again in batch 2
    assert answered and not any("same text" in row[20] for row in answered)
    with SQLiteStore.open(tmp_path / "new.db") as store:
        _flags(store)
        ingest.ingest(store, first + later, ENGINE, batch_size=5)
    assert dump(tmp_path / "new.db") == expected
