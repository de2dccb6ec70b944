"""How long `h2h fetch` takes against a local Mastodon API server (mastodon_mock).

    python bench/fetch_mastodon_mock.py [MENTIONS]

Starts mastodon_mock (from .cache/venv-mastodon, see .ci/setup-mastodon.sh) on
127.0.0.1, registers two accounts, posts MENTIONS mentions (default 1000), then
times a first `h2h fetch` (newest first, 40 a page), a second one with nothing
new, and one after 100 more mentions (oldest first from the saved cursor).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import MastodonMock, _mock_binary  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    binary = _mock_binary()
    if not binary:
        sys.exit("mastodon_mock is not installed: bash .ci/setup-mastodon.sh")
    with tempfile.TemporaryDirectory() as tmp:
        server = MastodonMock(binary, Path(tmp) / "server")
        try:
            alice, bob = server.register("alice"), server.register("bob")
            for i in range(n):
                server.post(bob, f"@alice question {i}: how do I export my data?")
            home = Path(tmp) / "home"
            home.mkdir()
            (home / "config.toml").write_text(f'[sources.masto]\ntype = "mastodon"\nurl = "{server.url}"\n'
                                              'token_env = "H2H_BENCH_TOKEN"\n')
            env = {**os.environ, "H2H_HOME": str(home), "H2H_BENCH_TOKEN": alice, "PYTHONPATH": str(ROOT)}

            def fetch(label: str) -> None:
                started = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "h2h", "fetch", "--json"], env=env,
                                      capture_output=True, text=True)
                took = time.perf_counter() - started
                if done.returncode:
                    sys.exit(done.stderr)
                import json

                data = json.loads(done.stdout)["data"]
                print(f"{label:<40} {took:6.2f} s   {data['new']:>5} new, {data['sources'][0]['pages']} pages")

            fetch(f"first fetch, {n} mentions")
            fetch("second fetch, nothing new")
            for i in range(100):
                server.post(bob, f"@alice follow-up {i}?")
            fetch("after 100 more mentions")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
