"""`h2h person`: history across sources, flags, and linking one human's identities."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clirun import run
from tests.records import CONFIG, record, write_config, write_jsonl

ALICE_M = {"id": "a-m", "handle": "@alice@example.social", "name": "Alice Martin"}
ALICE_B = {"id": "did:plc:alice", "handle": "alice.bsky.social", "name": "Alice M."}
ALICE_GH = {"id": "501", "handle": "alice", "name": "Alice Gh"}
ALICE_RD = {"id": "t2_alice", "handle": "alice", "name": ""}
BOB = {"id": "b-m", "handle": "@bob@example.social", "name": "Bob"}

RECORDS = [
    record("m1", "How do I export everything at once?", "2026-11-19T10:00:00Z", ALICE_M,
           source="masto", platform="mastodon"),
    record("r1", "Settings, then Export.", "2026-11-19T10:30:00Z",
           {"id": "us", "handle": "@us@example.social"}, source="masto", platform="mastodon",
           in_reply_to="m1", from_me=True),
    record("m3", "Also: can I export to PDF?", "2026-11-20T07:00:00Z", ALICE_M, source="masto", platform="mastodon"),
    record("m2", "Is there a way to sync two devices?", "2026-11-20T11:00:00Z", BOB,
           source="masto", platform="mastodon"),
    record("b1", "Where did the export button go in 4.3?", "2026-11-20T09:00:00Z", ALICE_B,
           source="bsky", platform="bluesky"),
    record("g1", "Can the API filter by tag?", "2026-11-20T08:00:00Z", ALICE_GH, source="gh", platform="github"),
    record("d1", "Why does the app crash on start?", "2026-11-20T08:30:00Z", ALICE_RD,
           source="reddit", platform="reddit"),
]


@pytest.fixture
def db(home: Path, tmp_path: Path) -> Path:
    write_config(home, CONFIG)
    result = run("import", str(write_jsonl(tmp_path / "people.jsonl", RECORDS)))
    assert result.code == 0, result.err
    return home / "h2h.db"


def _items(*extra: str) -> list[dict]:
    result = run("queue", "--jsonl", "-n", "0", *extra)
    assert result.code == 0, result.err
    return result.lines()


def _item(items: list[dict], handle: str) -> dict:
    return next(i for i in items if i["person"]["handle"] == handle)


def _codes(item: dict) -> set[str]:
    return {r["code"] for r in item["reasons"]}


def test_linked_identities_are_one_person_in_the_queue(db: Path) -> None:
    before = _items()
    masto_alice, bsky_alice = _item(before, "@alice@example.social"), _item(before, "alice.bsky.social")
    assert masto_alice["person"]["key"] != bsky_alice["person"]["key"]
    assert "first_contact" in _codes(bsky_alice)
    assert run("queue", "--count").out == "5\n"

    result = run("person", "link", "@alice@example.social", "alice.bsky.social", "--json")
    assert result.code == 0, result.err
    assert result.json()["data"]["linked"] is True

    after = _items()
    keys = [i["person"]["key"] for i in after]
    alice_key = "masto:a-m"  # the first identity named is the group's root
    assert keys.count(alice_key) == 2
    first = keys.index(alice_key)
    assert keys[first + 1] == alice_key, "a linked human's conversations follow each other"
    # On bluesky she is no longer a stranger: she talked with us on mastodon the day before.
    bsky_alice = _item(after, "alice.bsky.social")
    assert "returning" in _codes(bsky_alice) and "first_contact" not in _codes(bsky_alice)
    assert run("queue", "--count").out == "5\n"  # conversations are still counted one by one

    text = run("queue", "-n", "0").out
    assert text.count("Alice Martin") + text.count("Alice M.") == 1, text
    # Her second conversation follows the first, whichever of the two ranks higher.
    assert ("↳ same person (alice.bsky.social)  [bluesky]" in text
            or "↳ same person (@alice@example.social)  [mastodon]" in text), text

    # Linking again changes nothing; unlinking restores both.
    assert run("person", "link", "alice.bsky.social", "@alice@example.social", "--json").json()["data"]["linked"] is False
    assert run("person", "unlink", "alice.bsky.social").code == 0
    again = _items()
    assert "first_contact" in _codes(_item(again, "alice.bsky.social"))
    assert len({i["person"]["key"] for i in again}) == len(again)


def test_person_view_spans_linked_sources(db: Path) -> None:
    assert run("person", "link", "masto:@alice@example.social", "bsky:alice.bsky.social").code == 0
    view = run("person", "alice.bsky.social", "--json").json()["data"]
    assert view["key"] == "masto:a-m"
    assert [i["source"] for i in view["identities"]] == ["masto", "bsky"]
    assert [c["platform"] for c in view["conversations"]] == ["mastodon", "mastodon", "bluesky"]
    assert view["conversations"][0]["first_response_s"] == 1800.0
    assert view["summary"] == {"conversations": 3, "answered": 1, "first_response_median_s": 1800.0,
                               "first_seen": "2026-11-19T10:00:00Z", "last_seen": "2026-11-20T09:00:00Z"}
    roles = [(m["id"], m["role"]) for m in view["messages"]]
    assert roles == [("b1", "person"), ("m3", "person"), ("r1", "me"), ("m1", "person")]  # newest first, our reply included

    text = run("person", "@alice@example.social").out
    assert text.startswith("Alice Martin (@alice@example.social)")
    assert "masto:@alice@example.social" in text and "bsky:alice.bsky.social" in text
    assert "answered in 30m" in text


def test_flags_apply_to_the_human_and_rescore_the_queue(db: Path) -> None:
    assert run("person", "link", "@alice@example.social", "alice.bsky.social").code == 0
    result = run("person", "alice.bsky.social", "--vip", "--note", "Beta tester since 2024", "--json")
    assert result.code == 0, result.err
    assert result.json()["data"]["vip"] is True
    items = _items()
    assert "vip" in _codes(_item(items, "alice.bsky.social"))
    assert "vip" not in _codes(_item(items, "@bob@example.social"))

    show = run("show", _item(items, "alice.bsky.social")["id"], "--json").json()["data"]
    assert show["person"]["vip"] is True and show["person"]["note"] == "Beta tester since 2024"
    assert {h["source"] for h in show["history"]} == {"masto"}

    assert run("person", "@alice@example.social", "--mute").code == 0
    muted = _items("--all")
    assert {i["section"] for i in muted if i["person"]["key"] == "masto:a-m"} == {"noise"}
    assert run("queue", "--count").out == "3\n"  # bob, and both alices on github and reddit

    assert run("person", "alice.bsky.social", "--unmute", "--no-vip", "--note", "").code == 0
    view = run("person", "alice.bsky.social", "--json").json()["data"]
    assert (view["vip"], view["muted"], view["note"]) == (False, False, None)
    assert _item(_items(), "alice.bsky.social")["section"] == "reply"


def test_an_ambiguous_handle_lists_the_candidates(db: Path) -> None:
    result = run("person", "alice", "--vip")
    assert result.code == 2
    assert "gh:alice (github)" in result.err and "reddit:alice (reddit)" in result.err
    assert "SOURCE:HANDLE" in result.err
    assert run("person", "gh:alice", "--vip").code == 0
    items = _items()
    assert "vip" in _codes(next(i for i in items if i["source"] == "gh"))
    assert "vip" not in _codes(next(i for i in items if i["source"] == "reddit"))


def test_unknown_people_and_bad_usage(db: Path) -> None:
    result = run("person", "@nobody@example.social", "--json")
    assert result.code == 1 and result.json()["error"]["code"] == "not_found"
    assert run("person", "link", "@alice@example.social").code == 2
    assert run("person", "link", "a", "b", "--vip").code == 2
    assert run("person", "two", "words").code == 2


def test_a_conversation_id_names_its_person(db: Path) -> None:
    conv = _item(_items(), "@bob@example.social")["id"]
    assert run("person", conv, "--json").json()["data"]["handle"] == "@bob@example.social"


def test_queue_since(db: Path) -> None:
    # Latest messages in the queue: alice@masto 07:00, bob 20th 11:00, alice@bsky 09:00, gh 08:00, reddit 08:30.
    assert run("queue", "--count", "--since", "2h").out == "1\n"   # newer than 10:00: bob
    assert run("queue", "--count", "--since", "2026-11-20T08:15:00Z").out == "3\n"
    doc = run("queue", "--json", "--since", "3h30m").json()["data"]
    assert [i["person"]["handle"] for i in doc["items"]] == ["@bob@example.social", "alice.bsky.social"] or \
        {i["person"]["handle"] for i in doc["items"]} == {"@bob@example.social", "alice.bsky.social"}
    assert doc["counts"]["reply"] == 2
    bad = run("queue", "--since", "last tuesday", "--json")
    assert bad.code == 2 and "--since" in bad.json()["error"]["message"]


def test_a_config_vip_handle_covers_the_identities_linked_to_it(home: Path, tmp_path: Path) -> None:
    write_config(home, CONFIG + 'vip = ["@alice@example.social"]\n')
    assert run("import", str(write_jsonl(tmp_path / "people.jsonl", RECORDS))).code == 0
    assert "vip" not in _codes(_item(_items(), "alice.bsky.social"))
    assert run("person", "link", "alice.bsky.social", "@alice@example.social").code == 0
    assert "vip" in _codes(_item(_items(), "alice.bsky.social"))
    show = run("show", _item(_items(), "alice.bsky.social")["id"], "--json").json()["data"]
    assert show["person"]["vip"] is True
