"""Properties that must hold for any input: scoring is deterministic, never
crashes on any string, and never ranks a conversation lower for having waited
longer, all else equal."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from h2h import clock
from h2h.models import SIGNAL_NAMES, Signals
from h2h.triage import features, lang, score, signals
from h2h.triage.engine import Engine
from h2h.triage.weights import DEFAULT_WEIGHTS

texts = st.text(max_size=400) | st.sampled_from([
    "", "?", "\u2028", "RT @a: b", "@@@@", "https://", "ééé", "👍" * 50, "a" * 3000, "\x00", "'" * 20, "é" * 10,
])
values = st.floats(0.0, 1.0, allow_nan=False)
signal_sets = st.builds(lambda vs, lang_: Signals(**dict(zip(SIGNAL_NAMES, vs)), lang=lang_),
                        st.lists(values, min_size=len(SIGNAL_NAMES), max_size=len(SIGNAL_NAMES)),
                        st.sampled_from([None, "en", "fr"]))
facts = st.builds(
    score.Facts,
    signals=st.lists(signal_sets, min_size=1, max_size=4),
    role=st.sampled_from(["person", "me", "team"]),
    to_me=st.booleans(),
    addressees=st.integers(0, 30),
    person_bot=st.sampled_from([None, True, False]),
    bot_hints=st.lists(st.text(max_size=20), max_size=2),
    brand=st.booleans(),
    brand_hints=st.lists(st.text(max_size=20), max_size=2),
    previous_conversations=st.integers(0, 50),
    continues=st.booleans(),
    vip=st.booleans(),
    muted=st.booleans(),
    followers=st.none() | st.integers(0, 10**8),
    weights=st.just(DEFAULT_WEIGHTS),
)


@given(texts, st.sampled_from([("en", "fr"), ("fr",), ("en", "fr", "es", "de"), ("xx",)]))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_analyze_never_crashes_and_is_deterministic(text: str, languages: tuple[str, ...]) -> None:
    a = signals._analyze.__wrapped__(text, languages, None)
    b = signals._analyze.__wrapped__(text, languages, None)
    assert a == b and a.evidence == b.evidence
    assert all(0.0 <= v <= 1.0 for v in a.values().values())
    assert a.lang is None or a.lang in languages
    features.extract(text)
    lang.detect(text, languages)


@given(facts)
@settings(max_examples=300)
def test_triage_is_deterministic_and_the_sum_of_its_reasons(f: score.Facts) -> None:
    a, b = score.triage(f), score.triage(f)
    assert a == b
    assert a.section in ("reply", "thanks", "careful", "noise")
    assert abs(a.score - sum(r.points for r in a.reasons)) < 1e-9


@given(st.floats(0, 10**8), st.floats(0, 10**8), st.floats(60, 10**6), st.floats(0, 100))
def test_waiting_longer_never_costs_points(a: float, b: float, sla: float, weight: float) -> None:
    short, long_ = sorted((a, b))
    assert score.waiting_reason(long_, sla, weight).points >= score.waiting_reason(short, sla, weight).points


@given(st.integers(1, 30 * 24), st.integers(1, 30 * 24), st.sampled_from([
    "how do I export my notes?", "l'appli plante", "thanks!", "bande de nuls", "ok"]))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_queue_never_ranks_a_conversation_lower_for_waiting_longer(h1: int, h2: int, text: str) -> None:
    """Two people write the same thing; the one who has waited longer is never ranked below."""
    from h2h.app import inbox
    from h2h.ingest.ingest import ingest
    from h2h.models import Mention, Person
    from h2h.store.sqlite import SQLiteStore

    now = clock.now()
    engine = Engine()
    early, late = sorted((h1, h2), reverse=True)
    with SQLiteStore.open(":memory:") as store:
        ingest(store, [Mention(source="s", platform="mastodon", remote_id=f"m{i}",
                               author=Person(source="s", remote_id=f"p{i}", handle=f"@p{i}@x.example"),
                               text=text, created_at=now - timedelta(hours=hours))
                       for i, hours in enumerate((late, early))], engine)
        q = inbox.build_queue(store, engine, limit=None, show_all=True)
    ranks = {item.person.handle: item.rank for item in q.items}
    waited = {item.person.handle: item.waiting_s for item in q.items}
    assert waited["@p1@x.example"] >= waited["@p0@x.example"]
    assert ranks["@p1@x.example"] < ranks["@p0@x.example"] or early == late
