"""One conversation: `h2h show`, and the state changes `done`, `snooze`, `ignore`,
`reopen`. Drafting and replying are in cli/reply.py."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from h2h.cli import render, runtime

ID = Annotated[str, typer.Argument(metavar="ID", help="A conversation id from the queue (or its first 4+ characters).")]
JSON = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]


def lines(view: dict[str, Any]) -> render.Lines:
    """(line, rich style) for `h2h show`: the same lines in a pipe and on a terminal."""
    from h2h.clock import human_duration
    from h2h.textutil import inert

    p = view["person"]
    tags = [t for t, on in (("VIP", p["vip"]), ("muted", p["muted"]), ("bot", p["bot"])) if on]
    out: render.Lines = [
        (f"{view['id']}  {inert(p['name'] or p['handle'])} ({inert(p['handle'])}) on {inert(view['platform'])}"
         f"{'  [' + ', '.join(tags) + ']' if tags else ''}", "bold")]
    seen = p["conversations"]
    out.append((f"  first seen {p['first_seen']}; {seen} conversation{'s' if seen != 1 else ''} with us so far"
                f"{'; ' + str(p['followers']) + ' followers' if p['followers'] is not None else ''}", "dim"))
    if p.get("note"):
        out.append((f"  note: {inert(p['note'])}", "italic"))
    out.append((f"  section {view['section']}, state {view['state']}"
                f"{' until ' + view['snooze_until'] if view['snooze_until'] else ''}"
                f"{', waiting ' + human_duration(view['waiting_s']) if view['waiting_s'] else ''}", "dim"))
    out.append(("", ""))
    for m in view["messages"]:
        ours = "green" if m["role"] in ("me", "team") else ""
        who = {"me": "us", "team": "teammate", "other": "someone else"}.get(m["role"], "them")
        out.append((f"  {m['created_at']}  {inert(m['author']['handle'])} ({who})", f"dim {ours}".strip()))
        out += [(f"    {line}", ours) for line in render.shown(m["text"], view["id"]).splitlines() or [""]]
        if m["url"]:
            out.append((f"    {inert(m['url'])}", "dim underline"))
    out += [("", ""), ("  why (score = sum of points):", "bold")]
    out += [(f"    {r['points']:>+7.2f}  {inert(r['label'])}  [{r['code']}]", "green" if r["points"] > 0 else "red")
            for r in view["reasons"]]
    out.append((f"    {view['score']:>7.2f}  total", "bold"))
    if view["history"]:
        out += [("", ""), ("  other conversations with this person:", "bold")]
        out += [(f"    {h['id']}  {h['first_at']}  {h['state']}  ({h['section']})", "") for h in view["history"]]
    return out


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
                render.emit(lines(view), con=render.console(), wrap="terminal")
        else:
            render.emit(lines(view), strip=False)

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
            render.say(undo.describe(result), quiet=rt.quiet)
