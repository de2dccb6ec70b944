"""One fetch at a time: a lock file in H2H_HOME held with an OS lock (flock), so
a second cron run exits at once (or waits with --wait) and a killed run never
leaves a stale lock behind: the OS drops the lock with the process.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from h2h import clock, paths
from h2h.errors import H2HError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def lock_path() -> Path:
    return paths.home() / "fetch.lock"


class FetchLock:
    def __init__(self, path: Path | None = None):
        self.path = path or lock_path()
        self._fd: int | None = None

    def acquire(self, *, wait: bool = False, poll: float = 0.2) -> "FetchLock":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise H2HError(f"cannot create the lock file {self.path}: {exc.strerror}",
                           hint="Check that H2H_HOME is writable.", code="fetch_lock") from None
        while True:
            if _try_lock(fd):
                break
            if not wait:
                holder = _describe(self.path)
                os.close(fd)
                raise H2HError(f"another `h2h fetch` is running{holder}; this one did nothing",
                               hint="Let it finish, or run with --wait to queue behind it.", code="fetch_running")
            time.sleep(poll)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "started": clock.iso(clock.now())}).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
            except OSError:
                pass
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> "FetchLock":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


def _try_lock(fd: int) -> bool:
    if fcntl is None:  # pragma: no cover
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _describe(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return ""
    if isinstance(info, dict) and info.get("pid"):
        return f" (pid {info['pid']}, since {info.get('started', '?')})"
    return ""
