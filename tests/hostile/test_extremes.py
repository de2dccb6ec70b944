"""Extreme arguments are usage errors (exit 2), extreme configs config errors (exit 3):
never an internal error (exit 1), never a fork bomb, never the end of a `next` session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import run

LINES = [{"id": f"q{i}", "source": "masto", "platform": "mastodon", "text": f"@acme how do I export, part {i}?",
          "created_at": "2026-11-20T09:00:00Z", "author": {"handle": f"@p{i}@example.social", "id": f"p{i}"}}
         for i in range(2)]


@pytest.fixture
def filled(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("H2H_NOW", "2026-11-20T12:00:00Z")
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('[me]\nhandles = ["@acme@mastodon.social"]\n\n[sources.m]\ntype = "memory"\n',
                                      encoding="utf-8")
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in LINES) + "\n", encoding="utf-8")
    assert run("import", str(src)).code == 0
    return [json.loads(line)["id"] for line in run("queue", "--jsonl").out.splitlines()]


@pytest.mark.parametrize("args", [["snooze", "{id}", "99999999w"], ["snooze", "{id}", "9" * 400 + "s"],
                                  ["queue", "--since", "99999999w"], ["stats", "--since", "99999999w"]])
def test_huge_durations_are_usage_errors(filled: list[str], args: list[str]) -> None:
    r = run(*[a.format(id=filled[0]) for a in args])
    assert r.code == 2, r.err
    assert "100 years" in r.err and "unexpected" not in r.err


def test_a_huge_snooze_in_next_does_not_end_the_session(filled: list[str]) -> None:
    r = run("next", stdin=b"s\n99999999w\ns\n30m\nq\n")
    assert r.code == 0, r.err
    assert "100 years" in r.err and "unexpected" not in r.err
    assert "1 snoozed" in r.err


@pytest.mark.parametrize("now", ["0001-01-01T00:00:00Z", "0001-01-08T00:00:00Z", "9999-12-31T23:00:00Z"])
@pytest.mark.parametrize("args", [["queue"], ["snooze", "{id}", "1d"], ["stats"], ["fetch"]])
def test_a_clock_at_the_ends_of_the_calendar_is_a_usage_error(filled: list[str], monkeypatch: pytest.MonkeyPatch,
                                                              now: str, args: list[str]) -> None:
    monkeypatch.setenv("H2H_NOW", now)
    r = run(*[a.format(id=filled[0]) for a in args])
    assert r.code == 2, r.err
    assert "H2H_NOW" in r.err and "unexpected" not in r.err


@pytest.mark.parametrize("table", ['[triage]\nsla = "99999999w"\n', '[triage]\ngroup_window = "99999999w"\n',
                                   '[sources.h]\ntype = "hackernews"\nquery = "acme"\nbackfill = 1e300\n',
                                   '[sources.h]\ntype = "hackernews"\nquery = "acme"\nbackfill = "99999999w"\n',
                                   '[draft]\ntimeout = "' + "9" * 400 + 's"\n'])
def test_huge_durations_in_the_config_are_config_errors(home: Path, table: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(table, encoding="utf-8")
    for args in (["queue"], ["fetch"]):
        r = run(*args)
        assert r.code == 3, r.err
        assert "unexpected" not in r.err


@pytest.mark.parametrize("nested", ["x = " + "[" * 500 + "]" * 500, "x = " + "{a = " * 500 + "1" + "}" * 500])
def test_a_500_deep_config_is_a_config_error(home: Path, nested: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("[me]\n" + nested + "\n", encoding="utf-8")
    r = run("queue")
    assert r.code == 3, r.err
    assert "deep" in r.err and "unexpected" not in r.err


def test_h2h_workers_of_twenty_digits_is_a_usage_error(home: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H2H_WORKERS", "99999999999999999999")
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in LINES * 50) + "\n", encoding="utf-8")
    r = run("import", str(src))
    assert r.code == 2, r.err
    assert "H2H_WORKERS" in r.err
