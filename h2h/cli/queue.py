"""`h2h queue` (and bare `h2h`): reply to these humans first."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from h2h.cli import render, runtime
from h2h.cli.options import Option, typer_signature

if TYPE_CHECKING:
    import typer

SECTION_TITLES = {
    "reply": "Reply to these humans first",
    "thanks": "Say thanks",
    "careful": "Careful: hostile, answer calmly or not at all",
    "noise": "Noise: bots, spam, our own posts",
}


def _complete_section(incomplete: str) -> list[str]:
    return [s for s in SECTION_TITLES if s.startswith(incomplete)]


def run_queue(rt: runtime.Runtime, *, limit: int | None = None, show_all: bool = False, section: str | None = None,
              source: str | None = None, jsonl: bool = False, count: bool = False, footer: str = "",
              since: str | None = None) -> None:
    from h2h.app import inbox

    inbox.check_section(section)
    after = runtime.when(since, "--since")
    if limit is not None and limit < 0:
        from h2h.errors import UsageError

        raise UsageError("--limit must be 0 (no limit) or more")
    store, engine = rt.store(), rt.engine()
    inbox.check_source(store, list(rt.config().sources), source)
    if count:
        n = inbox.count(store, engine, section or "reply", source, after)
        if rt.json:
            render.write_json({"count": n, "section": section or "reply", "source": source,
                               "since": _iso(after)})
        else:
            sys.stdout.write(f"{n}\n")
        return
    queue = inbox.build_queue(store, engine, sections=[section] if section else None, source=source,
                              limit=inbox.DEFAULT_LIMIT if limit is None else (limit or None), show_all=show_all,
                              since=after, with_counts=not jsonl)
    if jsonl:
        render.write_jsonl(item.to_json() for item in queue.items)
    elif rt.json:
        render.write_json({"items": [item.to_json() for item in queue.items], "counts": queue.counts,
                           "sections": list(queue.sections)})
    elif render.is_tty():
        _rich(queue, footer)
    else:
        _plain(queue, footer)


def _why(item: Any, n: int = 3) -> str:
    """The strongest reasons: what argues for replying in `reply`, what decided the section elsewhere."""
    reasons = [r for r in item.reasons if r.points > 0] if item.section == "reply" else list(item.reasons)
    return "; ".join(r.label for r in (reasons or list(item.reasons))[:n])


def _iso(moment: Any) -> str | None:
    from h2h import clock

    return clock.iso(moment) if moment else None


def _same_person(queue: Any, i: int) -> bool:
    """The item continues the previous one's human (same section): shown once, then `↳`."""
    if i == 0:
        return False
    prev, item = queue.items[i - 1], queue.items[i]
    return prev.section == item.section and prev.person_key == item.person_key


def _also(item: Any) -> str:
    from h2h.textutil import inert

    return f"↳ same person ({inert(item.person.handle)})"


def _who(item: Any) -> str:
    from h2h.textutil import inert

    name, handle = inert(item.person.name), inert(item.person.handle)
    return f"{name} ({handle})" if name and name != handle else handle


def _hidden_line(queue: Any) -> str:
    hidden = [f"{n} in {s}" for s, n in queue.counts.items() if n and s not in queue.sections]
    return ("Hidden: " + ", ".join(hidden) + " (h2h queue --all)") if hidden else ""


def _plain(queue: Any, footer: str) -> None:
    from h2h.clock import human_duration
    from h2h.textutil import inert, truncate

    out = sys.stdout
    if not queue.items:
        out.write("Everyone has an answer.\n")
    current = None
    for i, item in enumerate(queue.items):
        if item.section != current:
            current = item.section
            out.write(f"\n== {SECTION_TITLES[current]} ({queue.counts.get(current, 0)}) ==\n")
        who = truncate(_also(item) if _same_person(queue, i) else _who(item), 40)
        out.write(f"{item.rank:>3}  {item.id}  {who}  [{inert(item.platform)}]  "
                  f"waiting {human_duration(item.waiting_s)}  score {item.score:.1f}\n")
        out.write(f"     why: {truncate(inert(_why(item)), 100)}\n")
        out.write(f"     “{truncate(inert(item.text), 100)}”\n")
    hidden = _hidden_line(queue)
    for line in (hidden, footer):
        if line:
            out.write(f"\n{line}\n")


def _rich(queue: Any, footer: str) -> None:
    from rich.table import Table
    from rich.text import Text

    from h2h.clock import human_duration
    from h2h.textutil import inert, truncate

    con = render.console()
    if not queue.items:
        con.print(Text("Everyone has an answer.", style="bold green"))
    current = None
    table = None
    for i, item in enumerate(queue.items):
        if item.section != current:
            if table is not None:
                con.print(table)
            current = item.section
            title = Text(f"{SECTION_TITLES[current]} ({queue.counts.get(current, 0)})",
                         style="bold" if current == "reply" else "bold dim")
            table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False, expand=True,
                          header_style="dim")
            table.add_column("#", justify="right", no_wrap=True)
            table.add_column("id", no_wrap=True, style="cyan")
            table.add_column("who", ratio=2, overflow="ellipsis", no_wrap=True)
            table.add_column("waiting", justify="right", no_wrap=True)
            table.add_column("score", justify="right", no_wrap=True)
            table.add_column("why · latest message", ratio=5, overflow="fold")
        who = Text(truncate(_also(item), 40), style="dim") if _same_person(queue, i) else Text(truncate(_who(item), 40))
        who.append(f"\n{inert(item.platform)}", style="dim")
        body = Text(truncate(inert(_why(item)), 120), style="yellow" if item.section == "reply" else "dim")
        body.append("\n" + truncate(inert(item.text), 160))
        waiting = Text(human_duration(item.waiting_s), style="red" if item.waiting_s > 4 * 3600 else "")
        table.add_row(str(item.rank), item.id, who, waiting, f"{item.score:.1f}", body)  # type: ignore[union-attr]
    if table is not None:
        con.print(table)
    for line in (_hidden_line(queue), footer):
        if line:
            con.print(Text(line, style="dim"))


# `h2h queue`'s options; scripts call it often, so cli/lean.py runs it without typer.
OPTIONS = (
    Option("limit", ("--limit", "-n"), int, "At most N conversations (0: all). [default: 30]"),
    Option("show_all", ("--all", "-a"), bool, "Show the noise section too."),
    Option("section", ("--section", "-s"), str, "Only this section: reply, thanks, careful, noise.",
           complete=_complete_section),
    Option("source", ("--source",), str, "Only conversations from this source."),
    Option("json_out", ("--json",), bool, "One JSON document: {data: {items, counts}}."),
    Option("jsonl", ("--jsonl",), bool, "One JSON object per conversation per line."),
    Option("count", ("--count",), bool, "Print only the number of conversations in the reply section (or --section)."),
    Option("since", ("--since",), str, "Only conversations whose latest message is newer than WHEN: a duration (2h, 1d) "
                                       "or a time (2026-11-20T09:00:00Z).", metavar="WHEN"),
)


def queue_command(json_out: bool = False, **options: Any) -> None:
    """The ranked queue: which humans to reply to first, and why."""
    rt = runtime.current
    rt.json = rt.json or json_out
    run_queue(rt, **options)


def register(app: "typer.Typer") -> None:
    queue_command.__signature__ = typer_signature(OPTIONS)  # type: ignore[attr-defined]
    app.command("queue")(queue_command)
