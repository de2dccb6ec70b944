"""The people-links migration and the group bookkeeping in the store."""

from __future__ import annotations

from pathlib import Path

from h2h.models import Flags, Person
from h2h.store.sqlite import SQLiteStore, db, migrations
from tests.store import writes


def _person(store: SQLiteStore, source: str, rid: str, handle: str) -> int:
    return writes.upsert_person(store, Person(source=source, remote_id=rid, handle=handle), source, "2026-11-20T09:00:00Z")


def test_migration_adds_links_to_an_existing_database_after_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "h2h.db"
    conn = db.connect(path)
    migrations.migrate(conn, path, migrations.MIGRATIONS[:1])
    conn.execute("INSERT INTO meta (key, value) VALUES ('engine', 'x')")
    conn.close()
    with SQLiteStore.open(path) as store:
        names = migrations.applied(store.conn)
        assert "0005_people_links" in names
        assert store.conn.execute("SELECT count(*) FROM person_links").fetchone()[0] == 0
    assert list(tmp_path.glob("h2h.db.bak-*-before-0*")), "backed up before the first pending migration"


def test_link_merge_and_unlink_keep_one_root(tmp_path: Path) -> None:
    with SQLiteStore.open(tmp_path / "h2h.db") as store:
        a = _person(store, "masto", "1", "@a@x.social")
        b = _person(store, "bsky", "2", "a.bsky.social")
        c = _person(store, "gh", "3", "a-gh")
        d = _person(store, "reddit", "4", "a_rd")
        assert store.person_group_ids(a) == [a]
        store.link_roots(("masto", "1"), ("bsky", "2"))
        store.link_roots(("gh", "3"), ("reddit", "4"))
        store.link_roots(("masto", "1"), ("gh", "3"))  # two groups merge under one root
        for pid in (a, b, c, d):
            assert store.person_group_ids(pid) == [a, b, c, d]
        assert {store.person_root(s, r) for s, r in (("bsky", "2"), ("gh", "3"), ("reddit", "4"))} == {("masto", "1")}

        store.unlink_identity("masto", "1")  # the root leaves: the earliest linked member takes over
        assert store.person_group_ids(a) == [a]
        assert store.person_group_ids(d) == [b, c, d]
        assert store.person_root("bsky", "2") == ("bsky", "2")

        store.unlink_identity("reddit", "4")
        assert store.person_group_ids(d) == [d] and store.person_group_ids(b) == [b, c]


def test_group_flags_merge_and_previous_conversations_span_the_group(tmp_path: Path) -> None:
    with SQLiteStore.open(tmp_path / "h2h.db") as store:
        a = _person(store, "masto", "1", "@a@x.social")
        b = _person(store, "bsky", "2", "a.bsky.social")
        store.set_person_flags("masto", "1", vip=True, note="met at FOSDEM")
        store.set_person_flags("bsky", "2", note="beta tester")
        assert store.group_flags(b) == Flags(vip=False, muted=False, note="beta tester", handles=("a.bsky.social",))
        writes.create_conversation(store, source="masto", platform="mastodon", person_id=a, person_remote_id="1",
                                  thread_root="t1", standalone=True, first_at="2026-11-01T00:00:00Z")
        assert store.previous_conversations(b, "2026-11-20T00:00:00Z") == 0
        store.link_roots(("bsky", "2"), ("masto", "1"))
        assert store.group_flags(b) == Flags(vip=True, muted=False, note="met at FOSDEM; beta tester",
                                             handles=("@a@x.social", "a.bsky.social"))
        assert store.previous_conversations(b, "2026-11-20T00:00:00Z") == 1
        assert store.previous_conversations(b, "2026-10-01T00:00:00Z") == 0
