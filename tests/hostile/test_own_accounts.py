"""Our accounts are matched by platform and handle, exactly. A stranger who happens to be
called "acme" on Hacker News, or who names a feed entry " @ACME", answering a person's
question is not us answering it: the question stays in the queue."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.clirun import run
from tests.sources.replay import body

WRAPPER = {k: v for k, v in body("hackernews", "search_by_date_comments_query").items() if k != "hits"}


def _hit(object_id: str, author: str, text: str, parent: str, at: int) -> dict[str, Any]:
    return {"created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(at)), "title": None, "url": None,
            "author": author, "points": 1, "story_text": None, "comment_text": text, "num_comments": None,
            "story_id": 4242, "story_title": "Ask HN: exporting notes", "story_url": None, "parent_id": int(parent),
            "created_at_i": at, "_tags": ["comment", f"author_{author}", "story_4242"], "objectID": object_id}


def _config(home: Path, hn_url: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    # "acme" names no platform: it must not make every "acme" anywhere one of us.
    (home / "config.toml").write_text(
        '[me]\nname = "Alex"\nhandles = ["@acme@mastodon.social", "acme"]\n\n'
        f'[sources.hn]\ntype = "hackernews"\nurl = "{hn_url}"\nquery = "acme"\nbackfill = "30d"\n',
        encoding="utf-8")


def _queued(home: Path) -> set[str]:
    doc = json.loads(run("--json", "queue", "--all").out)
    return {i["person"]["handle"] for i in doc["data"]["items"] if i.get("state", "open") == "open"} \
        if "data" in doc else {i["person"]["handle"] for i in doc["items"]}


def test_a_stranger_called_acme_on_hacker_news_does_not_answer_for_us(httpserver, home: Path) -> None:  # type: ignore[no-untyped-def]
    now = int(time.time())
    question = _hit("9001", "marie", "How do I export all my notes from acme at once? I only see one by one.",
                    "4242", now - 3600)
    stranger = _hit("9002", "acme", "no idea, I am not the acme you think (acme is my name)", "9001", now - 600)
    hits = [stranger, question]
    httpserver.expect_request("/api/v1/search_by_date").respond_with_json(
        {**WRAPPER, "hits": hits, "nbHits": 2, "page": 0, "nbPages": 1, "hitsPerPage": 100})
    _config(home, httpserver.url_for("/api/v1"))
    fetched = run("fetch")
    assert fetched.code == 0, fetched.err
    doc = json.loads(run("--json", "queue").out)
    items = doc["data"]["items"] if "data" in doc else doc["items"]
    assert "marie" in {i["person"]["handle"] for i in items}, items
    assert "does not say" in fetched.err and "hackernews:acme" in fetched.err  # the config is told why


def test_a_feed_entry_by_a_spaced_upper_case_acme_is_a_person(home: Path, tmp_path: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('[me]\nname = "Alex"\nhandles = ["acme", "github:acme", "acme.bsky.social"]\n',
                                      encoding="utf-8")
    now = time.time()
    lines = [{"id": "q1", "source": "blog", "platform": "rss", "text": "@acme how do I export my notes?",
              "created_at": now - 3600, "author": {"handle": "marie", "id": "marie"}},
             {"id": "a1", "source": "blog", "platform": "rss", "text": "Nobody knows.", "in_reply_to": "q1",
              "thread": "q1", "created_at": now - 60, "author": {"handle": " @ACME", "id": "impostor"}},
             {"id": "q2", "source": "gh", "platform": "github", "text": "@acme is there an export?",
              "created_at": now - 3000, "author": {"handle": "zoe", "id": "zoe"}},
             {"id": "a2", "source": "gh", "platform": "github", "text": "Yes: Settings, Export.", "in_reply_to": "q2",
              "thread": "q2", "created_at": now - 30, "author": {"handle": "acme", "id": "acme"}}]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    assert run("import", str(src)).code == 0
    doc = json.loads(run("--json", "queue").out)
    handles = {i["person"]["handle"] for i in (doc["data"]["items"] if "data" in doc else doc["items"])}
    assert "marie" in handles          # the impostor's answer does not close her question
    assert "zoe" not in handles        # our GitHub account's answer does
