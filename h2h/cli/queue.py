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


STATE_TITLES = {
    "snoozed": "Snoozed: back when the snooze ends or they write",
    "done": "Done: back if they write again",
    "ignored": "Ignored for good",
    "answered": "Answered: back if they write again",
}


def _complete_section(incomplete: str) -> list[str]:
    return [s for s in SECTION_TITLES if s.startswith(incomplete)]


def run_queue(rt: runtime.Runtime, *, limit: int | None = None, show_all: bool = False, section: str | None = None,
              source: str | None = None, jsonl: bool = False, count: bool = False, footer: str = "",
              since: str | None = None, state: str | None = None) -> None:
    from h2h.app import inbox

    inbox.check_section(section)
    after = runtime.when(since, "--since")
    if limit is not None and limit < 0:
        from h2h.errors import UsageError

        raise UsageError("--limit must be 0 (no limit) or more")
    store, engine = rt.store(), rt.engine()
    inbox.check_source(store, list(rt.config().sources), source)
    filters = {"source": source, "since": since, "state": state if state != "open" else None}
    if filters["state"]:
        return _put_away(rt, store, engine, filters, after, limit, jsonl, count, section)
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
    else:
        _write(queue, filters, footer)


def _put_away(rt: runtime.Runtime, store: Any, engine: Any, filters: dict[str, Any], after: Any, limit: int | None,
              jsonl: bool, count: bool, section: str | None) -> None:
    """`h2h queue --state S`: what was put away, the latest decided first."""
    from h2h.app import inbox
    from h2h.errors import UsageError

    if section:
        raise UsageError("--state and --section cannot be used together",
                         hint="`h2h queue --state done` lists every section's.")
    state = filters["state"]
    items, total = inbox.put_away(store, engine, state, source=filters["source"], since=after,
                                  limit=0 if count else (inbox.DEFAULT_LIMIT if limit is None else limit))
    if count:
        if rt.json:
            render.write_json({"count": total, "state": state, "source": filters["source"], "since": _iso(after)})
        else:
            sys.stdout.write(f"{total}\n")
    elif jsonl:
        render.write_jsonl(item.to_json() for item in items)
    elif rt.json:
        render.write_json({"items": [item.to_json() for item in items], "counts": {state: total}, "sections": [],
                           "state": state})
    else:
        _write(inbox.Queue(items=tuple(items), counts={state: total}, sections=(state,)), filters, "")


def _why(item: Any, n: int = 3) -> str:
    """The strongest reasons: what argues for replying in `reply`, what decided the section elsewhere."""
    reasons = [r for r in item.reasons if r.points > 0] if item.section == "reply" else list(item.reasons)
    return "; ".join(r.label for r in (reasons or list(item.reasons))[:n])


def _iso(moment: Any) -> str | None:
    from h2h import clock

    return clock.iso(moment) if moment else None


def _same_person(items: Any, i: int) -> bool:
    """The item continues the previous one's human (same section): shown once, then `↳`."""
    if i == 0:
        return False
    prev, item = items[i - 1], items[i]
    return prev.section == item.section and prev.person_key == item.person_key


def who(name: str, handle: str, width: int | None = None, cells: Any = len) -> str:
    """"Name (handle)" in `width` cells: the name is shortened, or left out, never the handle
    (the handle is what finds the person again)."""
    from h2h.textutil import inert

    name, handle = inert(name), inert(handle)
    if not name or name == handle:
        return handle
    full = f"{name} ({handle})"
    if width is None or cells(full) <= width:
        return full
    room = width - cells(handle) - 3
    if room < 4:
        return handle
    return f"{_fit(name, room - 1, cells).rstrip()}… ({handle})"


def _shorten(text: str, width: int, cells: Any) -> str:
    if cells(text) <= width:
        return text
    return _fit(text, width - 1, cells).rstrip() + "…"


def _fit(text: str, room: int, cells: Any) -> str:
    """The longest start of `text` that takes at most `room` cells: one pass, however long the
    text (a post can be megabytes; cutting a character at a time would be quadratic)."""
    used = 0
    for i, ch in enumerate(text):
        used += cells(ch)
        if used > room:
            return text[:i]
    return text


def _command(section: str | None, filters: dict[str, Any], *, limit0: bool = False, state: str | None = None) -> str:
    parts = ["h2h queue"]
    if state:
        parts.append(f"--state {state}")
    if section:
        parts.append(f"--section {section}")
    for flag in ("source", "since"):
        if filters.get(flag):
            parts.append(f"--{flag} {filters[flag]}")
    if limit0:
        parts.append("--limit 0")
    return " ".join(parts)


def hidden(queue: Any, filters: dict[str, Any]) -> list[tuple[str, str]]:
    """(what is not shown, the command that shows it), section by section."""
    state = filters.get("state")
    if state:
        rest = queue.counts.get(state, 0) - len(queue.items)
        return [(f"{rest} more {state}", _command(None, filters, limit0=True, state=state))] if rest > 0 else []
    shown: dict[str, int] = {}
    for item in queue.items:
        shown[item.section] = shown.get(item.section, 0) + 1
    out = []
    for section, n in queue.counts.items():
        if not n:
            continue
        if section not in queue.sections:
            out.append((f"{n} in {section}", _command(section, filters)))
        elif n > shown.get(section, 0):
            out.append((f"{n - shown.get(section, 0)} more in {section}", _command(section, filters, limit0=True)))
    return out


def lines(queue: Any, filters: dict[str, Any], footer: str, *, width: int | None = None,
          cells: Any = len) -> list[tuple[str, str]]:
    """(line, rich style) for the queue: the same lines in a pipe and on a terminal, where
    `width` (in cells) shortens names and texts, never handles. With `filters["state"]`: one
    list of what was put away, under that state's title."""
    from h2h.clock import human_duration
    from h2h.textutil import inert, truncate

    def cut(text: str, plain_width: int, indent: int = 5) -> str:
        return _shorten(text, width - indent, cells) if width else truncate(text, plain_width)

    out: list[tuple[str, str]] = []
    if not queue.items:
        out.append(("Everyone has an answer." if not filters.get("state") else "Nothing here.", "bold green"))
    more = dict(hidden(queue, filters))
    items = queue.items
    state = filters.get("state")
    for i, item in enumerate(items):
        if state and i == 0:
            out += [("", ""), (f"== {STATE_TITLES[state]} ({queue.counts.get(state, 0)}) ==", "bold")]
        elif not state and (i == 0 or item.section != items[i - 1].section):
            out += [("", ""), (f"== {SECTION_TITLES[item.section]} ({queue.counts.get(item.section, 0)}) ==",
                               "bold" if item.section == "reply" else "bold dim")]
        head = f"{item.rank:>3}  {item.id}  "
        tail = f"  [{inert(item.platform)}]"
        room = (width - cells(head) - cells(tail)) if width else None
        person = (f"↳ same person ({inert(item.person.handle)})" if _same_person(items, i)
                  else who(item.person.name, item.person.handle, room, cells))
        out.append((head + person + tail, "dim" if _same_person(items, i) else ""))
        if item.state in ("open",) or not filters.get("state"):
            status = f"waiting {human_duration(item.waiting_s)} · score {item.score:.1f} · "
            out.append(("     " + cut(status + inert(_why(item)), 100), "yellow" if item.section == "reply" else "dim"))
        else:
            when = (f"snoozed until {item.snooze_until}" if item.state == "snoozed" and item.snooze_until
                    else f"{item.state} since {item.state_at}" if item.state_at else item.state)
            out.append((f"     {when} · {item.section}", "dim"))
        out.append(("     “" + cut(inert(item.text), 100, 7) + "”", ""))
        last = i + 1 == len(items) or items[i + 1].section != item.section
        if last and not filters.get("state"):
            for what, command in more.items():
                if what.endswith(f"more in {item.section}"):
                    out.append((f"     … {what}: {command}", "dim"))
    notes = [f"{what} (`{command}`)" for what, command in more.items()]
    if notes:
        out += [("", ""), ("Not shown: " + "; ".join(notes) + ".", "dim")]
    if footer:
        out += [("", ""), (footer, "dim")]
    return out


def _write(queue: Any, filters: dict[str, Any], footer: str) -> None:
    if render.is_tty():
        from rich.cells import cell_len

        with render.paged(runtime.current.pager):
            con = render.console()
            render.emit(lines(queue, filters, footer, width=con.width, cells=cell_len), con=con, wrap="fold")
        return
    render.emit(lines(queue, filters, footer), strip=False)


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
    Option("state", ("--state",), str, "Instead of the queue, what was put away: snoozed, done, ignored or "
                                       "answered, the latest decided first.", metavar="STATE",
           complete=lambda incomplete: [s for s in STATE_TITLES if s.startswith(incomplete)]),
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
