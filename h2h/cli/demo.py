"""`h2h demo`: the queue on bundled, fictional data; no config, no network."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from h2h.cli import render, runtime


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_cmd(
        into: Annotated[Optional[str], typer.Option("--into", metavar="DIR",
                        help="Keep the demo in DIR (its config.toml and h2h.db); explore it with H2H_HOME=DIR.")] = None,
        limit: Annotated[Optional[int], typer.Option("--limit", "-n", help="At most N conversations (0: all).")] = None,
        show_all: Annotated[bool, typer.Option("--all", "-a", help="Show the noise section too.")] = False,
        section: Annotated[Optional[str], typer.Option("--section", "-s", help="Only this section.")] = None,
        json_out: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
        jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per line.")] = False,
    ) -> None:
        """Load the bundled demo mentions into a throwaway database and show the queue."""
        from h2h import config
        from h2h.cli.queue import run_queue
        from h2h.fetch import demo
        from h2h.store import open_store

        rt = runtime.current
        rt.json = rt.json or json_out
        text = demo.demo_config_text()
        rt.use_config(config.parse(text))
        if into:
            rt.use_store(open_store(demo.keep_in(into, text)))
        else:
            rt.use_store(open_store(":memory:"))
        report = demo.load(rt.store(), rt.engine())
        if not (rt.json or jsonl):
            render.say(f"Demo: {report.read} fictional mentions from 6 sources, no network.", quiet=rt.quiet)
        footer = (f"Kept in {into}: explore it with `H2H_HOME={into} h2h show ID`." if into else
                  "This was a throwaway database; `h2h demo --into DIR` keeps one to explore.")
        run_queue(rt, limit=limit, show_all=show_all, section=section, jsonl=jsonl, footer=footer)
