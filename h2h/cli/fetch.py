"""`h2h fetch` (new mentions from the sources) and `h2h sources` (their state;
`sources check` tests credentials). Under cron, silence unless something failed.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, List, Optional

import typer

from h2h.cli import render, runtime

NAMES = Annotated[Optional[List[str]], typer.Argument(metavar="[SOURCE]...", help="Source names (default: all).",
                                                      show_default=False)]


class _RichProgress:
    """One line per source on stderr, live while the fetch runs."""

    def __init__(self) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        # markup=False: a description holds a source's name and a server's error, never markup.
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn(),
                                 console=render.console(stderr=True), transient=False)
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> "_RichProgress":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def start(self, source: str) -> None:
        self.tasks[source] = self.progress.add_task(render.clean(f"{source}: fetching…"), total=None)

    def page(self, source: str, fetched: int, new: int) -> None:
        self.progress.update(self.tasks[source], description=render.clean(f"{source}: {fetched} read, {new} new"))

    def done(self, result: Any) -> None:
        task = self.tasks.get(result.name)
        if task is None:
            task = self.tasks[result.name] = self.progress.add_task("", total=None)
        if result.ok:
            text = f"{result.name}: {result.new} new of {result.fetched} read"
            if result.replies_found:
                text += f", {result.replies_found} answers found in threads"
        else:
            text = f"FAILED: {result.message()}"
        self.progress.update(task, description=render.clean(text), total=1, completed=1)


def _failures(report: Any) -> None:
    """What failed and what to do, on stderr: printed even under --quiet, since it is an error."""
    from h2h.redact import redact

    for r in report.failed:
        if r.error is None:
            continue
        render.say(redact(f"h2h: {r.message()}\n  hint: {r.error.hint}"))


def register(app: typer.Typer) -> None:
    @app.command("fetch")
    def fetch_cmd(
        names: NAMES = None,
        wait: Annotated[bool, typer.Option("--wait", help="If another fetch is running, wait for it instead of "
                                                          "exiting at once.")] = False,
        json_out: Annotated[bool, typer.Option("--json", help="Print the report as one JSON document.")] = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing unless something fails "
                                                                   "(for cron).")] = False,
    ) -> None:
        """Fetch new mentions from the sources (all, or the ones named).

        Sources are fetched side by side; each page is saved with the point to resume from, so an
        interrupted fetch loses nothing. Silent when not on a terminal unless something fails.
        Exit 6 when some sources failed; when all failed, their own code (3 config, 4 auth, 5 remote)."""
        from h2h.cli.logcmd import start
        from h2h.errors import Interrupted, PartialFailure
        from h2h.fetch import runner

        rt = runtime.current
        rt.json = rt.json or json_out
        rt.quiet = rt.quiet or quiet
        log = start("fetch")
        config, store, engine = rt.config(), rt.store(create=True), rt.engine()
        show = render.is_tty(sys.stderr) and not rt.quiet
        try:
            if show:
                with _RichProgress() as progress:
                    report = runner.run(config, store, engine, names or (), progress=progress, wait=wait)
            else:
                report = runner.run(config, store, engine, names or (), wait=wait)
        except KeyboardInterrupt:
            # typer would turn this into a silent exit 130; say what was kept.
            raise Interrupted("interrupted: the fetch stopped",
                              hint="Every page saved before the interrupt is kept; `h2h fetch` goes on from there.") from None
        error = report.error()
        for r in report.sources:
            log.info("fetch %s: %s", r.name, "ok, %d new of %d" % (r.new, r.fetched) if r.ok else
                     f"failed ({getattr(r.error, 'code', 'error')})")
        if rt.verbose and not show:
            for r in report.sources:
                if r.ok:
                    render.say(f"h2h: {r.name}: {r.new} new of {r.fetched} read in {r.pages} pages, "
                               f"{r.threads} threads read, {r.replies_found} answers found, {r.seconds:.1f}s")
        if rt.json and not (error is not None and not isinstance(error, PartialFailure)):
            render.write_json(report.to_json())
        if error is None:
            if show:
                data = report.to_json()
                render.say(f"{data['new']} new mentions from {len(report.sources)} source"
                           f"{'s' if len(report.sources) != 1 else ''} in {report.seconds:.1f}s; "
                           "`h2h` shows who to answer first")
            return
        if isinstance(error, PartialFailure):
            _failures(report)
            if rt.json:
                raise error.already_said()
        raise error

    sources_app = typer.Typer(help="The configured sources: last fetch, counts, errors, rate-limit budget.",
                              invoke_without_command=True, rich_markup_mode=None)

    @sources_app.callback()
    def sources_cmd(ctx: typer.Context,
                    json_out: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False) -> None:
        """The configured sources: last fetch, counts, last error, remaining rate-limit budget.
        `h2h sources check` tests their credentials."""
        rt = runtime.current
        rt.json = rt.json or json_out
        if ctx.invoked_subcommand is not None:
            return
        rows = _source_rows(rt)
        if rt.json:
            render.write_json({"sources": rows})
        elif render.is_tty():
            render.emit(_source_lines(rows), con=render.console(), wrap="terminal")
        else:
            render.emit(_source_lines(rows), strip=False)

    @sources_app.command("check")
    def check_cmd(names: NAMES = None,
                  json_out: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False) -> None:
        """Test each source's credentials with one cheap authenticated call."""
        from h2h.errors import PartialFailure
        from h2h.fetch import runner
        from h2h.textutil import inert

        rt = runtime.current
        rt.json = rt.json or json_out
        config, store = rt.config(), rt.store(create=True)
        report = runner.check(store, runner.select(config, names or ()))
        error = report.error()
        if rt.json:
            if error is None or isinstance(error, PartialFailure):
                render.write_json({"sources": [r.to_json() for r in report.sources]})
        else:
            for r in report.sources:
                fields = [r.name, "ok", r.account or ""] if r.ok else [r.name, "FAILED", r.error.message if r.error else ""]
                sys.stdout.write("\t".join(inert(f) for f in fields) + "\n")
        if error is None:
            return
        if isinstance(error, PartialFailure):
            _failures(report)
            raise error.already_said()
        raise error

    app.add_typer(sources_app, name="sources")


def _source_rows(rt: runtime.Runtime) -> list[dict[str, Any]]:
    import json

    config = rt.config()
    # Before the first fetch there is no database: every source is "not fetched yet".
    store = rt.store() if rt.has_database() else None
    statuses = store.source_statuses() if store else {}
    counts = store.source_counts() if store else {}
    rows = []
    for name, sc in config.sources.items():
        st = statuses.get(name)
        row: dict[str, Any] = {
            "name": name, "type": sc.type, "url": sc.table.get("url"),
            "account": st.account if st else None,
            "last_fetch": st.last_attempt_at if st else None,
            "last_success": st.last_success_at if st else None,
            "last_duration_s": st.last_duration_s if st else None,
            "last_fetched": st.last_fetched if st else 0, "last_new": st.last_new if st else 0,
            "failures": st.failures if st else 0,
            "last_error": ({"code": st.last_error_code, "message": st.last_error, "hint": st.last_error_hint,
                            "at": st.last_error_at} if st and st.last_error else None),
            "rate_limit": json.loads(st.rate_limit) if st and st.rate_limit else None,
            "counts": counts.get(name, {"mentions": 0, "conversations": 0, "open": 0}),
            "has_cursor": store is not None and store.get_cursor(name) is not None,
        }
        rows.append(row)
    return rows


def _ago(at: str | None) -> str:
    from h2h import clock

    if not at:
        return "never"
    return clock.human_duration((clock.now() - clock.from_iso(at)).total_seconds()) + " ago"


def _budget(rate: dict[str, Any] | None) -> str:
    if not rate or rate.get("remaining") is None:
        return "-"
    text = f"{int(rate['remaining'])}"
    if rate.get("limit"):
        text += f"/{int(rate['limit'])}"
    if rate.get("reset_at"):
        text += f" (resets {rate['reset_at']})"
    return text


def _status(row: dict[str, Any]) -> str:
    if row["last_fetch"] is None:
        return "not fetched yet"
    if row["failures"]:
        err = row["last_error"] or {}
        return f"FAILING ({row['failures']}x): {err.get('message', '')}"
    return "ok"


def _source_lines(rows: list[dict[str, Any]]) -> render.Lines:
    """(line, rich style) for `h2h sources`: the same lines in a pipe and on a terminal."""
    from h2h.textutil import inert

    if not rows:
        return [("No sources configured: add a [sources.NAME] table to the config (see `h2h init`).", "")]
    out: render.Lines = []
    for r in rows:
        c = r["counts"]
        out.append((inert(f"{r['name']} [{r['type']}] {r['account'] or ''}"), "bold"))
        out.append((inert(f"  last fetch {_ago(r['last_fetch'])}: {_status(r)}"),
                    "red" if r["failures"] else "green" if r["last_fetch"] else "dim"))
        out.append((f"  {c['mentions']} messages, {c['conversations']} conversations, {c['open']} open; "
                    f"last run {r['last_new']} new of {r['last_fetched']}; budget {_budget(r['rate_limit'])}", "dim"))
        if r["last_error"] and r["failures"]:
            out.append((inert(f"  hint: {r['last_error']['hint']}"), "dim"))
    return out
