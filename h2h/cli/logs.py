"""The log file: `$H2H_HOME/logs/h2h.log`, rotated at 1 MB with five old files kept.

Commands that change something (import, fetch, reply, state changes, people)
call `setup()` first; read-only commands and `--help` never import this module,
so start-up pays nothing for it. Every line passes through `h2h.redact`, and
the files are created 0600 in a 0700 folder: a log can name people and sources.

What is logged (the README's "Logs" paragraph says the same): one line when a
command starts (its name and the names of the options given, never their
values), what it changed (counts, conversation ids, handles), every error with
its code and exit status, and the exit status and duration at the end. Message
texts and tokens are never logged.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path

from h2h import paths
from h2h.redact import redact
from h2h.textutil import inert

LOGGER = "h2h"
FILENAME = "h2h.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"

_state: dict[str, object] = {}


class RedactingFormatter(logging.Formatter):
    converter = time.gmtime  # type: ignore[assignment]  # the log speaks UTC, like the database

    def __init__(self) -> None:
        super().__init__(FORMAT, datefmt="%Y-%m-%dT%H:%M:%SZ")

    def format(self, record: logging.LogRecord) -> str:
        # After formatting, so arguments and tracebacks are covered too. A log is read on a
        # terminal (`h2h log`, tail, less -R): what a server or a post said must not act there.
        return inert(redact(super().format(record)), keep_newlines=True)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler whose files are never readable by others, even for a moment."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)  # a file made by an older h2h or by hand
        return os.fdopen(fd, "a", encoding=self.encoding or "utf-8", errors=self.errors)


def path() -> Path:
    return paths.log_dir() / FILENAME


def setup(command: str, options: list[str] | None = None, *, verbose: bool = False,
          quiet: bool = False) -> logging.Logger:
    """Attach the log file to the `h2h` logger (once per process) and log the start of `command`."""
    logger = logging.getLogger(LOGGER)
    if "handler" not in _state:
        logger.setLevel(logging.DEBUG if verbose else logging.INFO)
        logger.propagate = False
        target = path()
        try:
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            handler: logging.Handler = PrivateRotatingFileHandler(target, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                                  encoding="utf-8")
        except OSError as exc:
            # A log we cannot write must not stop the work it would have described.
            handler = logging.NullHandler()
            if not quiet:
                sys.stderr.write(f"h2h: warning: cannot write the log file {target}: {exc.strerror}; "
                                 "continuing without it (check H2H_HOME's permissions)\n")
        handler.setFormatter(RedactingFormatter())
        logger.addHandler(handler)
        _state["handler"] = handler
        _state["started"] = time.monotonic()
    given = " ".join(options or [])
    logger.info("start %s%s", command, f" ({given})" if given else "")
    return logger


def active() -> bool:
    return "handler" in _state


def finish(exit_code: int, error: tuple[str, str] | None = None) -> None:
    """The last line of a command: its exit status, error code and message if any, and how long it took."""
    if not active():
        return
    logger = logging.getLogger(LOGGER)
    elapsed = time.monotonic() - float(_state.get("started", time.monotonic()))  # type: ignore[arg-type]
    if error:
        logger.error("error %s: %s", error[0], error[1])
    logger.log(logging.INFO if exit_code == 0 else logging.WARNING, "exit %d after %.2fs", exit_code, elapsed)


def close() -> None:
    """Detach the handler (tests, and a process that runs several commands)."""
    handler = _state.pop("handler", None)
    _state.pop("started", None)
    if isinstance(handler, logging.Handler):
        logger = logging.getLogger(LOGGER)
        logger.removeHandler(handler)
        handler.close()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
