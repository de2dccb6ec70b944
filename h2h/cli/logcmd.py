"""Starting the log for a command that changes something (see h2h/cli/logs.py)."""

from __future__ import annotations

import logging

from h2h.cli import runtime


def start(command: str) -> logging.Logger:
    """The `h2h` logger, attached to the log file; logs the command and the names of its options."""
    from h2h.cli import logs

    rt = runtime.current
    argv = rt.extra.get("argv") or []
    names = sorted({a.split("=", 1)[0] for a in argv if a.startswith("-") and a != "-"})
    return logs.setup(command, names, verbose=rt.verbose, quiet=rt.quiet)
