"""Unattended runs: `h2h fetch --quiet` under cron is silent on success, says what
failed on stderr with the documented exit code, and never runs twice at once.

These need the fetch runner (`h2h fetch`, the lock in H2H_HOME, `--wait`), which
lands from another branch: until then they are skipped, then run as they are.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from h2h.errors import ExitCode
from tests.cli import fake_sources
from tests.clirun import run
from tests.records import write_config

ROOT = Path(__file__).resolve().parents[2]


def _has_fetch() -> bool:
    import typer

    from h2h.cli.main import app

    return "fetch" in {c.name for c in typer.main.get_command(app).commands.values()}  # type: ignore[attr-defined]


pytestmark = pytest.mark.skipif(not _has_fetch(), reason="needs runner: `h2h fetch` lands with branch listen-core")


@pytest.fixture(autouse=True)
def _sources(monkeypatch: pytest.MonkeyPatch) -> None:
    from h2h.sources import registry

    monkeypatch.setattr(registry, "BUILTIN", dict(registry.BUILTIN))
    fake_sources.install()


def _config(home: Path, **sources: str) -> None:
    tables = "".join(f"\n[sources.{name}]\n{body}\n" for name, body in sources.items())
    write_config(home, '[me]\nname = "Alex"\n' + tables)


def test_quiet_success_prints_nothing(home: Path) -> None:
    _config(home, one='type = "test-ok"\ncount = 3', two='type = "test-ok"\ncount = 2')
    result = run("fetch", "--quiet")
    assert (result.code, result.out, result.err) == (0, "", "")
    assert run("queue", "--count").out == "5\n"
    again = run("fetch", "--quiet")  # nothing new: still silent, still 0
    assert (again.code, again.out, again.err) == (0, "", "")
    log = (home / "logs" / "h2h.log").read_text()
    assert "start fetch" in log and "exit 0" in log


@pytest.mark.parametrize("kind, code", [("remote", ExitCode.REMOTE), ("auth", ExitCode.AUTH),
                                        ("rate", ExitCode.REMOTE)])
def test_a_failing_source_alone_gives_its_exit_code(home: Path, kind: str, code: ExitCode) -> None:
    _config(home, broken=f'type = "test-fail"\nkind = "{kind}"')
    result = run("fetch", "--quiet")
    assert result.code == int(code)
    assert result.out == ""
    assert "broken" in result.err  # names the source, says what to do
    assert "hint" in result.err or "h2h sources" in result.err


def test_some_sources_failing_is_partial_and_the_others_are_kept(home: Path) -> None:
    _config(home, good='type = "test-ok"\ncount = 2', broken='type = "test-fail"\nkind = "remote"')
    result = run("fetch", "--quiet")
    assert result.code == int(ExitCode.PARTIAL)
    assert result.out == "" and "broken" in result.err
    assert run("queue", "--count").out == "2\n"


def test_json_reports_failure_on_stdout(home: Path) -> None:
    _config(home, good='type = "test-ok"', broken='type = "test-fail"')
    result = run("fetch", "--quiet", "--json")
    assert result.code == int(ExitCode.PARTIAL)
    assert result.json()  # one document, parseable, on stdout


def test_config_errors_exit_3(home: Path) -> None:
    _config(home, typo='type = "no-such-type"')
    result = run("fetch", "--quiet")
    assert result.code == int(ExitCode.CONFIG) and "no-such-type" in result.err


def _spawn(home: Path, *args: str) -> subprocess.Popen[str]:
    code = ("import sys; from tests.cli import fake_sources; fake_sources.install(); "
            "from h2h.cli.main import main; main(sys.argv[1:])")
    env = {**os.environ, "H2H_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(path: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_a_second_run_exits_at_once_unless_wait(home: Path, tmp_path: Path) -> None:
    started, release = tmp_path / "started", tmp_path / "release"
    _config(home, slow=f'type = "test-hold"\nstarted_file = "{started}"\nrelease_file = "{release}"')
    first = _spawn(home, "fetch", "--quiet")
    try:
        _wait_for(started)
        t0 = time.monotonic()
        second = _spawn(home, "fetch", "--quiet")
        out, err = second.communicate(timeout=20)
        assert time.monotonic() - t0 < 5, "a second run must not wait for the first"
        assert second.returncode != 0 and out == ""
        assert any(w in err.lower() for w in ("lock", "already running", "another")), err

        waiting = _spawn(home, "fetch", "--quiet", "--wait")
        time.sleep(1.0)
        assert waiting.poll() is None, "--wait waits for the running fetch"
        release.touch()
        assert first.wait(timeout=30) == 0
        out, err = waiting.communicate(timeout=30)
        assert (waiting.returncode, out, err) == (0, "", "")
    finally:
        release.touch()
        for proc in (first,):
            if proc.poll() is None:
                proc.kill()
