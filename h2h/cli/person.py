"""`h2h person`: one human's history with us across sources; VIP, mute, note; links."""

from __future__ import annotations

from typing import Annotated, Any, List, Optional

import typer

from h2h.cli import render, runtime

USAGE = """One human's history with us, across sources.

\b
  h2h person HANDLE                  their identities, conversations, recent messages
  h2h person HANDLE --vip --note T   flag them (every identity linked to them)
  h2h person link A B                A and B are one human: the queue shows them once
  h2h person unlink B                undo a link

HANDLE is a handle as the queue shows it (@alice@example.social, alice.bsky.social,
octocat), SOURCE:HANDLE to pick one source, or a conversation id. A person whose
handle is literally "link" or "unlink" is written @link or SOURCE:link."""


def _lines(view: dict[str, Any]) -> list[tuple[str, str]]:
    """(line, rich style): the same lines in a pipe and on a terminal."""
    from h2h.clock import human_duration
    from h2h.textutil import inert, truncate

    lines: list[tuple[str, str]] = []
    tags = [t for t, on in (("VIP", view["vip"]), ("muted", view["muted"])) if on]
    name = inert(view["name"] or view["handle"])
    lines.append((f"{name} ({inert(view['handle'])}){'  [' + ', '.join(tags) + ']' if tags else ''}", "bold"))
    if view["note"]:
        lines.append((f"  note: {inert(view['note'])}", "italic"))
    s = view["summary"]
    median = s["first_response_median_s"]
    lines.append((f"  {s['conversations']} conversation{'s' if s['conversations'] != 1 else ''} with us, "
                  f"{s['answered']} answered"
                  f"{', median first response ' + human_duration(median) if median is not None else ''}; "
                  f"first seen {s['first_seen']}, last seen {s['last_seen']}", "dim"))
    lines += [("", ""), ("  identities:", "bold")]
    for i in view["identities"]:
        extra = f", {i['followers']} followers" if i["followers"] is not None else ""
        lines.append((f"    {i['source']}:{inert(i['handle'])}  ({i['platform']}{extra})"
                      f"{'  ' + inert(i['url']) if i['url'] else ''}", ""))
    if view["conversations"]:
        lines += [("", ""), ("  conversations:", "bold")]
        for c in view["conversations"]:
            answer = c["first_response_s"]
            lines.append((f"    {c['id']}  {c['first_at']}  {c['platform']:<10} {c['state']:<8} {c['section']:<8}"
                          f"{' answered in ' + human_duration(answer) if answer is not None else ''}", ""))
    if view["messages"]:
        lines += [("", ""), ("  recent messages (newest first):", "bold")]
        for m in view["messages"]:
            who = "us" if m["role"] == "me" else ("teammate" if m["role"] == "team" else "them")
            lines.append((f"    {m['created_at']}  {m['platform']:<10} {who:<8} {truncate(inert(m['text']), 90)}",
                          "green" if m["role"] != "person" else ""))
    return lines


def _show(view: dict[str, Any]) -> None:
    lines = _lines(view)
    if not render.is_tty():
        render.emit(lines)
        return
    with render.paged(runtime.current.pager):
        render.emit(lines, con=render.console())


def register(app: typer.Typer) -> None:
    @app.command("person", help=USAGE, no_args_is_help=True)
    def person_cmd(
        words: Annotated[List[str], typer.Argument(metavar="HANDLE | link A B | unlink B", show_default=False)],
        vip: Annotated[Optional[bool], typer.Option("--vip/--no-vip", help="Mark (or unmark) as a VIP: more points in the queue.", show_default=False)] = None,
        mute: Annotated[Optional[bool], typer.Option("--mute/--unmute", help="Mute (or unmute): their conversations go to noise.", show_default=False)] = None,
        note: Annotated[Optional[str], typer.Option("--note", metavar="TEXT", help="A note shown with them in `show` and here ('' clears it).")] = None,
        json_out: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
    ) -> None:
        from h2h.app import people as persons
        from h2h.errors import UsageError

        rt = runtime.current
        rt.json = rt.json or json_out
        verb = words[0].lower()
        if verb in ("link", "unlink"):
            if vip is not None or mute is not None or note is not None:
                raise UsageError(f"`person {verb}` takes no --vip, --mute or --note; flag the person separately")
            want = 3 if verb == "link" else 2
            if len(words) != want:
                raise UsageError("usage: h2h person link A B" if verb == "link" else "usage: h2h person unlink B")
            from h2h.cli.logcmd import start

            log = start(f"person {verb}")
            store, engine = rt.store(), rt.engine()
            if verb == "link":
                result = persons.link(store, engine, words[1], words[2])
                log.info("link %s + %s: %s", words[1], words[2], "linked" if result["linked"] else "already one person")
                message = (f"{words[1]} and {words[2]} are one person now; the queue shows them once"
                           if result["linked"] else f"{words[1]} and {words[2]} were already linked")
            else:
                result = persons.unlink(store, engine, words[1])
                log.info("unlink %s: %s", words[1], "done" if result["unlinked"] else "was not linked")
                message = (f"{words[1]} stands alone again" if result["unlinked"]
                           else f"{words[1]} was not linked to anyone; nothing changed")
            if rt.json:
                render.write_json(result)
            else:
                render.say(message, quiet=rt.quiet)
            return
        if len(words) != 1:
            raise UsageError(f"one HANDLE at a time (got {len(words)} words)",
                             hint="Quote a handle that has spaces; `h2h person link A B` joins two identities.")
        store, engine = rt.store(), rt.engine()
        if vip is None and mute is None and note is None:
            view = persons.view(store, engine, words[0])
        else:
            from h2h.cli.logcmd import start

            log = start("person")
            view = persons.set_flags(store, engine, words[0], vip=vip, muted=mute, note=note)
            changes = [f"{k}={'on' if v else 'off'}" for k, v in (("vip", vip), ("muted", mute)) if v is not None]
            if note is not None:
                changes.append("note set" if note else "note cleared")
            log.info("person %s: %s", view["key"], ", ".join(changes))
        if rt.json:
            render.write_json(view)
        else:
            _show(view)
