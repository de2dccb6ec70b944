"""One conversation: `h2h show`, and the state changes `done`, `snooze`, `ignore`,
`reopen`. Drafting and replying are in cli/reply.py."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from h2h.cli import render, runtime

ID = Annotated[str, typer.Argument(metavar="ID", help="A conversation id from the queue (or its first 4+ characters).")]
JSON = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]


def _show_plain(view: dict[str, Any]) -> None:
    from h2h.clock import human_duration
    from h2h.textutil import inert

    p = view["person"]
    out = sys.stdout
    tags = [t for t, on in (("VIP", p["vip"]), ("muted", p["muted"]), ("bot", p["bot"])) if on]
    out.write(f"{view['id']}  {inert(p['name'] or p['handle'])} ({inert(p['handle'])}) on {inert(view['platform'])}"
              f"{'  [' + ', '.join(tags) + ']' if tags else ''}\n")
    seen = p["conversations"]
    out.write(f"  first seen {p['first_seen']}; {seen} conversation{'s' if seen != 1 else ''} with us so far"
              f"{'; ' + str(p['followers']) + ' followers' if p['followers'] is not None else ''}\n")
    if p.get("note"):
        out.write(f"  note: {inert(p['note'])}\n")
    out.write(f"  section {view['section']}, state {view['state']}"
              f"{' until ' + view['snooze_until'] if view['snooze_until'] else ''}"
              f"{', waiting ' + human_duration(view['waiting_s']) if view['waiting_s'] else ''}\n\n")
    for m in view["messages"]:
        who = {"me": "us", "team": "teammate", "other": "someone else"}.get(m["role"], "them")
        out.write(f"  {m['created_at']}  {inert(m['author']['handle'])} ({who})\n")
        for line in render.shown(m["text"], view["id"]).splitlines() or [""]:
            out.write(f"    {line}\n")
        if m["url"]:
            out.write(f"    {inert(m['url'])}\n")
    out.write("\n  why (score = sum of points):\n")
    for r in view["reasons"]:
        out.write(f"    {r['points']:>+7.2f}  {inert(r['label'])}  [{r['code']}]\n")
    out.write(f"    {view['score']:>7.2f}  total\n")
    if view["history"]:
        out.write("\n  other conversations with this person:\n")
        for h in view["history"]:
            out.write(f"    {h['id']}  {h['first_at']}  {h['state']}  ({h['section']})\n")


def _show_rich(view: dict[str, Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    from h2h.clock import human_duration
    from h2h.textutil import inert

    con = render.console()
    p = view["person"]
    head = Text(f"{inert(p['name'] or p['handle'])} ", style="bold")
    head.append(f"{inert(p['handle'])} · {inert(view['platform'])} · {view['id']}", style="dim")
    for tag, on in (("VIP", p["vip"]), ("muted", p["muted"]), ("bot", p["bot"])):
        if on:
            head.append(f"  {tag}", style="bold magenta")
    con.print(head)
    seen = p["conversations"]
    line = (f"first seen {p['first_seen']} · {seen} conversation{'s' if seen != 1 else ''} with us"
            + (f" · {p['followers']} followers" if p["followers"] is not None else "")
            + f" · {view['section']}, {view['state']}"
            + (f" until {view['snooze_until']}" if view["snooze_until"] else "")
            + (f" · waiting {human_duration(view['waiting_s'])}" if view["waiting_s"] else ""))
    con.print(Text(line, style="dim"))
    if p.get("note"):
        con.print(Text("note: " + inert(p["note"]), style="italic"))
    con.print()
    for m in view["messages"]:
        style = "green" if m["role"] in ("me", "team") else ""
        who = Text(f"{m['created_at']}  {inert(m['author']['handle'])}", style="dim " + style)
        con.print(who)
        con.print(Text(render.shown(m["text"], view["id"]), style=style), soft_wrap=True)
        if m["url"]:
            con.print(Text(inert(m["url"]), style="dim underline"), soft_wrap=True)
        con.print()
    table = Table(title=Text("Why", style="bold"), title_justify="left", show_edge=False, show_header=False)
    table.add_column(justify="right")
    table.add_column()
    for r in view["reasons"]:
        table.add_row(Text(f"{r['points']:+.2f}", style="green" if r["points"] > 0 else "red"),
                      Text(inert(r["label"])))
    table.add_row(Text(f"{view['score']:.2f}", style="bold"), Text("total", style="bold"))
    con.print(table)
    if view["history"]:
        con.print(Text("\nOther conversations with this person:", style="bold"))
        for h in view["history"]:
            con.print(Text(f"  {h['id']}  {h['first_at']}  {h['state']} ({h['section']})"))


def register(app: typer.Typer) -> None:
    @app.command("show")
    def show_cmd(ident: ID, json_out: JSON = False) -> None:
        """The conversation in order, the person, and every reason with its points."""
        from h2h.app import inbox

        rt = runtime.current
        rt.json = rt.json or json_out
        view = inbox.conversation(rt.store(), rt.engine(), ident)
        if rt.json:
            render.write_json(view)
        elif render.is_tty():
            with render.paged(rt.pager):
                _show_rich(view)
        else:
            _show_plain(view)

    def _change(action: str, ident: str, json_out: bool, until: Any = None) -> None:
        from h2h.app import inbox
        from h2h.cli.logcmd import start

        rt = runtime.current
        rt.json = rt.json or json_out
        log = start(action)
        result = inbox.set_state(rt.store(), rt.engine(), ident, action, until=until)
        log.info("%s %s: %s -> %s", action, result["id"], result["previous_state"], result["state"])
        if rt.json:
            render.write_json(result)
        else:
            extra = f" until {result['snooze_until']}" if result["snooze_until"] else ""
            render.say(f"{result['id']}: {result['previous_state']} -> {result['state']}{extra}", quiet=rt.quiet)

    @app.command("done")
    def done_cmd(ident: ID, json_out: JSON = False) -> None:
        """Mark a conversation done; a new message from the person reopens it."""
        _change("done", ident, json_out)

    @app.command("snooze")
    def snooze_cmd(ident: ID, duration: Annotated[str, typer.Argument(help="How long: 30m, 2h, 1d, 1w.")],
                   json_out: JSON = False) -> None:
        """Hide a conversation until DURATION has passed (or the person writes again)."""
        from h2h import clock
        from h2h.errors import UsageError

        try:
            delta = clock.parse_duration(duration)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        _change("snooze", ident, json_out, until=clock.now() + delta)

    @app.command("ignore")
    def ignore_cmd(ident: ID, json_out: JSON = False) -> None:
        """Leave a conversation out of the queue for good, even if the person writes again."""
        _change("ignore", ident, json_out)

    register_undo(app)

    @app.command("reopen")
    def reopen_cmd(ident: ID, json_out: JSON = False) -> None:
        """Put a conversation back in the queue."""
        _change("reopen", ident, json_out)


def undo_line(result: dict[str, Any]) -> str:
    """What `h2h undo` (and `u` in `h2h next`) did, for a person."""
    what = result["undid"] + (f" {result['id']}" if result["id"] else "") + (
        f" ({result['handle']})" if result.get("handle") else "")
    if not result["undone"]:
        return (f"Nothing undone: {what}, decided at {result['at']}, was overtaken: {result['reason']}. "
                "The next `h2h undo` goes one decision further back.")
    change = f": {result['previous_state']} -> {result['state']}" if result["state"] else ""
    return f"Undid {what}, decided at {result['at']}{change}."


def register_undo(app: typer.Typer) -> None:
    @app.command("undo")
    def undo_cmd(json_out: JSON = False) -> None:
        """Revert the last decision: done, snooze, ignore, reopen or mute (never a sent reply).
        Again to go one decision further back."""
        from h2h.app import undo
        from h2h.cli.logcmd import start

        rt = runtime.current
        rt.json = rt.json or json_out
        log = start("undo")
        result = undo.undo(rt.store(), rt.engine())
        log.info("undo %s %s: %s", result["undid"], result["id"] or "-", "undone" if result["undone"] else "overtaken")
        if rt.json:
            render.write_json(result)
        else:
            render.say(undo_line(result), quiet=rt.quiet)
