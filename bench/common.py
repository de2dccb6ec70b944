"""Shared by the benchmarks: run h2h as a user would, in a fresh H2H_HOME, and measure."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

BENCH = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("H2H_BENCH_DIR", "/tmp/h2h-bench"))

# Runs h2h's main() and reports the resources of this process and its children
# (worker processes) on the pipe H2H_BENCH_FD, so the figures exclude the benchmark itself.
_WRAPPER = """
import os, resource, sys, time
t0 = time.perf_counter()
from h2h.cli.main import main
def report(code):
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    os.write(int(os.environ["H2H_BENCH_FD"]), ("%f %f %f %d %d %s" % (time.perf_counter() - t0, s.ru_utime + s.ru_stime,
             c.ru_utime + c.ru_stime, s.ru_maxrss, c.ru_maxrss, code)).encode())
try:
    main(sys.argv[1:])
except SystemExit as e:
    report(e.code); raise
"""


def h2h_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("h2h")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "h2h"]


def env(home: Path, **extra: str) -> dict[str, str]:
    e = dict(os.environ)
    e.update({"H2H_HOME": str(home), "NO_COLOR": "1"}, **extra)
    e.pop("H2H_DB", None)
    e.pop("H2H_CONFIG", None)
    return e


def _pss_kib(pid: int) -> int:
    """Proportional set size of a process (pages shared with the workers it forked counted
    once across them), 0 once it is gone or where /proc cannot say."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
    except OSError:
        return 0


def _tree(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        return [pid]
    return [pid] + [p for k in kids for p in _tree(k)]


def _sample_memory(pid: int, peak: list[int], stop: "threading.Event") -> None:
    while not stop.wait(0.1):
        peak[0] = max(peak[0], sum(_pss_kib(p) for p in _tree(pid)))


def measured(args: list[str], home: Path, *, stdin=None, stdout=subprocess.DEVNULL, **extra: str) -> dict:
    """Run `h2h ARGS` under the wrapper: wall seconds, CPU of h2h and its workers, peak RSS
    (MB) of each, and the peak of all of them together (PSS, sampled every 100 ms)."""
    r, w = os.pipe()
    proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, *args], env=env(home, H2H_BENCH_FD=str(w), **extra),
                            stdin=stdin,
                            stdout=stdout, stderr=subprocess.PIPE, pass_fds=(w,))
    os.close(w)
    peak, stop = [0], threading.Event()
    sampler = threading.Thread(target=_sample_memory, args=(proc.pid, peak, stop), daemon=True)
    sampler.start()
    _, err = proc.communicate()
    stop.set()
    sampler.join()
    data = os.read(r, 4096).decode().split()
    os.close(r)
    if proc.returncode not in (0, 6):
        sys.stderr.write(err.decode(errors="replace"))
        raise SystemExit(f"h2h {' '.join(args)} failed with {proc.returncode}")
    wall, cpu, cpu_children, rss, rss_children = map(float, data[:5])
    return {"wall": wall, "cpu": cpu, "cpu_workers": cpu_children, "rss_mb": rss / 1024,
            "rss_workers_mb": rss_children / 1024, "pss_total_mb": peak[0] / 1024}


def wall(cmd: list[str], environ: dict[str, str], runs: int, warmup: int = 2) -> list[float]:
    """Wall time of a whole process, as a shell user sees it. The CPU time of each run
    (user + system) is kept in LAST_CPU: on a busy machine it is the steadier figure."""
    import resource

    for _ in range(warmup):
        subprocess.run(cmd, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    times, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    LAST_CPU[:] = cpus
    return times


LAST_CPU: list[float] = []


def cpu_summary() -> str:
    ms = sorted(t * 1000 for t in LAST_CPU)
    return f"CPU median {statistics.median(ms):.0f} ms" if ms else ""


def summary(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    return f"median {statistics.median(ms):.0f} ms (min {ms[0]:.0f}, max {ms[-1]:.0f}, n={len(ms)})"


def load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def synth_file(count: int, seed: int = 1) -> Path:
    """The synthetic input, generated once and kept in the cache folder."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"synth-{count}-{seed}.jsonl"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        subprocess.run([sys.executable, str(BENCH / "synth.py"), "-n", str(count), "--seed", str(seed),
                        "-o", str(tmp)], check=True)
        tmp.rename(path)
    return path


def database(count: int, seed: int = 1) -> Path:
    """An H2H_HOME holding `count` imported synthetic mentions, built once."""
    imported = CACHE / f"import-run-{count}"
    if seed == 1 and (imported / ".complete").exists():
        return imported  # left by bench_import.py
    home = CACHE / f"home-{count}-{seed}"
    if not (home / "h2h.db").exists() or not (home / ".complete").exists():
        import shutil

        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        src = synth_file(count, seed)
        print(f"building {home} from {src} ...", file=sys.stderr)
        measured(["-q", "import", str(src)], home)
        (home / ".complete").touch()
    return home


def json_server(answer: Callable[[str], tuple[int, bytes]]) -> ThreadingHTTPServer:
    """A loopback server in a thread answering each GET with `answer(path)`: (status, JSON body)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            status, body = answer(self.path)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
