"""Every exit code of the enum, through the one error boundary (cli/main.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from h2h import errors
from h2h.app import inbox
from h2h.errors import ExitCode
from tests.clirun import run


def test_the_enum_is_the_documented_contract() -> None:
    assert {c.name: int(c) for c in ExitCode} == {
        "OK": 0, "ERROR": 1, "USAGE": 2, "CONFIG": 3, "AUTH": 4, "REMOTE": 5, "PARTIAL": 6, "INTERRUPTED": 130}
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for code in ExitCode:
        assert f"| {int(code)} |" in readme, f"exit code {int(code)} is not documented in the README"


def test_ok_and_usage(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("queue").code == 0
    bad = run("queue", "--no-such-option")
    assert bad.code == 2 and "No such option" in bad.err and "h2h --help" in bad.err
    assert run("frobnicate").code == 2
    assert run("--json", "frobnicate").json()["error"]["code"] == "usage"


@pytest.mark.parametrize("exc, code, name", [
    (errors.H2HError("boom"), 1, "error"),
    (errors.ConfigError("bad"), 3, "config"),
    (errors.AuthError("bad token"), 4, "auth"),
    (errors.RemoteError("down"), 5, "remote"),
    (errors.RateLimited("slow", retry_after=9), 5, "rate_limited"),
    (errors.PartialFailure("2 of 3 failed"), 6, "partial"),
    (KeyboardInterrupt(), 130, "interrupted"),
    (ZeroDivisionError("oops"), 1, "internal"),
])
def test_errors_become_exit_codes_and_json(home: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch, exc: BaseException, code: int,
                                           name: str) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise exc

    monkeypatch.setattr(inbox, "build_queue", fail)
    result = run("queue", "--json")
    assert result.code == code
    doc = result.json()
    assert set(doc) == {"error"} and set(doc["error"]) == {"code", "message", "hint"}
    assert doc["error"]["code"] == name and doc["error"]["hint"], "every message says what to do next"
    human = run("queue")
    assert human.code == code and human.out == "" and "h2h: error:" in human.err and "hint:" in human.err


def test_a_partial_failure_already_said_adds_nothing_but_its_exit_code(
        home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise errors.PartialFailure("1 of 2 failed").already_said()

    monkeypatch.setattr(inbox, "build_queue", fail)
    for argv in (("queue", "--json"), ("queue",)):
        result = run(*argv)
        assert (result.code, result.out, result.err) == (6, "", "")


def test_commands_leave_exit_codes_to_the_boundary() -> None:
    """A command raises an h2h error; only cli/main.py turns it into a status (no
    `typer.Exit(6)` of a command's own)."""
    cli = Path(__file__).resolve().parents[2] / "h2h" / "cli"
    own = [f"{p.name}: {line.strip()}" for p in sorted(cli.glob("*.py"))
           for line in p.read_text(encoding="utf-8").splitlines()
           if "Exit(" in line and ("PARTIAL" in line or "Exit(6" in line)]
    assert own == []


def test_internal_errors_show_a_traceback_only_with_verbose(home: Path, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(inbox, "build_queue", fail)
    assert "Traceback" not in run("queue").err
    assert "Traceback" in run("--verbose", "queue").err


def test_a_real_process_exits_with_the_code(home: Path, tmp_path: Path) -> None:
    env = {"H2H_HOME": str(home), "H2H_NOW": "2026-11-20T12:00:00Z", "PATH": "/usr/bin:/bin"}
    ok = subprocess.run([sys.executable, "-m", "h2h", "queue", "--count"], capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and ok.stdout == "0\n" and ok.stderr == ""
    cfg = subprocess.run([sys.executable, "-m", "h2h", "--config", str(tmp_path / "x.toml")],
                         capture_output=True, text=True, env=env)
    assert cfg.returncode == 3 and cfg.stdout == ""


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from h2h import __version__

    result = run("--version")
    assert result.code == 0 and result.out == f"h2h {__version__}\n"


def test_a_closed_pipe_ends_quietly_like_other_unix_tools(home: Path, tmp_path: Path) -> None:
    from tests.helpers import jsonl, record

    # Far more output than a pipe buffer holds, so h2h is still writing when `head` leaves.
    data = tmp_path / "many.jsonl"
    data.write_text(jsonl(*(record(str(i), f"question {i}?") for i in range(3000))))
    env = {"H2H_HOME": str(home), "H2H_NOW": "2026-11-20T12:00:00Z", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(f"{sys.executable} -m h2h score {data} | head -c 10 >/dev/null; echo ${{PIPESTATUS[0]}}",
                          shell=True, executable="/bin/bash", capture_output=True, text=True, env=env)
    assert proc.stdout.strip() == "141" and proc.stderr == "", "killed by SIGPIPE, nothing printed"
