"""`h2h search TEXT`: find a conversation again by its words, the person's name or handle."""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from h2h.cli import render, runtime


def _plain(result: dict[str, Any]) -> None:
    from h2h.app.search import plain
    from h2h.textutil import inert, truncate

    out = sys.stdout
    if not result["items"]:
        out.write(f"Nothing matches {inert(result['query'])!r}.\n")
    for item in result["items"]:
        p, m = item["person"], item["message"]
        who = f"{inert(p['name'])} ({inert(p['handle'])})" if p["name"] and p["name"] != p["handle"] else inert(p["handle"])
        more = f", {item['matches']} messages match" if item["matches"] > 1 else ""
        out.write(f"{item['id']}  {who}  [{inert(item['platform'])}]  {item['state']}, {item['section']}{more}\n")
        by = "us" if m["role"] == "me" else ("teammate" if m["role"] == "team" else "them")
        out.write(f"     {m['created_at']} ({by}): “{truncate(inert(plain(item['snippet']) or m['text']), 120)}”\n")
        if m["url"]:
            out.write(f"     {inert(m['url'])}\n")


def _rich(result: dict[str, Any]) -> None:
    from rich.text import Text

    from h2h.store.search import MARK_END, MARK_START
    from h2h.textutil import inert

    con = render.console()
    if not result["items"]:
        con.print(Text(f"Nothing matches {inert(result['query'])!r}.", style="bold"))
    for item in result["items"]:
        p, m = item["person"], item["message"]
        line = Text(item["id"], style="cyan")
        line.append(f"  {inert(p['name']) + ' ' if p['name'] and p['name'] != p['handle'] else ''}", style="bold")
        line.append(f"{inert(p['handle'])} · {inert(item['platform'])} · {item['state']}, {item['section']}", style="dim")
        if item["matches"] > 1:
            line.append(f" · {item['matches']} messages match", style="dim")
        con.print(line)
        by = "us" if m["role"] == "me" else ("teammate" if m["role"] == "team" else "them")
        body = Text(f"  {m['created_at']} ({by}): ", style="dim")
        snippet = inert(item["snippet"] or m["text"])
        bold = False
        for part in snippet.replace(MARK_END, MARK_START).split(MARK_START):
            body.append(part, style="bold yellow" if bold else "")
            bold = not bold
        con.print(body)
        if m["url"]:
            con.print(Text(f"  {inert(m['url'])}", style="dim"))


def register(app: typer.Typer) -> None:
    @app.command("search")
    def search_cmd(
        text: Annotated[str, typer.Argument(metavar="TEXT", help="Words, a name or a handle; every word must match.")],
        platform: Annotated[Optional[str], typer.Option("--platform", metavar="NAME",
                            help="Only conversations on this platform (mastodon, bluesky, github, ...).")] = None,
        limit: Annotated[int, typer.Option("--limit", "-n", help="At most N conversations (0: all).")] = 20,
        json_out: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
    ) -> None:
        """Find conversations by their words, or the person's name or handle, whatever their state
        (open, answered, done, snoozed, ignored): best match first."""
        from h2h.app import search
        from h2h.errors import UsageError

        rt = runtime.current
        rt.json = rt.json or json_out
        if limit < 0:
            raise UsageError("--limit must be 0 (no limit) or more")
        result = search.search(rt.store(), text, platform=platform, limit=limit)
        if rt.json:
            for item in result["items"]:
                item["snippet"] = search.plain(item["snippet"])
            render.write_json(result)
        elif render.is_tty():
            with render.paged(rt.pager):
                _rich(result)
        else:
            _plain(result)
