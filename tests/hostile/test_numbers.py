"""One bad value costs one item, never the program: numbers from outside (API answers,
headers, import lines) are checked and clamped where they come in, and `--json` never
prints a number JSON does not have (NaN, Infinity)."""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from werkzeug import Request, Response

from tests.clirun import run
from tests.sources.mastodon_server import RecordedMastodon
from tests.sources.replay import body


def strict(text: str) -> Any:
    """JSON as a strict parser (JavaScript's, jq's) reads it: NaN and Infinity are errors."""
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def _config(home: Path, table: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('[me]\nname = "Alex"\nhandles = ["@acme@mastodon.social"]\n\n' + table,
                                      encoding="utf-8")


def test_followers_past_2_63_and_a_nan_budget(httpserver, home: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("H2H_NUM_TOKEN", "numbers-token-77e1")
    masto = RecordedMastodon(httpserver)
    for n in masto.v1:
        for account in (n.get("account"), (n.get("status") or {}).get("account")):
            if account:
                account["followers_count"] = 2**63 + 7
    masto.rate = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "nan", "X-RateLimit-Reset": "nan"}
    _config(home, f'[sources.masto]\ntype = "mastodon"\nurl = "{masto.url}"\ntoken_env = "H2H_NUM_TOKEN"\n'
                  'notifications = "v1"\nbackfill = "5000d"\n')
    for _ in range(2):  # the second run too: nothing stored stops a later one
        fetched = run("fetch")
        assert fetched.code == 0, fetched.err
    conn = sqlite3.connect(home / "h2h.db")
    counts = {row[0] for row in conn.execute("SELECT followers FROM persons WHERE followers IS NOT NULL")}
    conn.close()
    assert counts and max(counts) <= 10**12
    listed = run("--json", "sources")
    assert listed.code == 0, listed.err
    strict(listed.out)
    assert run("sources").code == 0
    assert strict(run("--json", "queue", "--all").out)


def test_a_nan_stored_by_an_older_version_is_printed_as_null(home: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "1", "source": "masto", "text": "hello?", "created_at": 1_700_000_000,
                               "author": "marie"}) + "\n", encoding="utf-8")
    assert run("import", str(src)).code == 0
    conn = sqlite3.connect(home / "h2h.db")
    conn.execute("INSERT INTO source_status (source, type, failures, rate_limit, rate_seen_at) "
                 "VALUES ('masto', 'mastodon', 0, '{\"limit\": NaN, \"remaining\": Infinity, \"reset_at\": null}', "
                 "'2026-11-20T10:00:00Z')")
    conn.commit()
    conn.close()
    listed = run("--json", "sources")
    assert listed.code == 0, listed.err
    strict(listed.out)


def _gz(text: str) -> Response:
    return Response(gzip.compress(text.encode()), headers={"Content-Type": "application/json; charset=utf-8",
                                                            "Content-Encoding": "gzip"})


def test_stack_exchange_backoffs_of_1e10_and_1e999(httpserver, home: Path) -> None:  # type: ignore[no-untyped-def]
    questions = body("stackexchange", "search_advanced_docs")
    for backoff in ("1e10", "1e999"):
        httpserver.clear()

        def search(request: Request, backoff: str = backoff) -> Response:
            data = {**questions, "has_more": False}
            return _gz(json.dumps(data)[:-1] + f', "backoff": {backoff}}}')
        httpserver.expect_request("/2.3/search/advanced").respond_with_handler(search)
        httpserver.expect_request(re.compile(r"/2.3/questions/.*")).respond_with_handler(
            lambda r: _gz(json.dumps(body("stackexchange", "answers_docs"))))
        (home / "h2h.db").unlink(missing_ok=True)
        _config(home, f'[sources.so]\ntype = "stackexchange"\nurl = "{httpserver.url_for("/2.3")}"\n'
                      'site = "stackoverflow"\ntags = ["acme"]\nbackfill = "5000d"\n')
        for _ in range(2):
            fetched = run("fetch")
            assert fetched.code in (0, 5), (backoff, fetched.err)  # done, or paused: never a crash
            for pause in re.findall(r"pause of (\d+)s", fetched.err):
                assert int(pause) <= 86400 + 1, fetched.err  # a day at most, then ask again
        listed = run("--json", "sources")
        assert listed.code == 0, listed.err
        strict(listed.out)


def test_an_integer_of_5000_digits_costs_its_line(home: Path, tmp_path: Path) -> None:
    good = {"id": "g1", "source": "masto", "text": "how do I export?", "created_at": 1_700_000_000,
            "author": {"handle": "marie", "followers": 12}}
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(good) + "\n"
                   + '{"id": "b1", "source": "masto", "text": "x", "created_at": 1700000000, '
                     '"author": {"handle": "zoe", "followers": ' + "9" * 5000 + "}}\n"
                   + '{"id": "b2", "source": "masto", "text": "y", "created_at": ' + "1" * 5000
                   + ', "author": "zoe"}\n', encoding="utf-8")
    imported = run("import", str(src))
    assert imported.code == 6, imported.err
    assert "line 2:" in imported.err and "line 3:" in imported.err
    doc = strict(run("--json", "queue", "--all").out)
    assert {i["person"]["handle"] for i in doc["data"]["items"]} == {"marie"}
    scored = run("score", str(src))
    assert scored.code == 6, scored.err
    assert len(scored.out.splitlines()) == 1
