"""The lean start-up path: `h2h queue ...` (and bare `h2h`), which scripts run
often, parsed from the same option tables typer's commands are built from
(cli/options.py) and run by the same functions, without importing typer (about
a fifth of the command's time). Any other command line, or one the lean parser
is not sure of, is typer's: its help, its errors.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

from h2h.cli import options


def parse(args: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """(global options, queue options or None for bare `h2h`), or None: typer's to parse."""
    from h2h.cli.main import OPTIONS as GLOBAL
    from h2h.cli.queue import OPTIONS as QUEUE

    if "_H2H_COMPLETE" in os.environ:  # shell completion is typer's
        return None
    found = options.parse(GLOBAL, args)
    if found is None:
        return None
    glob, i = found
    if i == len(args):
        return glob, None
    if args[i] != "queue":
        return None
    rest = args[i + 1:]
    found = options.parse(QUEUE, rest)
    if found is None or found[1] != len(rest):
        return None
    return glob, found[0]


def run(args: Sequence[str]) -> bool:
    """Run the command line if it is one of ours; False if it is typer's."""
    parsed = parse(args)
    if parsed is None:
        return False
    from h2h.cli import runtime
    from h2h.cli.main import set_globals
    from h2h.cli.queue import queue_command, run_queue

    glob, queue = parsed
    set_globals(**glob)
    if queue is None:
        run_queue(runtime.current)
    else:
        queue_command(**queue)
    return True
