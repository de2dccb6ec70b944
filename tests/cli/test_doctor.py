"""`h2h doctor`: every line a finding with what to do; secrets' presence, never their values;
the database checked read-only; exit 1 only when something must be fixed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import run
from tests.cli.test_json_contract import check

SECRET = "s3cr3t-canary-value-9f2"


def test_a_healthy_home(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (home / "config.toml").write_text('[me]\nname = "Alex"\n')
    (home / "config.toml").chmod(0o600)
    home.chmod(0o700)
    result = run("doctor")
    assert result.code == 0 and "Everything looks right." in result.out, result.out
    assert "OK    database:" in result.out and "intact" in result.out


def test_what_is_wrong_and_what_to_do(home: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("H2H_TEST_TOKEN", SECRET)
    (home / "config.toml").write_text(
        '[me]\nname = "Alex"\n\n[sources.masto]\ntype = "mastodon"\nurl = "http://127.0.0.1:9"\n'
        'token_env = "H2H_TEST_TOKEN"\n\n[sources.gh]\ntype = "github"\ntoken_env = "H2H_MISSING_TOKEN"\n'
        '\n[sources.pass]\ntype = "github"\ntoken_cmd = "no-such-password-manager show gh"\n')
    (home / "config.toml").chmod(0o644)
    (home / "h2h.db").chmod(0o644)
    result = run("doctor", "--offline")
    assert result.code == 1
    out = result.out
    assert "FAIL  source gh: token_env: $H2H_MISSING_TOKEN is not set" in out and "export H2H_MISSING_TOKEN=" in out
    assert "OK    source masto: token_env: $H2H_TEST_TOKEN is set" in out
    assert "FAIL  source pass: token_cmd: 'no-such-password-manager' not found on PATH (not run)" in out
    assert f"chmod 600 {home / 'config.toml'}" in out and f"chmod 600 {home / 'h2h.db'}" in out
    assert SECRET not in out + result.err
    online = run("--json", "doctor")
    doc = online.json()["data"]
    assert online.code == 1 and doc["ok"] is False and SECRET not in online.out
    check("doctor", doc)
    masto = [c for c in doc["checks"] if c["check"] == "source masto"]
    assert [c["status"] for c in masto] == ["ok", "fail"], "the token is there, the server does not answer"
    assert all(c["hint"] for c in doc["checks"] if c["status"] != "ok"), "every problem says what to do"


def test_a_damaged_database_and_no_database(home: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (home / "h2h.db").write_bytes(b"this is not sqlite" * 100)
    before = (home / "h2h.db").read_bytes()
    result = run("doctor", "--offline")
    assert result.code == 1 and "FAIL  database:" in result.out and "*.bak-*" in result.out
    assert (home / "h2h.db").read_bytes() == before, "doctor changes nothing"
    monkeypatch.setenv("H2H_HOME", str(tmp_path / "nowhere"))
    fresh = run("doctor", "--offline", "--json").json()["data"]
    assert fresh["ok"] is True and not (tmp_path / "nowhere").exists()
    assert {c["check"]: c["status"] for c in fresh["checks"]}["database"] == "warn"
    json.dumps(fresh)
