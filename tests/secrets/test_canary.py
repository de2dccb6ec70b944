"""Secrets: a canary token, read the way sources read tokens, must not appear in any
byte h2h writes: stdout, stderr (errors, warnings, --verbose tracebacks), --json
errors, and every file under H2H_HOME (database, WAL, logs, backups). Files h2h
creates are 0600; a config holding a token and readable by others draws a warning.

When fetch, reply and logs land, their commands join COMMANDS below."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from h2h import config as config_mod
from h2h import redact
from h2h.sources import auth
from tests.clirun import run
from tests.faults.helpers import synth_lines, write_lines

CANARY = "h2h-canary-7f3a9c1e5b2d4068"


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _assert_nowhere(blobs: list[bytes | str], home: Path) -> None:
    needle = CANARY.encode()
    for blob in blobs:
        data = blob.encode("utf-8", "surrogateescape") if isinstance(blob, str) else blob
        assert needle not in data
    for path in _files(home):
        assert needle not in path.read_bytes(), f"canary found in {path}"


@pytest.fixture
def planted(home: Path, monkeypatch: pytest.MonkeyPatch):
    """A config whose sources take the canary from the environment, the canary read
    (and so registered) as an adapter would, and cleaned from the registry after."""
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("H2H_CANARY_TOKEN", CANARY)
    cfg = home / "config.toml"
    cfg.write_text('[me]\nname = "Alex"\nhandles = ["@acme@mastodon.social"]\n\n'
                   '[sources.masto]\ntype = "memory"\ntoken_env = "H2H_CANARY_TOKEN"\n', encoding="utf-8")
    cfg.chmod(0o600)
    saved = set(redact._secrets)
    assert auth.secret("masto", {"token_env": "H2H_CANARY_TOKEN"}) == CANARY
    yield cfg
    redact._secrets.clear()
    redact._secrets.update(saved)


def test_canary_never_written(home: Path, tmp_path: Path, planted: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", synth_lines(400, seed=9))
    # A file named after the token, and posts quoting it: inputs that echo a secret back.
    echo = tmp_path / f"{CANARY}.jsonl"
    echo.write_text(json.dumps({"id": "c1", "text": "is my token " + CANARY + " leaked?", "created_at": 1,
                                "author": "x"}) + "\n", encoding="utf-8")
    outputs: list[str] = []
    for args in (["--verbose", "import", str(src)], ["--json", "import", str(src)],
                 ["queue"], ["--json", "queue", "--all"], ["queue", "--jsonl"],
                 ["--verbose", "show", CANARY], ["--json", "show", CANARY],
                 ["--json", "import", str(tmp_path / f"missing-{CANARY}.jsonl")],
                 ["--verbose", "--config", str(tmp_path / f"{CANARY}.toml"), "queue"],
                 ["score", str(src)]):
        r = run(*args)
        outputs += [r.out, r.err]
    key = json.loads(run("queue", "--jsonl", "--limit", "1").out.splitlines()[0])["id"]
    for args in (["show", key], ["draft", key], ["--json", "draft", key], ["done", key], ["reopen", key]):
        r = run(*args)
        assert r.code == 0, r.err
        outputs += [r.out, r.err]
    _assert_nowhere(outputs, home)
    assert any("***" in o for o in outputs)  # it was there to leak, and was masked


def test_canary_in_an_unexpected_error_with_traceback(home: Path, planted: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from h2h.app import inbox

    def boom(*a, **k):
        raise RuntimeError(f"adapter said: Authorization: Bearer {CANARY}")

    monkeypatch.setattr(inbox, "build_queue", boom)
    for args in (["--verbose", "queue"], ["--json", "--verbose", "queue"]):
        r = run(*args)
        assert r.code == 1
        assert "Traceback" in r.err if "--json" not in args else True
        _assert_nowhere([r.out, r.err], home)
        assert "***" in r.err


def test_token_in_a_config_readable_by_others_warns(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "config.toml"
    cfg.write_text(f'[sources.masto]\ntype = "memory"\ntoken = "{CANARY}"\n', encoding="utf-8")
    cfg.chmod(0o644)
    warnings = config_mod.load().warnings
    assert any("readable by other users" in w and "chmod 600" in w for w in warnings)
    r = run("queue")
    assert "readable by other users" in r.err and "chmod 600" in r.err
    assert CANARY not in r.err and CANARY not in r.out
    cfg.chmod(0o600)
    assert not any("readable" in w for w in config_mod.load().warnings)
    assert any("token_env" in w for w in config_mod.load().warnings)  # still: prefer token_env
    cfg.write_text('[sources.masto]\ntype = "memory"\ntoken_env = "X"\n', encoding="utf-8")
    cfg.chmod(0o644)
    assert config_mod.load().warnings == ()  # no token in the file: nothing to protect


def test_files_created_0600(home: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        import sqlite3

        src = write_lines(tmp_path / "in.jsonl", synth_lines(300, seed=10))
        assert run("import", str(src)).code == 0
        # The WAL and shared-memory files exist while a connection is open: keep one.
        keeper = sqlite3.connect(home / "h2h.db")
        keeper.execute("SELECT count(*) FROM mentions").fetchone()
        assert run("import", str(src)).code == 0
        for suffix in ("-wal", "-shm"):
            side = home / f"h2h.db{suffix}"
            assert side.exists() and stat.S_IMODE(side.stat().st_mode) == 0o600, suffix
        keeper.close()
        assert run("init").code == 0
        assert run("demo", "--into", str(home / "demo")).code == 0
        # A migration backup: pretend the database predates the newest migration.
        conn = sqlite3.connect(home / "h2h.db")
        conn.execute("DELETE FROM _h2h_migrations WHERE name = (SELECT max(name) FROM _h2h_migrations)")
        conn.commit()
        conn.close()
        r = run("queue")
        files = _files(home)
        assert any(".bak-" in p.name for p in files) or "already exists" in r.err
        db_files = [p for p in files if p.name.startswith("h2h.db") or p.suffix == ".toml" or "logs" in p.parts]
        assert db_files
        for p in db_files:
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, f"{p} is {oct(p.stat().st_mode)}"
    finally:
        os.umask(old)
