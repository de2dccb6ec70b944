"""`h2h fetch` and `h2h sources` end to end in-process, against the recorded Mastodon on loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from h2h.fetch.lock import FetchLock
from tests.clirun import run
from tests.sources.mastodon_server import RecordedMastodon, recorded

TOKEN = "cli-test-token-abcdef"


@pytest.fixture
def masto(httpserver: Any, home: Path, monkeypatch: pytest.MonkeyPatch) -> RecordedMastodon:
    server = RecordedMastodon(httpserver)
    monkeypatch.setenv("H2H_CLI_TOKEN", TOKEN)
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(f"""
[me]
name = "Alex"
[sources.masto]
type = "mastodon"
url = "{server.url}"
token_env = "H2H_CLI_TOKEN"
backfill = "3650d"
""")
    return server


def add_broken_source(home: Path) -> None:
    with open(home / "config.toml", "a") as f:
        f.write('[sources.broken]\ntype = "mastodon"\nurl = "https://example.social"\ntoken_env = "H2H_UNSET_X"\n')


def test_fetch_is_silent_under_cron_and_fills_the_queue(masto: RecordedMastodon,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run("fetch")
    assert (code, out, err) == (0, "", "")
    # The recording's one author sends "hey how you doing - N!" ten times: triage calls that automated.
    code, out, _ = run("queue", "--json", "--all")
    items = json.loads(out)["data"]["items"]
    assert code == 0 and items and all(i["platform"] == "mastodon" for i in items)
    assert items[0]["person"]["handle"] == "@admin@mastodon.social"


def test_fetch_json_report(masto: RecordedMastodon, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run("fetch", "--json")
    data = json.loads(out)["data"]
    assert code == 0 and data["new"] == 10 and data["failed"] == []
    (src,) = data["sources"]
    assert src["source"] == "masto" and src["ok"] and src["cursor_moved"]
    assert src["rate_limit"]["limit"] == 300.0
    code, out, _ = run("fetch", "--json")
    assert json.loads(out)["data"]["new"] == 0


def test_one_failing_source_exits_6_and_says_why(masto: RecordedMastodon, home: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    add_broken_source(home)
    code, out, err = run("fetch")
    assert code == 6 and out == ""
    assert "broken" in err and "H2H_UNSET_X" in err and "hint:" in err
    code, out, _ = run("--json", "fetch")
    data = json.loads(out)["data"]
    assert code == 6 and data["failed"] == ["broken"]
    assert [s["ok"] for s in data["sources"]] == [False, True]


def test_all_failing_with_auth_exits_4(masto: RecordedMastodon, capsys: pytest.CaptureFixture[str]) -> None:
    masto.fail("/api/v1/accounts/verify_credentials", recorded("error_401_unauthenticated"))
    code, out, err = run("fetch", "--json")
    assert code == 4
    error = json.loads(out)["error"]
    assert error["code"] == "auth" and "The access token is invalid" in error["message"]
    assert TOKEN not in out + err


def test_unknown_source_is_a_usage_error(masto: RecordedMastodon, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run("fetch", "nope")
    assert code == 2 and "masto" in err


def test_no_sources_is_a_config_error(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run("fetch")
    assert code == 3 and "[sources.NAME]" in err


def test_a_second_fetch_exits_at_once(masto: RecordedMastodon, home: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    with FetchLock(home / "fetch.lock").acquire():
        code, out, err = run("fetch", "--json")
    assert code == 1 and json.loads(out)["error"]["code"] == "fetch_running" and "--wait" in err
    assert not masto.requests


def test_sources_shows_last_fetch_counts_errors_and_budget(masto: RecordedMastodon, home: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    add_broken_source(home)
    run("fetch")
    code, out, _ = run("sources", "--json")
    rows = {r["name"]: r for r in json.loads(out)["data"]["sources"]}
    assert code == 0
    assert rows["masto"]["counts"]["mentions"] == 10 and rows["masto"]["failures"] == 0
    assert rows["masto"]["rate_limit"]["remaining"] == 299.0 and rows["masto"]["has_cursor"]
    assert rows["broken"]["failures"] == 1 and rows["broken"]["last_error"]["code"] == "config"
    code, out, _ = run("sources")
    assert "masto [mastodon]" in out and "FAILING (1x)" in out and "budget 299/300" in out


def test_sources_check(masto: RecordedMastodon, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run("sources", "check")
    assert code == 0 and out.strip() == "masto\tok\t@testuser@mastodon.social"
    code, out, _ = run("sources", "--json")
    assert json.loads(out)["data"]["sources"][0]["account"] == "@testuser@mastodon.social"
    masto.fail("/api/v1/accounts/verify_credentials", recorded("error_401_token_revoked"))
    code, out, err = run("sources", "check")
    assert code == 4 and "FAILED" in out


def test_verbose_says_what_each_source_did(masto: RecordedMastodon, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run("--verbose", "fetch")
    assert code == 0 and out == ""
    assert err.startswith("h2h: masto: 10 new of 10 read in ")
