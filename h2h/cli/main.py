"""The `h2h` command: global options, the command groups, and `main()`, the one
place where exceptions become messages and exit codes.
"""

from __future__ import annotations

import signal
import sys
from typing import TYPE_CHECKING, Any

from h2h import __version__
from h2h.cli import runtime
from h2h.cli.options import Option

if TYPE_CHECKING:
    import typer

HELP = """Which humans to reply to first, and why.

Without a command, shows the queue (the same as `h2h queue`).
Exit codes: 0 ok, 1 error, 2 usage, 3 config, 4 auth, 5 remote, 6 partial, 130 interrupted."""


def _version(value: bool) -> None:
    if value:
        import typer

        sys.stdout.write(f"h2h {__version__}\n")
        raise typer.Exit(0)


OPTIONS = (
    Option("config", ("--config",), str, "Config file [env H2H_CONFIG; default $H2H_HOME/config.toml].", metavar="PATH"),
    Option("db", ("--db",), str, "Database file [env H2H_DB; default $H2H_HOME/h2h.db].", metavar="PATH"),
    Option("json_out", ("--json",), bool, "One JSON document on stdout."),
    Option("quiet", ("--quiet", "-q"), bool, "Only errors on stderr."),
    Option("verbose", ("--verbose", "-v"), bool, "More detail on stderr."),
    Option("no_pager", ("--no-pager",), bool, "Never page long output on a terminal [env PAGER=cat does the same]."),
    Option("version", ("--version",), bool, "Print the version and exit.", callback=_version, eager=True, lean=False),
)


def set_globals(config: str | None = None, db: str | None = None, json_out: bool = False, quiet: bool = False,
                verbose: bool = False, no_pager: bool = False, version: bool = False) -> None:
    rt = runtime.current
    rt.pager = not no_pager
    rt.config_path, rt.db_path = config, db
    rt.json = rt.json or json_out
    rt.quiet, rt.verbose = quiet, verbose


app: "typer.Typer"  # built on first use (see __getattr__): `h2h queue --jsonl` never imports typer


def _build() -> "typer.Typer":
    if "app" in globals():
        return globals()["app"]
    import inspect

    import typer

    from h2h.cli.options import typer_signature

    global app
    app = typer.Typer(name="h2h", help=HELP, rich_markup_mode=None, add_completion=True,
                      pretty_exceptions_enable=False, context_settings={"help_option_names": ["-h", "--help"]})
    ctx = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)

    def callback(ctx, **options):  # type: ignore[no-untyped-def]  # typer reads the types from __signature__
        set_globals(**options)
        if ctx.invoked_subcommand is None:
            from h2h.cli.queue import run_queue

            run_queue(runtime.current)

    callback.__signature__ = typer_signature(OPTIONS, first=[ctx])  # type: ignore[attr-defined]
    app.callback(invoke_without_command=True)(callback)
    _register()
    return app


def __getattr__(name: str) -> Any:
    if name == "app":
        return _build()
    raise AttributeError(name)


def _register() -> None:
    from h2h.cli import (conversation, demo, doctor, fetch, io, knowledge, next, person, queue, reply, search, setup,
                         stats)

    for module in (queue, demo, setup, io, fetch, conversation, reply, knowledge, next, search, stats, person, doctor):
        module.register(app)


def _is_click_error(exc: BaseException) -> bool:
    return callable(getattr(exc, "format_message", None)) and isinstance(getattr(exc, "exit_code", None), int)


def main(argv: list[str] | None = None) -> None:
    from h2h.errors import ExitCode, H2HError

    if argv is None and hasattr(signal, "SIGPIPE"):
        # A closed pipe (`h2h queue | head`) ends h2h quietly, as it does other Unix tools.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = sys.argv[1:] if argv is None else list(argv)
    rt = runtime.current = runtime.Runtime()
    rt.json = "--json" in args  # known before parsing, so usage errors can be JSON too
    rt.extra["argv"] = args
    code: int = ExitCode.OK
    try:
        from h2h.cli import lean

        if not lean.run(args):
            import typer

            command = typer.main.get_command(_build())
            result = command.main(args=args, prog_name="h2h", standalone_mode=False)
            code = result if isinstance(result, int) else ExitCode.OK
        if code == ExitCode.INTERRUPTED:  # typer turns ^C inside a command into a silent Exit(130)
            raise KeyboardInterrupt
    except H2HError as exc:
        code = _report(exc.code, exc.message, exc.hint, exc.exit_code)
    except KeyboardInterrupt:
        code = _report("interrupted", "interrupted", "Nothing half-done was kept; run the command again.",
                       ExitCode.INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - this is the one error boundary
        if _is_click_error(exc):
            name = type(exc).__name__
            if name == "Abort":
                code = _report("aborted", "aborted", "Nothing was changed.", ExitCode.ERROR)
            else:
                code = _report("usage", exc.format_message(), "Run `h2h --help` or `h2h COMMAND --help`.",
                               ExitCode.USAGE)
        else:
            if rt.verbose:
                import traceback

                from h2h.redact import redact

                sys.stderr.write(redact("".join(traceback.format_exception(exc))))
            code = _report("internal", f"unexpected {type(exc).__name__}: {exc}",
                           "This is a bug in h2h; run again with --verbose and report the traceback.",
                           ExitCode.ERROR)
    finally:
        if argv is None:
            # The outcome is decided and reported: a Ctrl-C now would only turn it into a
            # traceback and a misleading exit status, while closing the database and the log.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        rt.close()
        if "h2h.cli.logs" in sys.modules:  # imported only by commands that log
            logs = sys.modules["h2h.cli.logs"]
            logs.finish(int(code), rt.extra.get("error"))
            logs.close()
    sys.exit(int(code))


def _report(code: str, message: str, hint: str, exit_code: int) -> int:
    from h2h.cli import render
    from h2h.redact import redact

    runtime.current.extra["error"] = (code, redact(message))
    render.error(code, redact(message), redact(hint), as_json=runtime.current.json)
    return exit_code
