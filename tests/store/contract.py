"""The contract every store passes (h2h/store/protocol.py), whatever its backend.

A test module subclasses `StoreContract` and provides one fixture, `open_store`: a
function `name -> Store` that opens (creating it, empty, the first time) the store
called `name`; two calls with one name are two connections to the same data. Each
test runs on fresh names. tests/store/test_sqlite_contract.py runs it on SQLite.

Only the protocol is used here: no SQL, no backend's own methods.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

import pytest

from h2h.errors import NotFound, StoreError, UsageError
from h2h.ingest.ingest import ingest
from h2h.models import Action, Conversation, Flags, Identity, Mention, Person, Reply, SearchHit, StoredMention
from h2h.store import Store
from h2h.store.common import MARK_END, MARK_START, Encoded, conversation_key
from h2h.triage.engine import Engine

OpenStore = Callable[[str], Store]
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
ISO = "%Y-%m-%dT%H:%M:%SZ"


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime(ISO)


def person(rid: str, handle: str, source: str = "masto", **kw: Any) -> Person:
    return Person(source=source, remote_id=rid, handle=handle, **kw)


def mention(rid: str, author: Person, text: str, minutes: float, *, source: str = "masto", **kw: Any) -> Mention:
    return Mention(source=source, platform="mastodon", remote_id=rid, author=author, text=text,
                   created_at=T0 + timedelta(minutes=minutes), **kw)


ANN = person("1", "@ann@example.social", name="Ann", url="https://example.social/@ann", followers=12,
             raw={"id": "1", "acct": "ann"})
BOB = person("2", "@bob@example.social", name="Bob")
ME = person("0", "@us@example.social", name="Us")
ENGINE = Engine(me=frozenset({"@us@example.social"}))


class StoreContract:
    @pytest.fixture
    def store(self, open_store: OpenStore) -> Iterator[Store]:
        s = open_store("main")
        yield s
        s.close()

    @staticmethod
    def conv_of(store: Store, source: str, remote_id: str) -> Conversation:
        m = store.mention(source, remote_id)
        assert m is not None and m.conversation_id is not None
        return store.conversation_by_id(m.conversation_id)

    @staticmethod
    def thread(store: Store) -> None:
        """Ann asks, we answer, Ann asks again; Bob asks elsewhere."""
        ingest(store, [mention("a1", ANN, "How do I export my notes?", 0, raw={"id": "a1"}),
                       mention("r1", ME, "Settings, then Export.", 30, in_reply_to="a1", from_me=True, to_me=False),
                       mention("a2", ANN, "And to PDF?", 60, in_reply_to="r1"),
                       mention("b1", BOB, "Is sync down?", 10)], ENGINE)

    # --- the store ----------------------------------------------------------------
    def test_meta_and_a_transaction_keep_all_or_nothing(self, store: Store) -> None:
        assert store.get_meta("x") is None
        with store.transaction():
            store.set_meta("x", "1")
        with pytest.raises(KeyError), store.transaction():
            store.set_meta("x", "2")
            store.set_meta("y", "2")
            raise KeyError("boom")
        assert (store.get_meta("x"), store.get_meta("y")) == ("1", None)

    def test_a_nested_transaction_is_a_savepoint(self, store: Store) -> None:
        with store.transaction() as outer:
            outer.set_meta("a", "1")
            with store.transaction():
                store.set_meta("b", "1")
            with pytest.raises(ValueError), store.transaction():
                store.set_meta("c", "1")
                raise ValueError("inner")
            store.set_meta("d", "1")
        assert [store.get_meta(k) for k in "abcd"] == ["1", "1", None, "1"]
        with pytest.raises(ValueError), store.transaction():
            store.set_meta("e", "1")
            with store.transaction():
                store.set_meta("f", "1")
            raise ValueError("outer")
        assert (store.get_meta("e"), store.get_meta("f")) == (None, None)

    def test_another_connections_commit_changes_the_data_version(self, open_store: OpenStore) -> None:
        one, two = open_store("shared"), open_store("shared")
        try:
            before = one.data_version()
            with one.transaction():
                one.set_meta("k", "mine")
            assert one.data_version() == before
            with two.transaction():
                two.set_meta("k", "theirs")
            assert one.data_version() != before and one.get_meta("k") == "theirs"
        finally:
            one.close()
            two.close()

    def test_bulk_changes_nothing_it_writes(self, store: Store) -> None:
        with store.bulk(lock_wait_s=1.0) as s, s.transaction():
            s.set_meta("bulk", "yes")
        assert store.get_meta("bulk") == "yes"

    # --- people -------------------------------------------------------------------
    def test_an_identity_keeps_what_a_later_sighting_lacks(self, store: Store) -> None:
        with store.transaction():
            store.upsert_persons([(ANN, "mastodon", at(10), ANN.raw),
                                  (ANN._replace(name="", url=None, followers=None, handle="@ann2@example.social"),
                                   "mastodon", at(0), None)])
        pid = store.person_ids([("masto", "1"), ("masto", "nobody")])
        assert list(pid) == [("masto", "1")]
        p = store.person(pid[("masto", "1")])
        assert isinstance(p, Identity)
        assert (p.handle, p.name, p.url, p.followers) == ("@ann2@example.social", "Ann", ANN.url, 12)
        assert (p.first_seen, p.last_seen, p.platform) == (at(0), at(10), "mastodon")
        assert store.persons_by_ids([p.id, 999]) == {p.id: p}
        with pytest.raises(NotFound):
            store.person(999)

    def test_a_handle_finds_its_identities(self, store: Store) -> None:
        with store.transaction():
            store.upsert_persons([(ANN, "mastodon", at(0), None),
                                  (person("x", "@Ann@other.example", source="other"), "mastodon", at(0), None),
                                  (person("y", "@a_n@example.social"), "mastodon", at(0), None)])
        assert [p.handle for p in store.persons_by_handle("ann@example.social")] == ["@ann@example.social"]
        assert [p.source for p in store.persons_by_handle("ann")] == ["masto", "other"]  # any instance
        assert [p.source for p in store.persons_by_handle("ann", source="other")] == ["other"]
        assert store.persons_by_handle("a%n") == [] and len(store.persons_by_handle("a_n")) == 1

    def test_linked_identities_are_one_group_with_merged_flags(self, store: Store) -> None:
        ids = {}
        with store.transaction():
            store.upsert_persons([(ANN, "mastodon", at(0), None), (BOB, "mastodon", at(1), None),
                                  (person("3", "ann.bsky.social", source="bsky"), "bluesky", at(2), None)])
            ids = store.person_ids([("masto", "1"), ("masto", "2"), ("bsky", "3")])
            store.set_person_flags("masto", "1", vip=True, note="met at FOSDEM")
            store.set_person_flags("bsky", "3", note="beta tester")
            store.set_person_flags("bsky", "3", muted=None)  # None leaves the flags as they are
        ann, bob, sky = ids[("masto", "1")], ids[("masto", "2")], ids[("bsky", "3")]
        assert store.linked_among([("masto", "1"), ("bsky", "3")]) == set()
        assert store.person_flags_many([("masto", "1"), ("masto", "2")]) == {
            ("masto", "1"): Flags(vip=True, muted=False, note="met at FOSDEM")}
        with store.transaction():
            store.link_roots(("masto", "1"), ("bsky", "3"))
        assert store.person_group_ids(sky) == store.person_group_ids(ann) == sorted([ann, sky])
        assert store.person_group_ids_many([sky, bob]) == {sky: sorted([ann, sky]), bob: [bob]}
        assert [p.id for p in store.person_group(sky)] == [ann, sky]
        assert store.person_root("bsky", "3") == ("masto", "1") and store.person_root("masto", "2") == ("masto", "2")
        assert store.linked_among([("masto", "1"), ("bsky", "3"), ("masto", "2")]) == {("masto", "1"), ("bsky", "3")}
        assert store.group_flags(sky) == Flags(vip=True, muted=False, note="met at FOSDEM; beta tester",
                                               handles=("@ann@example.social", "ann.bsky.social"))
        assert store.group_flags(bob) == Flags(vip=False, muted=False, note=None, handles=("@bob@example.social",))
        with store.transaction():
            store.unlink_identity("masto", "1")  # the root leaves: its earliest linked member takes over
        assert store.person_group_ids(ann) == [ann] and store.person_root("bsky", "3") == ("bsky", "3")

    # --- mentions -------------------------------------------------------------------
    def test_a_stored_message_reads_back_as_stored_and_as_given(self, store: Store) -> None:
        self.thread(store)
        m = store.mention("masto", "a1")
        assert isinstance(m, StoredMention)
        assert (m.text, m.role, m.created_at, m.to_me, m.from_me, m.thread_root) == \
            ("How do I export my notes?", "person", at(0), 1, 0, "a1")
        assert store.mention("masto", "nope") is None
        given = store.platform_mention("masto", "a1")
        assert isinstance(given, Mention) and given.raw == {"id": "a1"} and given.author.raw == ANN.raw
        assert given == mention("a1", ANN, "How do I export my notes?", 0)._replace(
            author=ANN._replace(url=ANN.url), lang=given.lang)
        assert store.platform_mention("masto", "nope") is None
        states = store.mentions_by_key([("masto", "a1"), ("masto", "r1"), ("masto", "zz")])
        assert set(states) == {("masto", "a1"), ("masto", "r1")}
        assert states[("masto", "r1")].role == "me" and states[("masto", "r1")].conversation_id == m.conversation_id

    def test_new_messages_take_the_ids_announced(self, store: Store) -> None:
        self.thread(store)
        first = store.next_mention_id()
        pid = store.person_ids([("masto", "1")])[("masto", "1")]
        row = {"id": first, "source": "masto", "remote_id": "n1", "platform": "mastodon", "person_id": pid,
               "conversation_id": None, "role": "person", "text": "new", "url": None, "created_at": at(90),
               "created_us": None, "in_reply_to": None, "thread": None, "thread_root": "n1", "to_me": 1, "from_me": 0, "lang": "en",
               "raw": Encoded('{"k":1}'), "signals": '{"question":0.5}', "evidence": None, "engine": "e1",
               "ingested_at": at(90)}
        with store.transaction():
            store.insert_mentions([row, {**row, "id": None, "remote_id": "n2"}])
        one, two = store.mention("masto", "n1"), store.mention("masto", "n2")
        assert one is not None and two is not None
        assert (one.id, two.id, store.next_mention_id()) == (first, first + 1, first + 2)
        assert one.raw == '{"k":1}' and one.signals == '{"question":0.5}'

    def test_edits_and_new_signals_are_stored(self, store: Store) -> None:
        self.thread(store)
        m = store.mention("masto", "a1")
        assert m is not None
        with store.transaction():
            store.update_mention(m.id, mention("a1", ANN, "How do I export?", 0, url="https://x/a1"), role="person",
                                 signals={"question": 1.0}, evidence=Encoded("{}"), engine="v2")
        after = store.mention("masto", "a1")
        assert after is not None
        assert (after.text, after.url, after.signals, after.evidence, after.engine, after.id) == \
            ("How do I export?", "https://x/a1", '{"question":1.0}', "{}", "v2", m.id)
        stale = store.mentions_needing_signals("v2", limit=2)
        assert [i for i, _, _ in stale] == sorted(i for i, _, _ in stale) and m.id not in [i for i, _, _ in stale]
        rest = store.mentions_needing_signals("v2", limit=10, after=stale[-1][0])
        assert len(stale) + len(rest) == 3 and not {i for i, _, _ in stale} & {i for i, _, _ in rest}
        with store.transaction():
            store.set_mentions_signals([(Encoded('{"q":1}'), {"q": ["how"]}, "v2", i) for i, _, _ in stale + rest])
        assert store.mentions_needing_signals("v2", limit=10) == []
        b1 = store.mention("masto", "b1")
        assert b1 is not None and (b1.signals, b1.evidence) == ('{"q":1}', '{"q":["how"]}')

    def test_search_finds_every_word_in_text_or_author_best_first(self, store: Store) -> None:
        self.thread(store)
        ingest(store, [mention("c1", person("9", "@cleo@example.social", name="Cléo Exporté"), "merci", 120,
                               source="other")], ENGINE)
        hits = store.search_mentions("export")
        assert all(isinstance(h, SearchHit) for h in hits)
        assert {h.remote_id for h in hits} == {"a1", "r1", "c1"}, "a prefix, in the text or the name, accents aside"
        a1 = next(h for h in hits if h.remote_id == "a1")
        conv = self.conv_of(store, "masto", "a1")
        assert (a1.key, a1.state, a1.section, a1.handle, a1.name, a1.role, a1.source, a1.platform) == \
            (conv.key, conv.state, conv.section, "@ann@example.social", "Ann", "person", "masto", "mastodon")
        assert a1.snippet is not None and MARK_START + "export" + MARK_END in a1.snippet
        assert [h.remote_id for h in store.search_mentions("ann pdf")] == ["a2"], "every word must match"
        assert store.search_mentions('export" OR "sync') == [], "the query's syntax is taken literally"
        assert store.search_mentions("  ?! ") == [] and store.search_mentions("nothing") == []
        assert len(store.search_mentions("export", limit=1)) == 1
        assert {h.remote_id for h in store.search_mentions("export", platform="mastodon")} == {"a1", "r1", "c1"}
        assert store.search_mentions("export", platform="bluesky") == []
        ranks = [h.rank for h in hits]
        assert ranks == sorted(ranks), "best match (lowest rank) first"

    def test_search_follows_edits_and_new_names(self, store: Store) -> None:
        self.thread(store)
        ingest(store, [mention("b1", BOB, "Is calendar down?", 10)], ENGINE)
        assert store.search_mentions("sync") == [] and [h.remote_id for h in store.search_mentions("calendar")] == ["b1"]
        with store.transaction():
            store.upsert_persons([(person("2", "@bob@example.social", name="Robert"), "mastodon", at(5), None)])
        assert [h.remote_id for h in store.search_mentions("robert")] == ["b1"] and store.search_mentions("bob ") != []

    def test_a_conversation_reads_as_its_thread(self, store: Store) -> None:
        self.thread(store)
        conv = self.conv_of(store, "masto", "a1")
        messages = store.conversation_messages(conv)
        assert [(m.remote_id, m.role, m.handle, m.conversation) for m in messages] == [
            ("a1", "person", "@ann@example.social", conv.key), ("r1", "me", "@us@example.social", conv.key),
            ("a2", "person", "@ann@example.social", conv.key)]
        facts = store.conversations_facts([conv, self.conv_of(store, "masto", "b1")])
        assert [f.remote_id for f in facts[conv.id]] == ["a1", "r1", "a2"]
        assert [f.remote_id for f in facts[self.conv_of(store, "masto", "b1").id]] == ["b1"]
        waiting = store.unanswered_mentions_many([(conv.id, at(60)), (conv.id + 1000, None)])
        assert [(u.remote_id, u.created_at) for u in waiting[conv.id]] == [("a2", at(60))]
        assert waiting[conv.id + 1000] == []
        ann = store.person_ids([("masto", "1")])[("masto", "1")]
        recent = store.persons_recent([ann], limit=1)[ann]
        assert [(r.person_id, r.text) for r in recent] == [(ann, "And to PDF?")]
        assert [m.remote_id for m in store.group_messages([ann], 10)] == ["a2", "r1", "a1"]

    def test_a_message_rehomed_by_its_thread_root_leaves_an_empty_conversation_to_delete(self, store: Store) -> None:
        assert store.newest_mention_id() == 0
        self.thread(store)
        ann, bob = self.conv_of(store, "masto", "a1"), self.conv_of(store, "masto", "b1")
        rooted = store.mentions_rooted_at([("masto", "a1"), ("masto", "none")])
        assert [m.remote_id for m in rooted] == ["a1", "r1", "a2"]
        assert [m.id for m in rooted] == sorted(m.id for m in rooted)
        assert store.newest_mention_id() == max(m.id for m in rooted)
        assert [c.id for c in store.conversations_rooted_at([("masto", "a1"), ("masto", "b1")])] == [ann.id, bob.id]
        b1 = store.mention("masto", "b1")
        assert b1 is not None
        with store.transaction():
            store.place_mentions([(ann.id, "a1", b1.id)])
            assert store.conversation_mentions(bob.id) == []
            store.delete_conversations([bob.id])
        assert [m.remote_id for m in store.conversation_mentions(ann.id)] == ["a1", "b1", "r1", "a2"]
        moved = store.mention("masto", "b1")
        assert moved is not None and (moved.conversation_id, moved.thread_root) == (ann.id, "a1")
        assert store.conversations_rooted_at([("masto", "b1")]) == []
        with pytest.raises(NotFound):
            store.conversation_by_id(bob.id)

    # --- conversations ------------------------------------------------------------------
    def test_a_conversation_is_found_by_its_key_or_a_prefix(self, store: Store) -> None:
        self.thread(store)
        conv = self.conv_of(store, "masto", "a1")
        assert conv.key == conversation_key("masto", "a1", "1")
        assert store.conversation(conv.key) == conv == store.conversation(" " + conv.key[:5].upper())
        assert store.conversations_by_ids([conv.id, 12345]) == {conv.id: conv}
        with pytest.raises(NotFound):
            store.conversation("zzzzzzzz")
        with pytest.raises(NotFound):
            store.conversation_by_id(12345)
        with pytest.raises((NotFound, UsageError)):
            store.conversation(conv.key[:3])  # too short to be a prefix

    def test_ambiguous_prefixes_name_the_candidates(self, store: Store) -> None:
        seen: dict[str, str] = {}
        for i in range(100_000):  # two of Ann's posts whose ids share four characters
            rid = f"m{i}"
            prefix = conversation_key("masto", rid, "1")[:4]
            if prefix in seen:
                break
            seen[prefix] = rid
        ingest(store, [mention(seen[prefix], ANN, "hello?", 0), mention(rid, ANN, "again?", 10_000)], ENGINE)
        with pytest.raises(UsageError, match="matches several conversations") as err:
            store.conversation(prefix)
        assert conversation_key("masto", rid, "1") in str(err.value)

    def test_grouping_lookups_answer_one_by_one_and_in_batches_alike(self, store: Store) -> None:
        self.thread(store)
        ann, bob = (store.person_ids([("masto", r)])[("masto", r)] for r in ("1", "2"))
        conv = store.find_conversation("masto", "a1", ann)
        assert conv is not None and conv.standalone == 1
        assert store.find_conversations([("masto", "a1", ann), ("masto", "a1", bob)]) == {
            ("masto", "a1", ann): conv, ("masto", "a1", bob): None}
        assert store.latest_standalone("masto", ann) == conv
        assert store.latest_standalone_many([("masto", ann), ("other", ann)]) == {("masto", ann): conv,
                                                                                  ("other", ann): None}
        assert store.thread_conversations("masto", "a1") == [conv]
        assert store.person_conversations(ann) == [conv] == store.group_conversations([ann])
        assert store.has_source("masto") and not store.has_source("other") and store.source_names() == ["masto"]
        ids = store.conversation_ids()
        assert ids == sorted(ids) and store.conversation_ids(after=ids[0]) == ids[1:]
        assert store.conversation_ids(limit=1) == ids[:1]

    def test_new_conversations_get_their_ids_and_keys(self, store: Store) -> None:
        with store.transaction():
            store.upsert_persons([(ANN, "mastodon", at(0), None)])
            ann = store.person_ids([("masto", "1")])[("masto", "1")]
            first = store.next_conversation_id()
            new = Conversation(id=first, key="", source="masto", platform="mastodon", person_id=ann,
                               thread_root="t1", standalone=1, first_at=at(5), last_at=at(5))
            store.insert_conversations([(new, "1"), (new._replace(id=first + 1, thread_root="t2"), "1")])
        got = store.conversation_by_id(first)
        assert got == new._replace(key=conversation_key("masto", "t1", "1"))
        assert store.conversation_by_id(first + 1).key == conversation_key("masto", "t2", "1")
        assert store.next_conversation_id() == first + 2

    def test_platforms_are_named_once_sorted(self, store: Store) -> None:
        assert store.platform_names() == []
        self.thread(store)
        ingest(store, [Mention(source="bsky", platform="bluesky", remote_id="s1",
                               author=person("3", "ann.bsky.social", source="bsky"), text="hi?", created_at=T0)],
               ENGINE)
        assert store.platform_names() == ["bluesky", "mastodon"]

    def test_saved_columns_read_back(self, store: Store) -> None:
        self.thread(store)
        conv = self.conv_of(store, "masto", "b1")
        with store.transaction():
            store.save_conversation(conv.id, {"state": "snoozed", "snooze_until": at(600), "state_mark": at(20)})
            store.save_conversations([(conv.id, {"base_score": 42.5}), (conv.id, {"reasons": "[]"})])
        after = store.conversation_by_id(conv.id)
        assert (after.state, after.snooze_until, after.state_mark, after.base_score) == \
            ("snoozed", at(600), at(20), 42.5)

    def test_the_queue_reads_by_score_and_counts_what_is_due(self, store: Store) -> None:
        self.thread(store)
        ann_conv, bob_conv = self.conv_of(store, "masto", "a1"), self.conv_of(store, "masto", "b1")
        with store.transaction():
            store.save_conversations([(ann_conv.id, {"base_score": 5.0, "section": "reply"}),
                                      (bob_conv.id, {"base_score": 9.0, "section": "reply"})])
        scanned = list(store.queue_scan("reply"))
        assert [c.id for c in scanned] == [bob_conv.id, ann_conv.id]
        assert [c.id for c in store.queue_scan("reply", since=at(30))] == [ann_conv.id]  # last_at after
        assert list(store.queue_scan("reply", source="other")) == [] and list(store.queue_scan("noise")) == []
        rows = store.queue_details([ann_conv.id])
        row = rows[ann_conv.id]
        assert (row.conversation.key, row.person.handle, row.person.remote_id, row.person_key, row.text) == \
            (ann_conv.key, "@ann@example.social", "1", "masto:1", "And to PDF?")
        assert store.queue_details([]) == {}
        assert store.count_active("reply", at(0)) == 2
        with store.transaction():
            store.save_conversation(bob_conv.id, {"state": "snoozed", "snooze_until": at(600)})
        assert store.count_active("reply", at(100)) == 1 and store.count_active("reply", at(700)) == 2
        assert store.count_active("reply", at(700), source="masto", since=at(30)) == 1

    def test_a_sections_conversations_of_some_people(self, store: Store) -> None:
        self.thread(store)
        ann_conv, bob_conv = self.conv_of(store, "masto", "a1"), self.conv_of(store, "masto", "b1")
        with store.transaction():
            store.save_conversations([(ann_conv.id, {"section": "reply"}), (bob_conv.id, {"section": "careful"})])
        got = store.section_conversations_of("reply", [ann_conv.person_id, bob_conv.person_id])
        assert [(c.id, c.key, c.section, c.person_id) for c in got] == \
            [(ann_conv.id, ann_conv.key, "reply", ann_conv.person_id)]
        assert store.section_conversations_of("reply", []) == []
        assert store.section_conversations_of("reply", [ann_conv.person_id], source="other") == []
        assert store.section_conversations_of("reply", [ann_conv.person_id], since=at(90)) == []
        with store.transaction():
            store.save_conversation(ann_conv.id, {"state": "done", "active": 0})
        assert store.section_conversations_of("reply", [ann_conv.person_id]) == []

    def test_what_was_put_away_comes_latest_decided_first(self, store: Store) -> None:
        self.thread(store)
        ann_conv, bob_conv = self.conv_of(store, "masto", "a1"), self.conv_of(store, "masto", "b1")
        assert store.put_away("done", at(0)) == []
        with store.transaction():
            store.save_conversation(ann_conv.id, {"state": "done", "active": 0, "state_mark": at(200)})
            store.save_conversation(bob_conv.id, {"state": "done", "active": 0, "state_mark": at(300)})
        assert [c.id for c in store.put_away("done", at(0))] == [bob_conv.id, ann_conv.id]
        assert [c.id for c in store.put_away("done", at(0), limit=1)] == [bob_conv.id]
        assert [c.id for c in store.put_away("done", at(0), since=at(30))] == [ann_conv.id]  # last_at after
        assert store.put_away("done", at(0), source="other") == []
        with store.transaction():
            store.save_conversation(bob_conv.id, {"state": "snoozed", "active": 1, "snooze_until": at(600)})
        assert [c.id for c in store.put_away("snoozed", at(500))] == [bob_conv.id]
        assert store.put_away("snoozed", at(700)) == [], "a snooze whose time has come is back in the queue"

    def test_waiting_elsewhere_counts_a_humans_other_conversations(self, store: Store) -> None:
        ingest(store, [mention("k1", ANN, "is export broken?", 0), mention("k2", ANN, "where is my invoice?", 600),
                       mention("k3", ANN, "hello??", 1200)], Engine(me=ENGINE.me, window_s=60.0))
        convs = [store.conversation_by_id(i) for i in store.conversation_ids()]
        assert len(convs) == 3
        found = store.waiting_elsewhere(convs)
        assert {n for n, _ in found.values()} == {2}
        assert store.waiting_elsewhere(convs, most=1) == {c.id: (2, None) for c in convs}  # more than 1
        with store.transaction():
            store.save_conversation(convs[0].id, {"state": "done", "active": 0})
        found = store.waiting_elsewhere(convs[1:])
        assert found == {convs[1].id: (1, convs[2].waiting_since or convs[2].last_at),
                         convs[2].id: (1, convs[1].waiting_since or convs[1].last_at)}

    def test_previous_conversations_span_linked_identities(self, store: Store) -> None:
        sky = person("3", "ann.bsky.social", source="bsky")
        ingest(store, [mention("a1", ANN, "hi?", 0), mention("s1", sky, "again?", 100, source="bsky")], ENGINE)
        ann, sid = store.person_ids([("masto", "1")])[("masto", "1")], store.person_ids([("bsky", "3")])[("bsky", "3")]
        assert store.previous_conversations(sid, at(200)) == 1
        assert store.conversations_before([(ann, at(200)), (sid, at(50))]) == [1, 0]
        with store.transaction():
            store.link_roots(("masto", "1"), ("bsky", "3"))
        assert store.previous_conversations(sid, at(200)) == 2
        assert store.conversations_before([(sid, at(200))]) == [1]  # that identity's own

    def test_actions_are_recorded_in_order(self, store: Store) -> None:
        with store.transaction():
            store.record_action("abcd1234", "snooze", at(1), until=at(60), detail={"why": "later"})
            store.record_action("abcd1234", "done", at(2))
            store.record_action("other", "done", at(0))
        acts = store.actions("abcd1234")
        assert all(isinstance(a, Action) for a in acts)
        assert [(a.action, a.at, a.until, a.detail) for a in acts] == [
            ("snooze", at(1), at(60), '{"why":"later"}'), ("done", at(2), None, None)]

    def test_the_last_undoable_action_skips_what_was_undone(self, store: Store) -> None:
        assert store.last_undoable_action(["done"]) is None
        with store.transaction():
            store.record_action("c1", "done", at(1), detail={"before": {"state": "open"}})
            store.record_action("c2", "snooze", at(2), detail={"before": {"state": "open"}})
            store.record_action("c3", "done", at(3))  # records nothing to restore
            store.record_action("c4", "reply", at(4), detail={"before": {}})  # not asked for
        last = store.last_undoable_action(["done", "snooze"])
        assert isinstance(last, Action) and (last.conversation, last.action) == ("c2", "snooze")
        with store.transaction():
            store.record_action("c2", "undo", at(5), detail={"undid": last.id})
        again = store.last_undoable_action(["done", "snooze"])
        assert again is not None and again.conversation == "c1"
        assert store.last_undoable_action(["snooze"]) is None

    # --- replies and drafts ---------------------------------------------------------------
    def test_a_reply_is_begun_once_per_key_and_finished(self, store: Store) -> None:
        args = dict(conversation="abcd1234", source="masto", platform="mastodon", in_reply_to="a1",
                    target="@ann@example.social", text="Settings, then Export.", draft_id=None)
        with store.transaction():
            first = store.begin_reply(key="k1", now=at(0), **args)
        assert isinstance(first, Reply) and (first.status, first.attempts, first.created_at) == ("pending", 1, at(0))
        with store.transaction():
            store.fail_reply("k1", "503", at(1))
            again = store.begin_reply(key="k1", now=at(2), **args)
        assert (again.id, again.status, again.attempts, again.error, again.updated_at) == \
            (first.id, "pending", 2, None, at(2))
        with store.transaction():
            store.finish_reply("k1", status="sent", remote_id="r9", url="https://x/r9", sent_at=at(3),
                               response_s=180.0, now=at(3))
            store.fail_reply("k1", "too late", at(4))  # a reply sent stays sent
        done = store.reply_by_key("k1")
        assert done is not None
        assert (done.status, done.remote_id, done.url, done.sent_at, done.response_s, done.error) == \
            ("sent", "r9", "https://x/r9", at(3), 180.0, None)
        with store.transaction():
            store.begin_reply(key="k2", now=at(5), **args)
        assert [r.key for r in store.replies("abcd1234")] == ["k1", "k2"] and store.replies("none") == []
        assert store.reply_by_key("nope") is None

    def test_an_attempt_of_unknown_outcome_stays_bound_to_its_conversation(self, store: Store) -> None:
        args = dict(conversation="abcd1234", source="masto", platform="mastodon", target="@ann@example.social")
        assert store.unsettled_reply("abcd1234") is None
        with store.transaction():
            first = store.begin_reply(key="k1", in_reply_to="a1", text="Settings, then Export.", draft_id=1,
                                      now=at(0), **args)
            store.unknown_reply("k1", "the answer was lost", at(1))
        pending = store.unsettled_reply("abcd1234")
        assert pending is not None
        assert (pending.id, pending.status, pending.error) == (first.id, "pending", "the answer was lost")
        # A second attempt under another key cannot begin beside it ...
        with pytest.raises(StoreError):
            with store.transaction():
                store.begin_reply(key="k2", in_reply_to="a1", text="Reworded.", draft_id=2, now=at(2), **args)
        assert [r.key for r in store.replies("abcd1234")] == ["k1"]
        # ... the reworded attempt goes on the pending one, with its key.
        with store.transaction():
            again = store.begin_reply(key="k1", in_reply_to="a2", text="Reworded.", draft_id=2, now=at(3), **args)
        assert (again.id, again.attempts, again.text, again.draft_id, again.in_reply_to, again.error) == \
            (first.id, 2, "Reworded.", 2, "a2", None)
        with store.transaction():
            store.finish_reply("k1", status="sent", remote_id="r1", url=None, sent_at=at(4), response_s=None,
                               now=at(4))
            store.unknown_reply("k1", "too late", at(5))   # a reply sent stays sent
        assert store.unsettled_reply("abcd1234") is None
        assert store.reply_by_key("k1").error is None  # type: ignore[union-attr]
        with store.transaction():  # once settled, the next reply of the conversation begins afresh
            store.begin_reply(key="k3", in_reply_to="a3", text="Later.", draft_id=3, now=at(6), **args)
        assert store.unsettled_reply("abcd1234").key == "k3"  # type: ignore[union-attr]
        with store.transaction():
            store.fail_reply("k3", "refused", at(7))
        assert store.unsettled_reply("abcd1234") is None

    def test_drafts_read_back_newest_first(self, store: Store) -> None:
        with store.transaction():
            one = store.add_draft(conversation="c1", text="Hi Ann", backend="template", lang="en", intent="question",
                                  lint=[{"code": "x"}], edited=False, variants=["en:hi.1"], created_at=at(0))
            two = store.add_draft(conversation="c1", text="Hello Ann", backend="edited", lang="en", intent="question",
                                  lint=[], edited=True, note="edited", created_at=at(1))
            store.add_draft(conversation="c2", text="Hi Bob", backend="template", lang="en", intent="",
                            lint=[], edited=False, variants=["en:hi.2", "en:bye.1"], created_at=at(2))
        latest = store.latest_draft("c1")
        assert latest is not None and (latest.id, latest.text, latest.edited, latest.note) == (two, "Hello Ann", 1, "edited")
        assert one < two and store.latest_draft("none") is None
        assert store.recent_draft_variants(exclude="c2") == [["en:hi.1"]]
        assert store.recent_draft_variants(exclude="c1", limit=1) == [["en:hi.2", "en:bye.1"]]
        assert [d.id for d in store.drafts_of("c1")] == [one, two] and store.drafts_of("none") == []
        by_id = store.draft(one)
        assert by_id is not None and (by_id.conversation, by_id.text, by_id.variants) == ("c1", "Hi Ann", '["en:hi.1"]')
        assert store.draft(10_000) is None

    # --- answer memory and the knowledge file ------------------------------------------------
    def test_our_answers_are_indexed_and_searched(self, store: Store) -> None:
        self.thread(store)
        ours = store.our_messages_after(0)
        assert [m["remote_id"] for m in ours] == ["r1"]
        a1 = self.conv_of(store, "masto", "a1")
        assert (ours[0]["author_handle"], ours[0]["answered_conversation"]) == ("@us@example.social", a1.id)
        assert store.our_messages_after(ours[0]["id"]) == [] and store.indexed_answers_upto() == 0
        values = {"mention_id": ours[0]["id"], "source": "masto", "platform": "mastodon", "conversation": a1.key,
                  "lang": "en", "role": "me", "author": "@us@example.social", "person": "@ann@example.social",
                  "person_name": "Ann", "answered": ["a1"], "question": "How do I export my notes?",
                  "answer": "Settings, then Export.", "url": None, "created_at": at(30)}
        with store.transaction():
            first = store.add_answer(values, ["export", "notes"], ["settings", "export"])
            again = store.add_answer({**values, "answer": "Settings > Export."}, ["export", "notes"], ["settings"])
            store.set_indexed_answers_upto(ours[0]["id"])
        assert store.indexed_answers_upto() == ours[0]["id"] and isinstance(first, int) and isinstance(again, int)
        hits = store.search("answers", ["export", "pdf"])
        assert [(h["answer"], h["answered"], h["q_terms"], h["a_terms"]) for h in hits] == \
            [("Settings > Export.", '["a1"]', "export notes", "settings")]
        assert isinstance(hits[0]["rank"], float)
        assert store.search("answers", ["export"], exclude=(a1.key,)) == []
        assert store.search("answers", []) == [] and store.search("answers", ["nothing"]) == []
        assert store.term_counts("answers", ["export", "pdf"]) == (1, {"export": 1})
        assert store.term_counts("answers", []) == (1, {})
        with store.transaction():  # one of our replies filed in no conversation
            store.add_answer({**values, "mention_id": ours[0]["id"] + 100, "conversation": None}, ["export"], ["menu"])
        assert sorted(h["conversation"] or "" for h in store.search("answers", ["export"])) == ["", a1.key]
        assert [h["conversation"] for h in store.search("answers", ["export"], exclude=(None,))] == [a1.key]
        assert [h["conversation"] for h in store.search("answers", ["export"], exclude=(a1.key,))] == [None]

    def test_the_knowledge_file_is_replaced_whole(self, store: Store) -> None:
        assert store.knowledge_digest() is None and store.knowledge_entries() == []
        entry = {"entry": "export", "lang": "en", "question": "How to export?", "also": "", "answer": "Settings.",
                 "link": None, "origin": "k.md", "line": 1}
        fr = {**entry, "lang": "fr", "question": "Comment exporter ?", "answer": "Réglages.", "line": 5}
        with store.transaction():
            store.replace_knowledge([(entry, ["export"], ["settings"]), (fr, ["exporter"], ["reglages"])], "d1")
        assert store.knowledge_digest() == "d1" and [e["line"] for e in store.knowledge_entries()] == [1, 5]
        assert [h["lang"] for h in store.search("knowledge", ["exporter"])] == ["fr"]
        found = store.knowledge_translation("export", "fr")
        assert found is not None and found["answer"] == "Réglages." and store.knowledge_translation("export", "de") is None
        with store.transaction():
            store.replace_knowledge([], "")
        assert store.knowledge_entries() == [] and store.search("knowledge", ["export"]) == []

    def test_what_earlier_drafts_said(self, store: Store) -> None:
        with store.transaction():
            one = store.add_draft(conversation="c1", text="Hi Ann", backend="template", lang="en", intent="question",
                                  lint=[], edited=False, variants=["en:hi.1"], created_at=at(0))
            store.add_draft(conversation="c1", text="Hello Ann", backend="template", lang="en", intent="question",
                            lint=[], edited=False, variants=["en:hi.2"], created_at=at(1))
            store.add_draft(conversation="c2", text="Hi Bob", backend="template", lang="en", intent="",
                            lint=[], edited=False, created_at=at(2))
            store.set_draft_grounding(one, {"kind": "knowledge", "ref": "kn:export"})
        assert sorted(store.recent_draft_texts()) == ["Hello Ann", "Hi Bob"], "the latest of each conversation"
        assert store.recent_draft_texts(exclude="c2", limit=1) == ["Hello Ann"]
        assert store.draft_variants_of("c1") == [["en:hi.1"], ["en:hi.2"]] and store.draft_variants_of("c2") == []
        latest = store.latest_draft("c1")
        assert latest is not None and latest.grounding is None
        with store.transaction():
            store.set_draft_grounding(latest.id, {"kind": "memory"})
        again = store.latest_draft("c1")
        assert again is not None and again.grounding == '{"kind": "memory"}'

    # --- what fetching has read ----------------------------------------------------------------
    def test_cursors_and_fetch_outcomes(self, store: Store) -> None:
        assert store.get_cursor("masto") is None
        with store.transaction():
            store.set_cursor("masto", "c1")
            store.record_fetch("masto", "mastodon", at=at(0), ok=True, duration_s=1.23456, fetched=5, new=2,
                               rate_limit={"remaining": 10})
            store.record_fetch("masto", "mastodon", at=at(5), ok=False, duration_s=0.5, fetched=0, new=0,
                               error=("remote", "502 from the instance", "Try again later."))
            store.record_account("masto", "mastodon", "@us@example.social")
        assert store.get_cursor("masto") == "c1"
        st = store.source_statuses()["masto"]
        assert (st.last_attempt_at, st.last_success_at, st.failures, st.last_error_code, st.account) == \
            (at(5), at(0), 1, "remote", "@us@example.social")
        assert (st.last_duration_s, st.last_error_hint, st.rate_limit) == (0.5, "Try again later.", '{"remaining":10}')
        with store.transaction():
            store.record_fetch("masto", "mastodon", at=at(9), ok=True, duration_s=1, fetched=1, new=1)
            store.set_cursor("masto", None)
        st = store.source_statuses()["masto"]
        assert (st.failures, st.last_success_at, st.last_error) == (0, at(9), "502 from the instance")
        assert store.get_cursor("masto") is None

    def test_threads_not_read_since_come_back_for_a_recheck(self, store: Store) -> None:
        self.thread(store)
        due = store.threads_to_recheck("masto", "9999", limit=10)
        assert [m.remote_id for m in due] == ["a2", "b1"] and all(isinstance(m, Mention) for m in due)
        assert due[0].author.handle == "@ann@example.social"
        with store.transaction():
            store.mark_thread_checked("masto", ["a2"], "9998")
        assert [m.remote_id for m in store.threads_to_recheck("masto", "9998", limit=10)] == ["b1"]
        assert len(store.threads_to_recheck("masto", "9999", limit=1)) == 1

    # --- stats --------------------------------------------------------------------------
    def test_stats_count_first_answers_and_each_day_once(self, store: Store) -> None:
        self.thread(store)
        ann_conv = self.conv_of(store, "masto", "a1")
        with store.transaction():
            store.begin_reply(key="k", conversation=ann_conv.key, source="masto", platform="mastodon",
                              in_reply_to="a2", target="x", text="t", draft_id=None, now=at(70))
            store.finish_reply("k", status="sent", remote_id="not-fetched", url=None, sent_at=at(70),
                               response_s=600.0, now=at(70))
        rows = {r.key: r for r in store.stats_conversations(at(-60), at(600))}
        assert (rows[ann_conv.key].first_reply_at, rows[ann_conv.key].first_sent_at) == (at(30), at(70))
        assert store.stats_conversations(at(-60), at(600), person_ids=[]) == []
        assert {b.handle for b in store.stats_backlog(at(100))} == {"@ann@example.social", "@bob@example.social"}
        daily: dict[tuple[str, str], int] = {}
        for d in store.stats_daily(at(-60), at(600)):
            daily[(d.day, d.role)] = daily.get((d.day, d.role), 0) + d.n
        # Our fetched reply, and the reply sent through h2h that no fetch brought back.
        assert daily == {("2026-11-20", "person"): 3, ("2026-11-20", "me"): 2}
        assert store.source_counts() == {"masto": {"mentions": 4, "conversations": 2, "open": 2}}

    def test_a_closed_store_refuses_work_with_a_store_error(self, open_store: OpenStore) -> None:
        s = open_store("closed")
        s.close()
        with pytest.raises(StoreError):
            s.get_meta("x")
