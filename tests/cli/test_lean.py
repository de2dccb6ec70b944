"""The lean start-up path (h2h/cli/lean.py) runs `h2h queue ...` without typer. It
must read every command line it accepts exactly as typer does, leave everything
else to typer, and print the same bytes and exit codes."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from h2h.cli import lean, queue
from tests.clirun import run
from tests.helpers import jsonl, record

VALUES = ["7", "0", "030", "", "a b", "reply", "thanks", "ünï", "x=y", "2h", "2026-11-20T09:00:00Z", "q u e"]
GLOBAL = [["--config", "V"], ["--config=V"], ["--db", "V"], ["--db=V"], ["--json"], ["-q"], ["--quiet"], ["-v"],
          ["--verbose"]]
QUEUE = [["--limit", "N"], ["--limit=N"], ["-n", "N"], ["--all"], ["-a"], ["--section", "V"], ["-s", "V"],
         ["--section=V"], ["--source", "V"], ["--source=V"], ["--json"], ["--jsonl"], ["--count"], ["--since", "V"],
         ["--since=V"]]
# Command lines typer must handle (help, version, errors, forms the lean parser does not read).
ODD = [["-1"], ["--"], ["-h"], ["--help"], ["--lim"], ["-an"], ["--all=1"], ["extra"], ["-n5"], ["--version"],
       ["-n", "-1"], ["--limit", "1_000"], ["--limit", "+3"], ["--limit", "٣"], ["--source", "--json"],
       ["--section"], ["-q"], ["--install-completion"], ["--db"], ["queue"], ["fetch"]]


def _argv(rng: random.Random, odd: bool) -> list[str]:
    def fill(option: list[str]) -> list[str]:
        number = str(rng.choice([0, 1, 5, 50, 12345]))
        value = rng.choice(VALUES)
        return [t.replace("N", number) if t in ("N", "--limit=N") else t.replace("V", value) if "V" in t else t
                for t in option]

    argv = [t for _ in range(rng.randrange(4)) for t in fill(rng.choice(GLOBAL))]
    if rng.random() < 0.85:
        argv.append("queue")
        argv += [t for _ in range(rng.randrange(5)) for t in fill(rng.choice(QUEUE))]
    if odd:
        argv.insert(rng.randrange(len(argv) + 1), rng.choice(ODD)[0]) if rng.random() < 0.5 else \
            argv.extend(rng.choice(ODD))
    return argv


class _Called(Exception):
    pass


def _capture(monkeypatch: pytest.MonkeyPatch, argv: list[str], use_lean: bool) -> Any:
    """What `h2h ARGV` hands to run_queue (the runtime's global options and the queue's), or
    the exit code when it never gets there (help, usage error)."""
    from h2h.cli import main as cli_main
    from h2h.cli import runtime

    seen: list[Any] = []

    def fake_run_queue(rt: runtime.Runtime, **kwargs: Any) -> None:
        seen.append(((rt.config_path, rt.db_path, rt.json, rt.quiet, rt.verbose), kwargs))
        raise _Called

    monkeypatch.setattr(queue, "run_queue", fake_run_queue)
    if not use_lean:
        monkeypatch.setattr(lean, "parse", lambda args: None)
    try:
        with pytest.raises((SystemExit, _Called)) as info:
            cli_main.main(list(argv))
    finally:
        monkeypatch.undo()
    return seen[0] if seen else ("exit", info.value.code)  # type: ignore[union-attr]


@pytest.mark.parametrize("seed", range(4))
def test_lean_parser_reads_what_typer_reads(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                            seed: int) -> None:
    rng = random.Random(seed)
    accepted = 0
    for i in range(150):
        argv = _argv(rng, odd=i % 3 == 0)
        if lean.parse(argv) is None:
            continue
        accepted += 1
        assert _capture(monkeypatch, argv, True) == _capture(monkeypatch, argv, False), argv
        capsys.readouterr()
    assert accepted > 60  # most plain command lines take the lean path


@pytest.mark.parametrize("argv", ODD)
def test_anything_unusual_is_left_to_typer(argv: list[str]) -> None:
    assert lean.parse(["queue", *argv]) is None or argv in (["queue"], ["-q"], ["fetch"])
    assert lean.parse(["--json", "queue", "-a", *argv]) is None or argv == ["queue"]


@pytest.fixture
def loaded(home: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('[me]\nname = "Alex"\nhandles = ["@acme@mastodon.social"]\n')
    alice = {"id": "1", "handle": "@alice@example.social", "name": "Alice"}
    data = jsonl(record("1", "How do I export my notes? It keeps failing", at="2026-11-20T08:00:00Z", author=alice),
                 record("2", "Thanks a lot, great app!", at="2026-11-20T11:00:00Z"),
                 record("3", "Buy followers now http://spam.example", at="2026-11-20T09:00:00Z",
                        author={"id": "7", "handle": "@promo@bots.social", "name": "Promo", "bot": True}),
                 record("4", "\x1b]52;c;ZXZpbA==\x07 is this thing on?", at="2026-11-20T11:30:00Z",
                        source="bsky", platform="bluesky", author={"id": "5", "handle": "eve.bsky.social"}))
    assert run("import", "-", stdin=data).code == 0
    return home


@pytest.mark.parametrize("argv", [
    [], ["queue"], ["queue", "--jsonl"], ["queue", "--json"], ["--json", "queue"], ["queue", "--count"],
    ["--json", "queue", "--count", "--section", "noise"], ["queue", "--all", "-n", "2"], ["queue", "--limit", "0"],
    ["queue", "-s", "thanks", "--jsonl"], ["queue", "--source", "bsky", "--json"], ["queue", "--since", "3h"],
    ["-q", "--db", "h2h.db", "queue"], ["queue", "--section", "bogus"], ["--json", "queue", "--section", "bogus"],
    ["queue", "--since", "yesterday-ish"], ["queue", "--json", "--since", "nonsense"],
    ["--config", "/nonexistent/h2h.toml", "queue"], ["--json", "--config", "/nonexistent/h2h.toml", "queue"],
])
def test_same_output_and_exit_code(loaded: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    monkeypatch.chdir(loaded)
    assert lean.parse(argv) is not None
    fast = run(*argv)
    monkeypatch.setattr(lean, "parse", lambda args: None)
    slow = run(*argv)
    assert (fast.code, fast.out, fast.err) == (slow.code, slow.out, slow.err)


def test_lean_path_never_imports_typer(loaded: Path) -> None:
    # Nor dataclasses (and inspect), about 20 ms of start-up, nor OpenSSL's hashes, 3 ms.
    code = ("import sys\nfrom h2h.cli.main import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print(any(m in sys.modules for m in ('typer', 'dataclasses', '_hashlib')), file=sys.stderr)")
    for argv, typer_loaded in ((["queue", "--jsonl", "--limit", "50"], "False"), (["--json", "queue", "--count"], "False"),
                               (["queue", "--help"], "True")):
        done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True)
        assert done.stderr.strip().splitlines()[-1] == typer_loaded, argv


def test_digest_is_hashlibs_sha1() -> None:
    import hashlib

    from h2h.digest import sha1

    for data in (b"", b"abc", "conversation\0root\0\u00e9".encode(), bytes(range(256)) * 40):
        assert sha1(data).hexdigest() == hashlib.sha1(data).hexdigest()
