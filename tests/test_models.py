"""The records' contract: a platform's raw JSON and a signal's evidence never take part in
equality, hashing or (raw) repr, as with the dataclass fields they replaced."""

from __future__ import annotations

import pickle
from datetime import datetime, timezone

from h2h.models import Mention, Person, Signals

WHEN = datetime(2026, 11, 22, tzinfo=timezone.utc)


def _person(raw: dict | None) -> Person:
    return Person(source="m", remote_id="1", handle="@ann@x.example", raw=raw)


def test_raw_is_left_out_of_equality_hash_and_repr() -> None:
    a, b = _person({"token_like": "x" * 40}), _person(None)
    assert a == b and not (a != b) and hash(a) == hash(b)
    assert "token_like" not in repr(a) and "@ann@x.example" in repr(a)
    assert a != _person(None)._replace(handle="@bob@x.example")
    m1 = Mention(source="m", platform="mastodon", remote_id="9", author=a, text="hi?", created_at=WHEN, raw={"id": 9})
    m2 = m1._replace(raw=None, author=b)
    assert m1 == m2 and hash(m1) == hash(m2) and len({m1, m2}) == 1
    assert m1 != m1._replace(text="hello?")
    assert "'id': 9" not in repr(m1)


def test_records_of_different_types_or_tuples_are_not_equal() -> None:
    p = _person(None)
    assert p != tuple(p) and p[:-1] != p


def test_evidence_is_left_out_of_equality_but_shown() -> None:
    s1 = Signals(question=0.9, evidence={"question": ("how",)})
    s2 = Signals(question=0.9)
    assert s1 == s2 and hash(s1) == hash(s2)
    assert s1 != Signals(question=0.8)
    assert "how" in repr(s1)
    assert dict(s2.evidence) == {}


def test_records_survive_pickling() -> None:
    m = Mention(source="m", platform="mastodon", remote_id="9", author=_person({"a": 1}), text="hi?", created_at=WHEN,
                raw={"id": 9})
    back = pickle.loads(pickle.dumps(m))
    assert back == m and back.raw == {"id": 9} and back.author.raw == {"a": 1}


def test_engine_survives_pickling_for_spawned_workers() -> None:
    from h2h.triage.engine import Engine

    e = Engine(me=frozenset({"acme"}), weights={"question": 7.0}, sla_s=60.0)
    back = pickle.loads(pickle.dumps(e))
    assert (back.me, dict(back.weights), back.sla_s, back.fingerprint) == (e.me, {"question": 7.0}, 60.0, e.fingerprint)
    assert dict(Engine().weights) == dict(Engine().weights) and Engine().weights is not Engine().weights
