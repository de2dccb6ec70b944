"""The state one command runs with: global options, and the config, engine and
store opened on first use (a command that needs none of them opens none).
"""

from __future__ import annotations

from typing import Any

from h2h.cli import render


class Runtime:
    """Set by the global options; not a dataclass, which would cost start-up (see h2h/models.py)."""

    def __init__(self, config_path: str | None = None, db_path: str | None = None, json: bool = False,
                 quiet: bool = False, verbose: bool = False):
        self.config_path, self.db_path = config_path, db_path
        self.json, self.quiet, self.verbose = json, quiet, verbose
        self._config: Any = None
        self._store: Any = None
        self._engine: Any = None
        self.extra: dict[str, Any] = {}
        self.pager = True   # long output on a terminal goes through a pager (--no-pager: never)

    def config(self):  # type: ignore[no-untyped-def]
        if self._config is None:
            from h2h import config

            self._config = config.load(self.config_path)
            for warning in self._config.warnings:
                render.say(f"h2h: warning: {warning}", quiet=self.quiet)
        return self._config

    def engine(self):  # type: ignore[no-untyped-def]
        if self._engine is None:
            from h2h.triage.engine import Engine

            self._engine = Engine.from_config(self.config())
        return self._engine

    def store(self, *, create: bool = False):  # type: ignore[no-untyped-def]
        """The database. Only the commands that fill it (`fetch`, `import`) create it: any other
        finding none means H2H_HOME or --db points at the wrong place, or nothing was fetched yet,
        and an empty database made up on the spot would answer "Everyone has an answer."."""
        if self._store is None:
            from h2h.store import Store

            path = self.database_path()
            if not create and path != ":memory:" and not path.exists():
                self.config()  # a broken config is the first thing to tell
                raise _no_database(path, self.db_path)
            self._store = Store.open(path)
        return self._store

    def database_path(self):  # type: ignore[no-untyped-def]
        from h2h import paths

        return self.db_path if self.db_path == ":memory:" else paths.db_path(self.db_path)

    def has_database(self) -> bool:
        path = self.database_path()
        return self._store is not None or path == ":memory:" or path.exists()

    def use_store(self, store: Any) -> None:
        self._store = store

    def use_config(self, config: Any) -> None:
        self._config = config
        self._engine = None

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def _no_database(path: Any, explicit: str | None) -> Exception:
    import os

    from h2h.errors import NoDatabase

    if explicit:
        where = f"--db {explicit}"
    elif os.environ.get("H2H_DB"):
        where = f"H2H_DB={os.environ['H2H_DB']}"
    elif os.environ.get("H2H_HOME"):
        where = f"H2H_HOME={os.environ['H2H_HOME']}"
    else:
        where = "the default H2H_HOME"
    return NoDatabase(f"no database at {path} ({where}): nothing was fetched or imported there")


# The runtime of the command being run: the error boundary reads `json` from it.
current = Runtime()


def when(value: str | None, option: str):  # type: ignore[no-untyped-def]
    """A `--since`/`--until` value: a duration back from now ("2h", "7d") or a time."""
    from h2h import clock
    from h2h.errors import UsageError

    if value is None:
        return None
    try:
        return clock.parse_when(value)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None
