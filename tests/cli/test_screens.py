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
