"""The log file: where it is, its mode, rotation, redaction, and what a command writes to it."""

from __future__ import annotations

import logging
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from h2h import redact
from h2h.cli import logs
from tests.clirun import run
from tests.records import record, write_jsonl


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _closed() -> None:
    yield
    logs.close()


def test_a_command_that_changes_something_logs_it(home: Path, tmp_path: Path) -> None:
    lines = [record("1", "How do I export?", "2026-11-20T10:00:00Z", "@ann@example.social", source="m")]
    assert run("import", "--json", str(write_jsonl(tmp_path / "in.jsonl", lines))).code == 0
    log = home / "logs" / "h2h.log"
    assert _mode(log) == 0o600 and _mode(log.parent) == 0o700
    text = log.read_text()
    assert " INFO h2h: start import (--json)" in text
    assert "import: 1 read, 1 new, 0 updated, 0 unchanged, 1 conversations touched, 0 bad lines" in text
    assert text.rstrip().splitlines()[-1].split(" INFO h2h: ")[1].startswith("exit 0 after ")
    assert "How do I export" not in text, "message texts are never logged"
    assert text.startswith("2026-") or text[:4].isdigit()


def test_read_only_commands_do_not_create_a_log(home: Path) -> None:
    assert run("queue").code == 0
    assert run("stats").code == 0
    assert not (home / "logs").exists()


def test_errors_are_logged_with_secrets_redacted(home: Path) -> None:
    secret = "tok-9f8e7d6c5b4a3210"
    redact.register(secret)
    result = run("import", f"/nonexistent/{secret}.jsonl")
    assert result.code == 1
    assert secret not in result.err and "***" in result.err
    text = (home / "logs" / "h2h.log").read_text()
    assert secret not in text
    assert "ERROR h2h: error input: cannot read /nonexistent/***.jsonl" in text
    assert "WARNING h2h: exit 1 after" in text


def test_redaction_covers_arguments_and_tracebacks(home: Path) -> None:
    secret = "sk-abcdef0123456789"
    redact.register(secret)
    log = logs.setup("test")
    log.info("token is %s", secret)
    try:
        raise RuntimeError(f"failed with {secret}")
    except RuntimeError:
        log.exception("boom")
    logs.close()
    text = (home / "logs" / "h2h.log").read_text()
    assert secret not in text
    assert text.count("***") == 2 and "RuntimeError: failed with ***" in text


def test_rotation_keeps_every_file_private(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 2000)
    log = logs.setup("test")
    for i in range(200):
        log.info("line %d %s", i, "x" * 40)
    logs.close()
    files = sorted((home / "logs").glob("h2h.log*"))
    assert [f.name for f in files] == ["h2h.log", "h2h.log.1", "h2h.log.2", "h2h.log.3", "h2h.log.4", "h2h.log.5"]
    assert all(_mode(f) == 0o600 for f in files)
    assert all(f.stat().st_size <= 2000 for f in files)


def test_an_existing_readable_log_is_made_private(home: Path) -> None:
    target = home / "logs" / "h2h.log"
    target.parent.mkdir(parents=True)
    target.write_text("old\n")
    target.chmod(0o644)
    logs.setup("test").info("hello")
    logs.close()
    assert _mode(target) == 0o600 and target.read_text().startswith("old\n")


def test_an_unwritable_log_folder_does_not_stop_the_command(home: Path, tmp_path: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "logs").write_text("a file where the folder should be")
    lines = [record("1", "Hello?", "2026-11-20T10:00:00Z", "ann", source="m")]
    result = run("import", str(write_jsonl(tmp_path / "in.jsonl", lines)))
    assert result.code == 0
    assert "cannot write the log file" in result.err
    quiet = run("--quiet", "import", str(write_jsonl(tmp_path / "in.jsonl", lines)))
    assert quiet.code == 0 and quiet.err == ""


def test_help_does_not_load_logging() -> None:
    code = ("import sys\nfrom h2h.cli.main import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('h2h.cli.logs', 'logging.handlers', 'h2h.app.stats', 'h2h.app.people') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_the_logger_is_the_h2h_logger() -> None:
    assert logs.setup("test") is logging.getLogger("h2h")
