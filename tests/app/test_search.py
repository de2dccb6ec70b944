"""`h2h search TEXT`: words, a person's name, a handle, in the store's FTS5 index, whatever
the conversation's state; `--platform`; an index kept in step with edits and new names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clirun import run
from tests.helpers import jsonl, record

BOB = {"id": "7", "handle": "bob.bsky.social", "name": "Bob Stone"}


@pytest.fixture
def filled(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = jsonl(record("1", "Comment j'exporte mes notes en PDF ?", at="2026-11-20T09:00:00Z"),
                 record("2", "the sync is broken since the update", at="2026-11-20T10:00:00Z", author=BOB,
                        source="bsky", platform="bluesky"),
                 record("3", "thanks, the export works now", at="2026-11-20T11:00:00Z", author=BOB,
                        source="bsky", platform="bluesky", thread="9"))
    assert run("import", "-", stdin=data).code == 0


def _found(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    result = run("search", *args, "--json")
    assert result.code == 0, result.err
    return [i["person"]["handle"] + ":" + i["message"]["id"] for i in result.json()["data"]["items"]]


def test_words_names_handles_and_accents(filled: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert _found(capsys, "pdf") == ["@marie@piaille.fr:1"]
    assert _found(capsys, "exporte") == ["@marie@piaille.fr:1"], "a word's prefix"
    assert set(_found(capsys, "export")) == {"@marie@piaille.fr:1", "bob.bsky.social:3"}
    assert _found(capsys, "Dubois") == ["@marie@piaille.fr:1"], "the person's name"
    assert _found(capsys, "@marie@piaille.fr") == ["@marie@piaille.fr:1"], "a handle"
    assert _found(capsys, "bob export") == ["bob.bsky.social:3"], "every word, in the text or the name"
    assert _found(capsys, "exportè") == _found(capsys, "exporte"), "accents are optional"
    assert _found(capsys, 'sync" OR "pdf') == [], "FTS5 syntax in the input is taken literally"


def test_any_state_and_platform_filter(filled: None, capsys: pytest.CaptureFixture[str]) -> None:
    marie = run("search", "pdf", "--json").json()["data"]["items"][0]["id"]
    assert run("ignore", marie).code == 0
    item = run("search", "pdf", "--json").json()["data"]["items"][0]
    assert item["id"] == marie and item["state"] == "ignored", "put away, still found"
    assert _found(capsys, "export", "--platform", "bluesky") == ["bob.bsky.social:3"]
    typo = run("search", "export", "--platform", "blusky")
    assert typo.code == 2 and "did you mean 'bluesky'?" in typo.err
    nothing = run("search", "   ?! ")
    assert nothing.code == 2 and "nothing to search for" in nothing.err
    plain = run("search", "sync")
    assert plain.code == 0 and "Bob Stone (bob.bsky.social)" in plain.out and "the sync is broken" in plain.out
    assert "Nothing matches" in run("search", "zebra").out


def test_the_index_follows_edits_and_new_names(filled: None, capsys: pytest.CaptureFixture[str]) -> None:
    edited = jsonl(record("2", "the calendar is broken since the update", at="2026-11-20T10:00:00Z",
                          author={**BOB, "name": "Robert Smith"}, source="bsky", platform="bluesky"))
    assert run("import", "-", stdin=edited).code == 0
    assert _found(capsys, "sync") == []
    assert _found(capsys, "calendar") == ["bob.bsky.social:2"]
    assert _found(capsys, "Robert") and not _found(capsys, "Stone"), "the new name, not the old"
    import os

    from h2h.store.sqlite import SQLiteStore

    store = SQLiteStore.open(Path(os.environ["H2H_HOME"]) / "h2h.db")
    try:
        store.conn.execute("INSERT INTO mention_search (mention_search, rank) VALUES ('integrity-check', 1)")
    finally:
        store.close()


# --- a bulk import feeds the index once, at its end (store/sqlite/search.py) -----------

def _index_whole(db: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        # FTS5 compares its index with the messages it is built from, row by row.
        conn.execute("INSERT INTO mention_search (mention_search, rank) VALUES ('integrity-check', 1)")
        assert conn.execute("SELECT value FROM meta WHERE key = 'search_deferred_after'").fetchone() is None
    finally:
        conn.close()


def test_an_import_leaves_the_index_whole(filled: None, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _index_whole(home / "h2h.db")
    assert _found(capsys, "broken") == ["bob.bsky.social:2"]


def test_rows_edited_renamed_and_deleted_before_the_index_catches_up(filled: None, home: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from h2h.store.sqlite import SQLiteStore

    with SQLiteStore.open(home / "h2h.db") as store:
        store.defer_search()  # as a bulk import does; nothing above message 3 is indexed now
        conn = store.conn
        with store.transaction():
            for remote_id, text in (("4", "zebra crossing"), ("5", "yak shaving")):
                conn.execute("""INSERT INTO mentions (source, remote_id, platform, person_id, conversation_id, role,
                                    text, created_at, thread_root, to_me, from_me, ingested_at)
                                SELECT source, ?, platform, person_id, conversation_id, role, ?, created_at,
                                       thread_root, to_me, from_me, ingested_at FROM mentions WHERE remote_id = '2'""",
                             (remote_id, text))
            # The triggers must leave rows the index never held alone: removing them from FTS5
            # would corrupt it. Indexed rows change as before.
            conn.execute("UPDATE mentions SET text = 'walrus crossing' WHERE remote_id = '4'")
            conn.execute("UPDATE mentions SET text = 'otter notes' WHERE remote_id = '1'")
            conn.execute("UPDATE persons SET name = 'Bob Rivers' WHERE remote_id = '7'")
            conn.execute("DELETE FROM mentions WHERE remote_id = '5'")
        assert store.catch_up_search() == 1
        assert store.catch_up_search() == 0
    _index_whole(home / "h2h.db")
    assert _found(capsys, "walrus") == ["bob.bsky.social:4"]
    assert _found(capsys, "zebra") == [] and _found(capsys, "yak") == [] and _found(capsys, "pdf") == []
    assert _found(capsys, "otter") == ["@marie@piaille.fr:1"]
    renamed = _found(capsys, "rivers")  # a line per conversation: 2 and 4 share one
    assert len(renamed) == 2 and {h.split(":")[0] for h in renamed} == {"bob.bsky.social"}
    assert _found(capsys, "stone") == []

