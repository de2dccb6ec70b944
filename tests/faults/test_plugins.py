"""A broken plugin costs its own source only. Each plugin below is a real distribution
(a package and its `.dist-info` with an `h2h.sources` entry point) in a temporary
directory on the `h2h fetch` subprocess's path, beside a healthy plugin: however the
broken one fails (SystemExit or a hang at import, ValueError in from_config, a class
without `type`, KeyboardInterrupt or a hang in fetch_mentions), the fetch ends within
the broken source's time limit, the healthy source's messages are stored, the broken
one is reported, and the exit code is 6."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

COMMON = '''
from datetime import datetime, timezone
from h2h.models import Mention, Person
from h2h.sources.base import Page


class Base:
    type = "{kind}"
    api_version = 1

    def __init__(self, name):
        self.name = name

    @classmethod
    def from_config(cls, name, table, session):
        return cls(name)

    def whoami(self):
        return Person(source=self.name, remote_id="me", handle="me")

    def fetch_thread(self, mention):
        from h2h.errors import NotSupported
        raise NotSupported("no threads")

    def send_reply(self, mention, text, *, key):
        from h2h.errors import NotSupported
        raise NotSupported("read-only")

    def fetch_mentions(self, cursor):
        author = Person(source=self.name, remote_id="u1", handle="ann")
        yield Page([Mention(source=self.name, platform="test", remote_id=self.name + "-1", author=author,
                            text="Is there an export?", created_at=datetime(2026, 11, 20, 9, tzinfo=timezone.utc))],
                   "1")
'''

PLUGINS = {
    "good": "class Source(Base):\n    pass\n",
    "exit_at_import": "raise SystemExit(0)\n",
    "hang_at_import": "import time\ntime.sleep(3600)\n",
    "value_error": ("class Source(Base):\n    @classmethod\n    def from_config(cls, name, table, session):\n"
                    "        raise ValueError('port must be a number')\n"),
    "no_type": "class Source(Base):\n    pass\ndel Base.type\n",
    "interrupt": ("class Source(Base):\n    def fetch_mentions(self, cursor):\n        raise KeyboardInterrupt\n"
                  "        yield\n"),
    "hang_in_fetch": ("import time\nclass Source(Base):\n    def fetch_mentions(self, cursor):\n"
                      "        time.sleep(3600)\n        yield\n"),
}


@pytest.fixture(scope="module")
def plugins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding a real installed distribution with one entry point per plugin."""
    site = tmp_path_factory.mktemp("site")
    package = site / "h2h_test_plugins"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, body in PLUGINS.items():
        kind = f"test-{name.replace('_', '-')}"
        (package / f"{name}.py").write_text(COMMON.format(kind=kind) + "\n" + body)
    dist = site / "h2h_test_plugins-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: h2h-test-plugins\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[h2h.sources]\n" + "".join(
        f"test-{name.replace('_', '-')} = h2h_test_plugins.{name}:Source\n" for name in PLUGINS))
    return site


def fetch(plugins: Path, home: Path, broken: str) -> tuple[int, dict, str, float]:
    (home / "config.toml").write_text(textwrap.dedent(f"""
        [sources.healthy]
        type = "test-good"
        [sources.broken]
        type = "test-{broken.replace('_', '-')}"
        time_limit = "2s"
        """))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugins), str(ROOT)])}
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "h2h", "fetch", "--json"], env=env, capture_output=True,
                          text=True, timeout=60)
    seconds = time.monotonic() - began
    return done.returncode, json.loads(done.stdout or "{}"), done.stderr, seconds


@pytest.mark.parametrize("broken", ["exit_at_import", "hang_at_import", "value_error", "no_type", "interrupt",
                                    "hang_in_fetch"])
def test_a_broken_plugin_costs_its_source_only(plugins: Path, home: Path, broken: str) -> None:
    code, doc, err, seconds = fetch(plugins, home, broken)
    assert code == 6, (code, doc, err)
    data = doc["data"]
    assert data["failed"] == ["broken"]
    failed = next(s for s in data["sources"] if s["source"] == "broken")
    assert failed["error"]["code"] in ("plugin", "adapter", "time_limit")
    assert "broken" in err                                   # reported on stderr, named
    assert seconds < 20, "a hang is bounded by the source's time limit"
    with sqlite3.connect(home / "h2h.db") as db:
        stored = [r[0] for r in db.execute("SELECT remote_id FROM mentions")]
    assert stored == ["healthy-1"]


def test_what_each_broken_plugin_is_told(plugins: Path, home: Path) -> None:
    said = {}
    for broken in ("exit_at_import", "no_type", "value_error", "hang_in_fetch"):
        _, doc, _, _ = fetch(plugins, home, broken)
        failed = next(s for s in doc["data"]["sources"] if s["source"] == "broken")
        said[broken] = (failed["error"]["code"], failed["error"]["message"])
    assert said["exit_at_import"][0] == "plugin" and "SystemExit" in said["exit_at_import"][1]
    assert said["no_type"][0] == "plugin" and "type" in said["no_type"][1]
    assert said["value_error"][0] == "plugin" and "port must be a number" in said["value_error"][1]
    assert said["hang_in_fetch"][0] == "time_limit" and "2s" in said["hang_in_fetch"][1]


@pytest.mark.parametrize("broken", ["exit_at_import", "hang_at_import"])
def test_sources_check_is_bounded_too(plugins: Path, home: Path, broken: str) -> None:
    fetch(plugins, home, "value_error")  # writes the config; then the broken one under test
    (home / "config.toml").write_text((home / "config.toml").read_text().replace("test-value-error",
                                                                                  f"test-{broken.replace('_', '-')}"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugins), str(ROOT)])}
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "h2h", "sources", "check", "--json"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert time.monotonic() - began < 20
    assert done.returncode == 6, done.stderr
    rows = {r["source"]: r for r in json.loads(done.stdout)["data"]["sources"]}
    assert rows["healthy"]["ok"] and not rows["broken"]["ok"]
