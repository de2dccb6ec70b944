"""Writing files where someone else may have put a link: a new file is created with
O_EXCL | O_NOFOLLOW (a link, even a dangling one, is never written through), and a file
that is replaced is written beside it under a temporary name and renamed over it,
refused when it is a link (the rename would not follow it, but the user meant the file).
"""

from __future__ import annotations

import os
from pathlib import Path

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
EXCL = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class LinkRefused(OSError):
    """The path is a symbolic link where h2h writes a file of its own."""


def create_new(path: Path, data: bytes = b"", mode: int = 0o600) -> None:
    """Create `path`, which must not exist (FileExistsError otherwise, a link included),
    with `mode` from the first byte."""
    fd = os.open(path, EXCL, mode)
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise LinkRefused(f"{path} is a symbolic link; h2h does not write through links")


def replace(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write `path` whole, a new file or one replaced, never through a link."""
    refuse_link(path)
    tmp = temporary(path)
    try:
        create_new(tmp, data, mode)
        os.replace(tmp, path)
    except BaseException:
        discard(tmp)
        raise


def temporary(path: Path) -> Path:
    """A name beside `path` for writing it, unique to this process; `stale()` finds those a
    killed process left."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def stale(folder: Path, prefix: str) -> list[Path]:
    """Temporary files beside `folder/prefix*` whose process is gone (killed half-way)."""
    found = []
    for p in folder.glob(f".{prefix}*.tmp-*"):
        pid = p.name.rsplit(".tmp-", 1)[1].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            found.append(p)
    return found


def discard(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-journal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # Windows' os.kill(pid, 0) would send Ctrl-C
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
