"""The queue a person sees: the bundled demo looks right, behaviour seen in the
store marks bots, and the weights are the configuration's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from h2h import clock, config
from h2h.app import inbox
from h2h.errors import ConfigError
from h2h.fetch import demo
from h2h.ingest.ingest import ingest
from h2h.models import Mention, Person
from h2h.store.sqlite import SQLiteStore
from h2h.store.sqlite.people import group_ids_many
from h2h.triage import score
from h2h.triage.engine import Engine
from h2h.triage.weights import DEFAULT_WEIGHTS


@pytest.fixture(scope="module")
def demo_queue():  # type: ignore[no-untyped-def]
    engine = Engine.from_config(config.parse(demo.demo_config_text()))
    with SQLiteStore.open(":memory:") as store:
        demo.load(store, engine)
        q = inbox.build_queue(store, engine, limit=None, show_all=True)
    return {item.person.name: item for item in q.items if item.section != "noise" or True}, q


def section_of(q, name: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {item.section for item in q.items if item.person.name == name}


@pytest.mark.parametrize(("name", "section"), [
    ("FollowBoost PRO 📈", "noise"),            # spam
    ("💎 MoonRocket Gains 🚀", "noise"),
    ("Release Bot", "noise"),                  # the platform says it is a bot
    ("Acme Notes", "noise"),                   # our own posts
    ("Olivier Garnier", "reply"),              # "same here": a bug confirmation, not praise
    ("Le Corbeau", "careful"),                 # trolls
    ("hard takes only", "careful"),
    ("Ines Birch", "thanks"),                  # praise
    ("Ellen Hargreaves", "thanks"),
    ("pixelmoth ✨", "thanks"),
])
def test_demo_sections(demo_queue, name: str, section: str) -> None:  # type: ignore[no-untyped-def]
    _, q = demo_queue
    assert section_of(q, name) == {section}


def test_demo_vip_is_near_the_top(demo_queue) -> None:  # type: ignore[no-untyped-def]
    _, q = demo_queue
    vip = next(i for i in q.items if i.person.handle == "@bigcustomer@example.social")
    assert vip.section == "reply" and vip.rank <= 10
    assert "vip" in {r.code for r in vip.reasons}


def test_demo_every_point_is_shown(demo_queue) -> None:  # type: ignore[no-untyped-def]
    _, q = demo_queue
    for item in q.items:
        assert item.score == pytest.approx(sum(r.points for r in item.reasons), abs=0.01)


def _post(i: int, text: str, handle: str = "@feed@x.example", minutes: int = 30) -> Mention:
    return Mention(source="s", platform="mastodon", remote_id=f"{handle}-{i}",
                   author=Person(source="s", remote_id=handle, handle=handle),
                   text=text, created_at=clock.now() - timedelta(hours=48) + timedelta(minutes=minutes * i))


@pytest.mark.parametrize(("texts", "hint"), [
    ([f"Nouvelle offre disponible, rendez-vous sur notre site @client{i}" for i in range(6)], "same text"),
    ([f"New offer is live, see our site @customer{i}" for i in range(6)], "same text"),
    ([f"https://example.com/item/{i}" for i in range(5)], "only links"),
])
def test_behaviour_in_the_store_marks_a_bot(texts: list[str], hint: str) -> None:
    engine = Engine()
    with SQLiteStore.open(":memory:") as store:
        ingest(store, [_post(i, t, minutes=600) for i, t in enumerate(texts)], engine)
        q = inbox.build_queue(store, engine, limit=None, show_all=True)
    latest = max(q.items, key=lambda item: item.mentions[-1]["created_at"])
    assert latest.section == "noise"
    assert any(r.code == "bot" and hint in r.label for r in latest.reasons)


def test_our_reply_takes_the_conversation_out_until_the_person_writes_again() -> None:
    engine = Engine(me=frozenset({"acme@x.example"}))
    ask = _post(0, "comment j'exporte mes notes ?", "@marie@x.example")
    ours = Mention(source="s", platform="mastodon", remote_id="r1",
                   author=Person(source="s", remote_id="acme", handle="@acme@x.example"),
                   text="Réglages > Export", created_at=ask.created_at + timedelta(minutes=5),
                   in_reply_to=ask.remote_id, thread=ask.remote_id)
    again = Mention(source="s", platform="mastodon", remote_id="m2", author=ask.author,
                    text="merci ! et en pdf ?", created_at=ask.created_at + timedelta(minutes=9),
                    in_reply_to="r1", thread=ask.remote_id)
    with SQLiteStore.open(":memory:") as store:
        ingest(store, [ask, ours], engine)
        assert not [i for i in inbox.build_queue(store, engine, limit=None).items if i.person.name != "acme"
                    and i.person.handle == "@marie@x.example"]
        ingest(store, [again], engine)
        items = [i for i in inbox.build_queue(store, engine, limit=None).items
                 if i.person.handle == "@marie@x.example"]
    assert len(items) == 1 and items[0].section == "reply"
    assert "returning" in {r.code for r in items[0].reasons}


def test_config_weights_are_validated_and_documented() -> None:
    with pytest.raises(ConfigError) as err:
        config.parse("[triage.weights]\nquestoin = 3\n")
    assert "did you mean 'question'" in str(err.value.problems)
    with pytest.raises(ConfigError):
        config.parse("[triage.weights]\nquestion = \"high\"\n")
    assert config.parse("[triage.weights]\ncrowd = -1\n").triage.weights["crowd"] == -1.0
    from importlib.resources import files

    documented = config.parse(files("h2h").joinpath("data/config.example.toml").read_text()).triage.weights
    assert set(documented) == set(DEFAULT_WEIGHTS)


def test_a_teammates_reply_answers_the_conversation_too() -> None:
    engine = Engine(team=frozenset({"jo@x.example"}))
    ask = _post(0, "how do I export my notes?", "@kim@x.example")
    reply = Mention(source="s", platform="mastodon", remote_id="t1",
                    author=Person(source="s", remote_id="jo", handle="@jo@x.example"),
                    text="Settings > Export", created_at=ask.created_at + timedelta(minutes=5),
                    in_reply_to=ask.remote_id, thread=ask.remote_id)
    with SQLiteStore.open(":memory:") as store:
        ingest(store, [ask, reply], engine)
        items = inbox.build_queue(store, engine, limit=None, show_all=True).items
    assert not [i for i in items if i.person.handle == "@kim@x.example"]


def test_new_weights_or_data_recompute_stored_signals(monkeypatch: pytest.MonkeyPatch) -> None:
    from h2h.ingest.ingest import ensure_fresh
    from h2h.triage import version

    engine = Engine()
    with SQLiteStore.open(":memory:") as store:
        ingest(store, [_post(0, "how do I export?", "@kim@x.example")], engine)
        assert ensure_fresh(store, engine) == 0
        before = engine.signals_version
        monkeypatch.setattr(version, "ENGINE", version.ENGINE + "-next")
        version.version.cache_clear()
        try:
            assert Engine().signals_version != before
            assert ensure_fresh(store, Engine()) == 1
        finally:
            monkeypatch.undo()
            version.version.cache_clear()


def _msg(handle: str, i: int, text: str, hours_ago: float, *, from_me: bool = False, reply_to: str | None = None,
         thread: str | None = None) -> Mention:
    return Mention(source="s", platform="mastodon", remote_id=f"{handle}-{i}",
                   author=Person(source="s", remote_id=handle, handle=handle), text=text,
                   created_at=clock.now() - timedelta(hours=hours_ago), to_me=not from_me, from_me=from_me,
                   in_reply_to=reply_to, thread=thread)


@pytest.mark.parametrize(("first", "second"), [
    ("@acme I think I was charged twice this week?", "@acme still no answer about the double charge. Refund it."),
    ("@acme j'ai été prélevé deux fois ce mois-ci ?", "@acme toujours pas de réponse pour le double prélèvement."),
])
def test_a_person_waiting_in_two_conversations_counts_in_both(first: str, second: str) -> None:
    # Days apart: two conversations of the same person, both unanswered.
    engine = Engine(weights={**DEFAULT_WEIGHTS, "elsewhere": 3.0})
    with SQLiteStore.open(":memory:") as store:
        ingest(store, [_msg("@kevin@x.example", 1, first, 96), _msg("@kevin@x.example", 2, second, 3),
                       _msg("@other@x.example", 1, first, 96)], engine)
        items = inbox.build_queue(store, engine, limit=None).items
        kevin = [i for i in items if i.person.handle == "@kevin@x.example"]
        other = next(i for i in items if i.person.handle == "@other@x.example")
        assert len(kevin) == 2
        labels = {r.label for i in kevin for r in i.reasons if r.code == "elsewhere"}
        assert labels == {"also waiting 4d in another conversation",
                          "wrote again 3h ago in another conversation, still unanswered"}
        assert all(i.score == pytest.approx(sum(r.points for r in i.reasons), abs=0.01) for i in kevin)
        assert "elsewhere" not in {r.code for r in other.reasons}
        # `h2h show` prints the same reason and points.
        shown = inbox.conversation(store, engine, kevin[0].id)
        assert "elsewhere" in {r["code"] for r in shown["reasons"]}
        assert shown["score"] == pytest.approx(kevin[0].score, abs=0.01)

        # Once one conversation is answered, the other no longer counts it.
        old = next(i for i in kevin if i.waiting_s > 24 * 3600)
        ingest(store, [_msg("@acme", 9, "@kevin sorry, refunded!", 1, from_me=True, reply_to="@kevin@x.example-1")],
               engine)
        rest = [i for i in inbox.build_queue(store, engine, limit=None).items if i.person.handle == "@kevin@x.example"]
        assert [i.id for i in rest] != [old.id] and len(rest) == 1
        assert "elsewhere" not in {r.code for r in rest[0].reasons}


def test_elsewhere_weight_zero_adds_nothing() -> None:
    engine = Engine(weights={**DEFAULT_WEIGHTS, "elsewhere": 0.0})
    with SQLiteStore.open(":memory:") as store:
        ingest(store, [_msg("@kevin@x.example", 1, "@acme hello?", 50), _msg("@kevin@x.example", 2, "@acme hello??", 2)],
               engine)
        items = inbox.build_queue(store, engine, limit=None).items
    assert all("elsewhere" not in {r.code for r in i.reasons} for i in items)


def test_elsewhere_counts_the_others_and_when_one_its_wait() -> None:
    # Three unanswered conversations, 4 days, 2 days and 3 hours old: each sees the other two.
    # With one done, each of the two left sees the other's time, not its own.
    engine = Engine(weights={**DEFAULT_WEIGHTS, "elsewhere": 3.0})
    with SQLiteStore.open(":memory:") as store:
        ingest(store, [_msg("@kevin@x.example", 1, "@acme is the export broken?", 96),
                       _msg("@kevin@x.example", 2, "@acme where is my invoice?", 48),
                       _msg("@kevin@x.example", 3, "@acme hello??", 3)], engine)
        items = sorted(inbox.build_queue(store, engine, limit=None).items, key=lambda i: -i.waiting_s)
        labels = [next(r.label for r in i.reasons if r.code == "elsewhere") for i in items]
        assert labels == ["also waiting in 2 other conversations"] * 3
        convs = store.waiting_elsewhere([store.conversation(i.id) for i in items])
        sinces = [store.conversation(i.id).waiting_since for i in items]
        assert list(convs.values()) == [(2, None)] * 3
        # Done with one: the others count one fewer, and the done one is asked about still.
        inbox.set_state(store, engine, items[0].id, "done")
        convs = store.waiting_elsewhere([store.conversation(i.id) for i in items])
        assert list(convs.values()) == [(2, None), (1, sinces[2]), (1, sinces[1])]


def test_elsewhere_stops_counting_past_the_most_it_names() -> None:
    # A bot with thousands of open conversations costs the queue no more than a person with a few.
    engine = Engine(weights={**DEFAULT_WEIGHTS, "elsewhere": 3.0})
    with SQLiteStore.open(":memory:") as store:
        texts = ["@acme is the export broken?", "@acme where is my invoice?", "@acme hello??",
                 "@acme can I change my plan?", "@acme why was I charged twice?", "@acme is there an API for exports?",
                 "@acme how do I reset my password?"]
        ingest(store, [_msg("@many@x.example", i, text, 7 * 24 * i) for i, text in enumerate(texts, start=1)], engine)
        ids = [store.conversation_by_id(i) for i in store.conversation_ids()]
        assert len(ids) == 7
        assert set(store.waiting_elsewhere(ids, most=10).values()) == {(6, None)}
        assert set(store.waiting_elsewhere(ids, most=6).values()) == {(6, None)}
        assert set(store.waiting_elsewhere(ids, most=5).values()) == {(6, None)}  # more than 5
        assert set(store.waiting_elsewhere(ids, most=2).values()) == {(3, None)}  # more than 2
    assert score.elsewhere_reason(0.0, score.ELSEWHERE_MOST + 1, 0.0, 3.0).label == \
        f"also waiting in more than {score.ELSEWHERE_MOST} other conversations"
    assert score.elsewhere_reason(0.0, score.ELSEWHERE_MOST, 0.0, 3.0).label == \
        f"also waiting in {score.ELSEWHERE_MOST} other conversations"


def test_elsewhere_follows_linked_identities() -> None:
    from h2h.app import people as persons

    engine = Engine(weights={**DEFAULT_WEIGHTS, "elsewhere": 3.0})
    with SQLiteStore.open(":memory:") as store:
        ingest(store, [_msg("@kevin@x.example", 1, "@acme is the export broken?", 30),
                       _msg("@kev@y.example", 1, "@acme anyone there?", 2)], engine)
        assert all("elsewhere" not in {r.code for r in i.reasons}
                   for i in inbox.build_queue(store, engine, limit=None).items)
        pids = [r[0] for r in store.conn.execute("SELECT id FROM persons ORDER BY id")]
        assert group_ids_many(store, pids) == {pid: [pid] for pid in pids}
        persons.link(store, engine, "@kevin@x.example", "@kev@y.example")
        items = inbox.build_queue(store, engine, limit=None).items
        assert len(items) == 2
        assert all("elsewhere" in {r.code for r in i.reasons} for i in items)
        assert group_ids_many(store, pids) == {pid: store.person_group_ids(pid) for pid in pids}
        assert all(len(members) == 2 for members in group_ids_many(store, pids).values())
