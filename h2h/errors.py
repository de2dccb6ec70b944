"""Every error h2h raises on purpose, with a stable code, a hint and an exit code.

The command line turns these into messages in one place (cli/main.py). Nothing
here imports the CLI framework: sources and the store raise these too.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit statuses; documented in the README and tested one by one."""

    OK = 0
    ERROR = 1
    USAGE = 2
    CONFIG = 3
    AUTH = 4
    REMOTE = 5
    PARTIAL = 6
    INTERRUPTED = 130


class H2HError(Exception):
    """Base of h2h's own errors. `code` is part of the `--json` contract."""

    code = "error"
    exit_code = ExitCode.ERROR
    hint = "Run the command again with --verbose for more detail."

    def __init__(self, message: str, *, hint: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class UsageError(H2HError):
    code = "usage"
    exit_code = ExitCode.USAGE
    hint = "Run the command with --help to see what it accepts."


class NotFound(H2HError):
    code = "not_found"
    hint = "Run `h2h queue --all` to see the conversation ids."


class ConfigError(H2HError):
    """A missing or invalid configuration. `problems` lists every one at once."""

    code = "config"
    exit_code = ExitCode.CONFIG
    hint = "Fix the keys listed above; config.example.toml documents every key."

    def __init__(self, message: str, *, problems: list[tuple[str, str]] | None = None,
                 hint: str | None = None, code: str | None = None):
        self.problems = problems or []
        if self.problems:
            message = message + "\n" + "\n".join(f"  {key}: {text}" for key, text in self.problems)
        super().__init__(message, hint=hint, code=code)


class InputError(H2HError):
    """A record that cannot be read (an import line, a malformed API answer)."""

    code = "input"
    hint = "Check the input against the import format in the README."


class StoreError(H2HError):
    code = "store"
    hint = "Check that the database path is writable, or pass another one with --db."


class NoDatabase(StoreError):
    code = "no_database"
    hint = ("If h2h should read another folder, set H2H_HOME (or --db) to it; otherwise fill this one with "
            "`h2h fetch` (sources in the config, see `h2h init`) or `h2h import FILE`; `h2h demo` shows the "
            "queue on made-up data.")


class DatabaseLocked(StoreError):
    code = "database_locked"
    hint = "Another h2h process is writing to the database; wait for it to finish and retry."


class SchemaTooNew(StoreError):
    code = "schema_too_new"
    hint = "This database was written by a newer h2h; upgrade h2h (pip install -U h2h)."


class AuthError(H2HError):
    code = "auth"
    exit_code = ExitCode.AUTH
    hint = "Check the source's token (token_env or token_cmd) with `h2h sources check`."


class RemoteError(H2HError):
    """The remote service failed: network, 5xx, or an answer we cannot use."""

    code = "remote"
    exit_code = ExitCode.REMOTE
    hint = "The service may be down or unreachable; retry later. `h2h sources` shows the last error."


class RateLimited(RemoteError):
    code = "rate_limited"
    hint = "The service asked us to slow down; h2h will resume from the saved cursor next time."

    def __init__(self, message: str, *, retry_after: float | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class SourceError(RemoteError):
    """The source answered, but not with something we can use (4xx, malformed body)."""

    code = "source"


class NotSupported(H2HError):
    code = "not_supported"
    hint = "This source cannot do that; answer on the platform itself."


class PartialFailure(H2HError):
    code = "partial"
    exit_code = ExitCode.PARTIAL
    hint = "Run `h2h sources` to see which sources failed and why."


class Interrupted(H2HError):
    code = "interrupted"
    exit_code = ExitCode.INTERRUPTED
    hint = "Nothing half-done was kept; run the command again."
