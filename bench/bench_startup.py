"""Start-up: `h2h --help`, and `h2h queue` on a 10,000-mention database.

    python bench/bench_startup.py

Targets (issue 8): `h2h --help` <= 120 ms; `h2h queue` (10,000 mentions) <= 250 ms.
Also prints `python -c pass` (the floor) and the ten slowest imports of each
command from `python -X importtime`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def slowest_imports(args: list[str], environ: dict[str, str], n: int = 10) -> list[str]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "h2h", *args], env=environ,
                          capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            self_us, cum_us, name = [x.strip() for x in line.split(":", 1)[1].split("|")]
            rows.append((int(self_us), int(cum_us), name))
    rows.sort(reverse=True)
    return [f"{s / 1000:6.1f} ms self, {c / 1000:6.1f} ms cumulative  {name}" for s, c, name in rows[:n]]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    home = common.database(10_000)
    environ = common.env(home)
    floor = common.wall([sys.executable, "-c", "pass"], environ, args.runs)
    floor_cpu = common.cpu_summary()
    help_t = common.wall(common.h2h_cmd() + ["--help"], environ, args.runs)
    help_cpu = common.cpu_summary()
    queue_t = common.wall(common.h2h_cmd() + ["queue"], environ, args.runs)
    queue_cpu = common.cpu_summary()
    print(f"python -c pass: {common.summary(floor)}; {floor_cpu}")
    print(f"h2h --help: {common.summary(help_t)}; {help_cpu}")
    print(f"h2h queue (10,000 mentions): {common.summary(queue_t)}; {queue_cpu}")
    print(f"load average {common.load()}")
    for label, cmd in (("--help", ["--help"]), ("queue", ["queue"])):
        print(f"slowest imports of h2h {label} (self time):")
        for line in slowest_imports(cmd, environ):
            print("  " + line)


if __name__ == "__main__":
    main()
