"""`h2h stats`: response times, backlog and volume, as charts on a terminal."""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from h2h.cli import render, runtime

SPARK_DAYS = 60  # the widest sparkline, in characters


def compute(rt: runtime.Runtime, since: Optional[str], until: Optional[str], top: int) -> dict[str, Any]:
    from datetime import timedelta

    from h2h import clock
    from h2h.app import stats
    from h2h.errors import UsageError
    from h2h.ingest.ingest import ensure_fresh

    now = clock.now()
    end = runtime.when(until, "--until") or now
    start = runtime.when(since, "--since") or end - timedelta(days=30)
    if start >= end:
        raise UsageError(f"--since ({clock.iso(start)}) must be before --until ({clock.iso(end)})")
    store, engine = rt.store(), rt.engine()
    ensure_fresh(store, engine)
    s, e = clock.iso(start), clock.iso(end)
    return stats.compute(store.stats_conversations(s, e), store.stats_backlog(clock.iso(now)),
                         store.stats_daily(s, e), since=start, until=end, now=now, sla_s=engine.sla_s, top=top)


def _dur(seconds: Optional[float]) -> str:
    from h2h.clock import human_duration

    return "-" if seconds is None else human_duration(seconds)


def _lines(doc: dict[str, Any], width: int = 80) -> list[Any]:
    """The charts in `width` columns (80 at least): names are shortened, never handles."""
    from rich.text import Text

    from h2h.cli.charts import bar, sparkline
    from h2h.clock import human_duration
    from h2h.textutil import inert, truncate

    lines: list[Any] = []
    days = doc["per_day"]
    from h2h.clock import from_iso

    span = (from_iso(doc["until"]) - from_iso(doc["since"])).total_seconds()
    head = Text(f"h2h stats · {doc['since'][:16].replace('T', ' ')} to {doc['until'][:16].replace('T', ' ')} UTC "
                f"({human_duration(span)}) · SLA {human_duration(doc['sla_s'])}", style="bold")
    lines += [head, Text("")]

    lines.append(Text(f"{'First response':<18}{'n':>4}{'median':>8}{'p90':>8}  within the SLA", style="bold"))

    def row(name: str, summary: dict[str, Any]) -> Text:
        fr, sla = summary["first_response"], summary["sla"]
        judged = sla["met"] + sla["missed"]
        t = Text(f"  {truncate(inert(name), 15):<16}{fr['count']:>4}{_dur(fr['median_s']):>8}{_dur(fr['p90_s']):>8}  ")
        if sla["share"] is None:
            t.append("-", style="dim")
        else:
            share = sla["share"]
            t.append(f"{share:>4.0%} ")
            t.append_text(bar(share, 1.0, 8, "green" if share >= 0.8 else "yellow" if share >= 0.5 else "red"))
            t.append(f" {sla['met']} of {judged}", style="dim")
        waiting = summary["waiting"]
        if waiting:
            t.append(f" · {waiting} waiting", style="dim")
        return t

    lines.append(row("all (noise aside)", doc["overall"]))
    for s in doc["by_source"]:
        lines.append(row(s["source"], s))
    lines.append(Text("  per section", style="dim"))
    for s in doc["by_section"]:
        if s["conversations"]:
            lines.append(row(s["section"], s))
    lines.append(Text(""))

    # One character a day up to SPARK_DAYS, then a week, then as many days as keep it that short.
    most = max(20, min(SPARK_DAYS, width - 48))  # the sparkline, its label and its sum fit the width
    step = 1 if len(days) <= most else 7 if len(days) <= 7 * most else -(-len(days) // most)
    unit = {1: "day", 7: "week"}.get(step, f"{step} days")
    people = [sum(d["from_people"] for d in days[i:i + step]) for i in range(0, len(days), step)]
    us = [sum(d["from_us"] for d in days[i:i + step]) for i in range(0, len(days), step)]
    lines.append(Text(f"Messages per {unit}", style="bold"))
    for label, values, style in (("from people", people, "cyan"), ("from us", us, "green")):
        t = Text(f"  {label:<13}")
        t.append_text(sparkline(values, style))
        t.append(f"  {sum(values)} in all, at most {max(values, default=0)} per {unit}", style="dim")
        lines.append(t)
    lines.append(Text(""))

    backlog = doc["backlog"]
    title = f"Waiting now: {backlog['total']}"
    if backlog["total"]:
        title += f" ({backlog['past_sla']} past the SLA)"
    if backlog["noise"]:
        title += f"; {backlog['noise']} in noise, not counted"
    lines.append(Text(title, style="bold"))
    top = max((b["count"] for b in backlog["by_age"]), default=0)
    for b in backlog["by_age"]:
        t = Text(f"  {b['label']:<8}")
        t.append_text(bar(b["count"], top, 30, "red" if b["min_s"] >= doc["sla_s"] else "magenta"))
        t.append(f" {b['count']}")
        lines.append(t)
    if doc["waiting_longest"]:
        lines += [Text(""), Text("Waiting longest", style="bold")]
        from rich.cells import cell_len

        from h2h.cli.queue import who as fit

        room = max(20, width - 46)  # id, platform, wait and "past the SLA" take the rest
        for w in doc["waiting_longest"]:
            name = fit(w["name"], w["handle"], room, cell_len)
            t = Text(f"  {w['id']}  {name}{' ' * max(0, room - cell_len(name))}  {inert(w['platform']):<10} "
                     f"{human_duration(w['waiting_s']):>7}")
            if w["past_sla"]:
                t.append("  past the SLA", style="red")
            lines.append(t)
    return lines


def register(app: typer.Typer) -> None:
    @app.command("stats")
    def stats_cmd(
        since: Annotated[Optional[str], typer.Option("--since", metavar="WHEN",
                         help="Start: a duration back from now (7d, 12h) or a time (2026-11-01). [default: 30 days before --until]")] = None,
        until: Annotated[Optional[str], typer.Option("--until", metavar="WHEN",
                         help="End, excluded: a duration back from now or a time. [default: now]")] = None,
        top: Annotated[int, typer.Option("--top", help="How many of the longest-waiting people to list.")] = 5,
        png: Annotated[Optional[str], typer.Option("--png", metavar="FILE",
                       help="Also write the charts to FILE as PNG (needs: pip install 'h2h[plot]').")] = None,
        json_out: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
    ) -> None:
        """Response times (median, p90, within the SLA) per source and section, backlog by age,
        messages per day, who is waiting longest."""
        rt = runtime.current
        rt.json = rt.json or json_out
        if top < 0:
            from h2h.errors import UsageError

            raise UsageError("--top must be 0 or more")
        if png:
            from h2h.cli import plot

            plot.available()  # before any work: say what to install, print nothing else
        doc = compute(rt, since, until, top)
        if png:
            from h2h.cli import plot

            written = plot.write_png(doc, png)
            if not rt.json:
                render.say(f"wrote {written}", quiet=rt.quiet)
        if rt.json:
            render.write_json(doc)
            return
        if render.is_tty():
            with render.paged(rt.pager):
                con = render.console()
                for line in _lines(doc, max(80, con.width)):
                    con.print(line)
        else:
            sys.stdout.write("".join(line.plain.rstrip() + "\n" for line in _lines(doc)))
