"""What h2h draws on a real terminal, 80x24: nothing cut that matters, nothing missing that a
pipe would show."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.helpers import jsonl, record

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("pseudo-terminals are POSIX", allow_module_level=True)

from tests.screen import run_on_terminal  # noqa: E402


def _import(home: Path, *records: dict) -> None:
    import subprocess

    home.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "h2h", "import", "-"], input=jsonl(*records).encode(), check=True,
                   env={"H2H_HOME": str(home), "H2H_NOW": "2026-11-20T12:00:00Z", "PATH": "/usr/bin:/bin"},
                   capture_output=True)


def test_show_prints_every_messages_url_on_a_terminal(hermetic: Path) -> None:
    _import(hermetic,
            record("1", "How do I export my notes?", url="https://mastodon.example/@marie/1"),
            record("2", "@marie@piaille.fr Settings > Export.", at="2026-11-20T10:30:00Z", in_reply_to="1",
                   thread="1", from_me=True, url="https://mastodon.example/@acme/2",
                   author={"id": "9", "handle": "@acme@mastodon.example", "name": "Acme"}),
            record("3", "It says 'no notebooks' though", at="2026-11-20T11:00:00Z", in_reply_to="2", thread="1",
                   url="https://mastodon.example/@marie/3"))
    code, text = run_on_terminal(hermetic, "show", _first_id(hermetic))
    assert code == 0
    for url in ("https://mastodon.example/@marie/1", "https://mastodon.example/@acme/2",
                "https://mastodon.example/@marie/3"):
        assert url in text, text


def _first_id(home: Path) -> str:
    import json
    import subprocess

    out = subprocess.run([sys.executable, "-m", "h2h", "queue", "--jsonl"], check=True, capture_output=True,
                         text=True, env={"H2H_HOME": str(home), "H2H_NOW": "2026-11-20T12:00:00Z",
                                         "PATH": "/usr/bin:/bin"}).stdout
    return json.loads(out.splitlines()[0])["id"]


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import subprocess

    folder = tmp_path_factory.mktemp("screens") / "demo"
    subprocess.run([sys.executable, "-m", "h2h", "demo", "--into", str(folder), "--jsonl"], check=True,
                   capture_output=True, env={"H2H_NOW": "2026-11-20T12:00:00Z", "PATH": "/usr/bin:/bin",
                                             "HOME": str(folder.parent)})
    return folder


def _cells(line: str) -> int:
    from wcwidth import wcswidth

    return max(0, wcswidth(line))


def _handles(home: Path, *args: str) -> set[str]:
    import json
    import subprocess

    out = subprocess.run([sys.executable, "-m", "h2h", *args], check=True, capture_output=True, text=True,
                         env={"H2H_HOME": str(home), "H2H_NOW": "2026-11-20T12:00:00Z", "PATH": "/usr/bin:/bin"}).stdout
    return {json.loads(line)["person"]["handle"] for line in out.splitlines()}


@pytest.mark.parametrize("args", [["queue"], ["queue", "--all", "--limit", "0"], ["queue", "--state", "answered"],
                                  ["stats"], ["stats", "--since", "90d", "--top", "20"]])
def test_80_columns_without_wrapping_or_cut_handles(demo_home: Path, args: list[str]) -> None:
    code, text = run_on_terminal(demo_home, *args)
    assert code == 0
    wide = [line for line in text.splitlines() if _cells(line) > 80]
    assert not wide, f"wider than 80 columns: {wide[:3]}"
    if args[0] == "queue":
        handles = _handles(demo_home, *args, "--jsonl")
    else:
        import json
        import subprocess

        doc = json.loads(subprocess.run([sys.executable, "-m", "h2h", *args, "--json"], check=True,
                                        capture_output=True, text=True,
                                        env={"H2H_HOME": str(demo_home), "H2H_NOW": "2026-11-20T12:00:00Z",
                                             "PATH": "/usr/bin:/bin"}).stdout)
        handles = {w["handle"] for w in doc["data"]["waiting_longest"]}
    assert handles
    for handle in handles:
        assert handle in text, f"{handle} is cut or missing"


def test_long_output_goes_through_the_pager_only_on_a_terminal(demo_home: Path, tmp_path: Path) -> None:
    import subprocess

    seen = tmp_path / "paged.txt"
    pager = tmp_path / "pager"
    pager.write_text(f"#!/bin/sh\necho \"LESS=$LESS\" > {seen}\ncat >> {seen}\n")
    pager.chmod(0o755)
    env = {"PAGER": str(pager)}
    code, text = run_on_terminal(demo_home, "queue", "--limit", "0", env=env)
    assert code == 0 and seen.exists(), "longer than 24 rows: paged"
    paged = seen.read_text()
    assert paged.startswith("LESS=FRX\n") and "Dana Whitfield" in paged and "Dana Whitfield" not in text
    seen.unlink()
    code, text = run_on_terminal(demo_home, "--no-pager", "queue", "--limit", "0", env=env)
    assert code == 0 and not seen.exists() and "Dana Whitfield" in text
    code, text = run_on_terminal(demo_home, "queue", "--section", "careful", env=env)
    assert code == 0 and not seen.exists() and "Le Corbeau" in text, "a screenful is printed as it is"
    code, text = run_on_terminal(demo_home, "show", "kle4", env={**env, "LESS": "R"})
    if seen.exists():
        assert seen.read_text().startswith("LESS=R\n"), "the user's LESS is kept"
    piped = subprocess.run([sys.executable, "-m", "h2h", "queue", "--limit", "0"], capture_output=True, text=True,
                           env={"H2H_HOME": str(demo_home), "H2H_NOW": "2026-11-20T12:00:00Z",
                                "PATH": "/usr/bin:/bin", "PAGER": str(pager)})
    assert "Dana Whitfield" in piped.stdout and not seen.exists(), "never in a pipe"
