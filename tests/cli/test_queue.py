"""`h2h import` then `h2h queue`: the whole loop, and the queue's JSON contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clirun import run
from tests.helpers import jsonl, record

ALICE = {"id": "1", "handle": "@alice@example.social", "name": "Alice Martin", "followers": 250}
BOB = {"id": "2", "handle": "@bob@example.social", "name": "Bob"}
CAROL = {"id": "3", "handle": "carol.bsky.social", "name": "Carol"}
BOT = {"id": "4", "handle": "@news@bots.social", "name": "News", "bot": True}
US = {"id": "9", "handle": "@acme@mastodon.social", "name": "Acme"}

CONFIG = """
[me]
name = "Alex"
handles = ["@acme@mastodon.social"]
[triage]
sla = "4h"
vip = ["@vip@example.social"]
"""

ITEM_KEYS = {"rank", "id", "section", "score", "reasons", "person", "source", "platform", "waiting_s",
             "lang", "url", "text", "mentions"}


@pytest.fixture
def loaded(home: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(CONFIG)
    data = jsonl(
        record("1", "How do I export my notes? It keeps failing", at="2026-11-20T08:00:00Z", author=ALICE,
               url="https://example.social/@alice/1"),
        record("2", "Thanks a lot, great app!", at="2026-11-20T11:00:00Z", author=BOB),
        record("3", "New release of something, see https://x.example/r", at="2026-11-20T09:00:00Z", author=BOT),
        record("4", "Comment j'exporte mes données ?", at="2026-11-20T11:30:00Z", author=CAROL,
               source="bsky", platform="bluesky"),
        record("5", "Is sync broken for everyone?", at="2026-11-20T07:00:00Z",
               author={"id": "5", "handle": "@dan@example.social", "name": "Dan"}),
        record("6", "@dan yes, fixed now!", at="2026-11-20T07:30:00Z", author=US, in_reply_to="5", from_me=True),
    )
    result = run("import", "-", stdin=data)
    assert result.code == 0, result.err
    return home


def test_queue_ranks_the_question_first_and_hides_answered(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run("queue", "--json")
    assert result.code == 0
    doc = result.json()["data"]
    reply = [i for i in doc["items"] if i["section"] == "reply"]
    assert [i["person"]["handle"] for i in reply][:1] == ["@alice@example.social"]
    handles = {i["person"]["handle"] for i in doc["items"]}
    assert "@dan@example.social" not in handles, "a conversation we answered must not be in the queue"
    assert "@news@bots.social" not in handles, "noise is hidden unless --all"
    assert doc["counts"]["noise"] >= 1
    assert {i["section"] for i in doc["items"]} <= {"reply", "thanks", "careful"}


def test_queue_items_carry_every_contract_field(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items = run("queue", "--jsonl", "--all").lines()
    assert items
    for item in items:
        assert ITEM_KEYS <= set(item), ITEM_KEYS - set(item)
        assert set(item["person"]) >= {"handle", "name", "platform"}
        assert all(set(r) == {"code", "label", "points"} for r in item["reasons"])
        assert abs(sum(r["points"] for r in item["reasons"]) - item["score"]) < 0.05, "score = sum of reasons"
        assert all(set(m) >= {"source", "id", "created_at"} for m in item["mentions"])
    first = items[0]
    assert first["mentions"][0]["id"] == "1" and first["waiting_s"] == 4 * 3600
    for section in {i["section"] for i in items}:  # ranks count from 1 in each section
        ranks = [i["rank"] for i in items if i["section"] == section]
        assert ranks == list(range(1, len(ranks) + 1))


def test_all_shows_noise_and_sections_come_in_order(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items = run("queue", "--jsonl", "--all").lines()
    order = ["reply", "thanks", "careful", "noise"]
    seen = [order.index(i["section"]) for i in items]
    assert seen == sorted(seen)
    assert any(i["section"] == "noise" for i in items)
    assert any(i["section"] == "thanks" and i["person"]["handle"] == "@bob@example.social" for i in items)


def test_limit_section_source_and_count(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    limited = run("queue", "--jsonl", "--limit", "1").lines()
    assert [i["section"] for i in limited] == ["reply", "thanks"], "the limit applies to each section"
    thanks = run("queue", "--jsonl", "--section", "thanks").lines()
    assert thanks and all(i["section"] == "thanks" for i in thanks)
    bsky = run("queue", "--jsonl", "--source", "bsky").lines()
    assert [i["source"] for i in bsky] == ["bsky"]
    count = run("queue", "--count")
    assert count.code == 0 and count.out.strip() == "2"
    assert run("queue", "--count", "--section", "noise").out.strip() == "1"
    assert run("--json", "queue", "--count").json()["data"] | {"since": None} == {"count": 2, "section": "reply", "source": None, "since": None}


def test_bare_h2h_is_the_queue(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bare = run()
    queue = run("queue")
    assert bare.code == 0 and bare.out == queue.out
    assert "Alice Martin" in bare.out and "Reply to these humans first" in bare.out
    assert "Not shown: 1 in noise (`h2h queue --section noise`)." in bare.out


def test_plain_output_has_rank_who_wait_reasons_and_text(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run("queue").out
    first = out.split("==", 2)[2]
    assert "1  " in first and "@alice@example.social" in first and "[mastodon]" in first
    assert "waiting 4h" in first and "asks a question" in first
    assert "How do I export my notes?" in first
    assert "\x1b" not in out, "no escape codes when stdout is not a terminal"


def test_empty_queue_is_ok(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run("queue")
    assert result.code == 0 and "Everyone has an answer." in result.out
    assert run("queue", "--json").json()["data"]["items"] == []
    assert run("queue", "--count").out.strip() == "0"


def test_bad_section_is_a_usage_error(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run("queue", "--section", "later")
    assert result.code == 2 and "unknown section" in result.err
    result = run("queue", "--json", "--section", "later")
    assert result.json()["error"]["code"] == "usage"


def test_a_new_reply_from_the_person_brings_an_answered_conversation_back(
        loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    follow = jsonl(record("7", "Thanks! One more thing: does it work offline?", at="2026-11-20T11:50:00Z",
                          author={"id": "5", "handle": "@dan@example.social", "name": "Dan"}, in_reply_to="6"))
    assert run("import", "-", stdin=follow).code == 0
    items = run("queue", "--jsonl").lines()
    dan = [i for i in items if i["person"]["handle"] == "@dan@example.social"]
    assert len(dan) == 1 and dan[0]["text"].startswith("Thanks! One more thing")
    assert [m["id"] for m in dan[0]["mentions"]] == ["7"], "only the unanswered message is waiting"
    assert dan[0]["waiting_s"] == 600


def test_teammate_reply_answers_the_conversation(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('[me]\nhandles = ["@acme@m.s"]\nteam = ["@jo@m.s"]\n')
    data = jsonl(record("1", "Where is the export button?", author=ALICE),
                 record("2", "@alice Settings > Export", at="2026-11-20T10:05:00Z",
                        author={"id": "77", "handle": "@jo@m.s"}, in_reply_to="1"))
    run("import", "-", stdin=data)
    assert run("queue", "--count").out.strip() == "0"


def test_standalone_posts_close_in_time_are_one_conversation(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = jsonl(record("1", "Is there a dark mode?", at="2026-11-20T10:00:00Z", author=ALICE),
                 record("2", "also, can I change the font?", at="2026-11-20T10:10:00Z", author=ALICE),
                 record("3", "different topic: pricing?", at="2026-11-21T10:10:00Z", author=ALICE))
    run("import", "-", stdin=data)
    items = run("queue", "--jsonl").lines()
    assert sorted(len(i["mentions"]) for i in items) == [1, 2]


def test_a_filter_naming_nothing_is_a_usage_error_with_did_you_mean(home: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`--source mastodn` or `--section replly` is a typo, not an empty queue."""
    from tests.helpers import jsonl, record

    (home / "config.toml").write_text('[me]\nname = "Alex"\n\n[sources.masto]\ntype = "memory"\n')
    assert run("import", "-", stdin=jsonl(record("1", "how do I export?", source="support-inbox"))).code == 0
    for argv, wanted in ((["queue", "--source", "mastoo"], "did you mean 'masto'?"),
                         (["queue", "--source", "support-inbx"], "did you mean 'support-inbox'?"),
                         (["queue", "--section", "replly"], "did you mean 'reply'?"),
                         (["queue", "--count", "--source", "mastoo"], "did you mean 'masto'?"),
                         (["next", "--section", "thank"], "did you mean 'thanks'?"),
                         (["next", "--source", "mastoo"], "did you mean 'masto'?")):
        result = run(*argv)
        assert result.code == 2 and wanted in result.err and result.out == "", argv
    assert run("--json", "queue", "--source", "zzz").json()["error"]["code"] == "usage"
    # Named in the config, or in the database only (an imported file): an answer, even an empty one.
    assert run("queue", "--count", "--source", "masto").out == "0\n"
    assert run("queue", "--count", "--source", "support-inbox").out == "1\n"
