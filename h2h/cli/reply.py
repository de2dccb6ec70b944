"""`h2h draft` and `h2h reply`: write a reply that sounds like a person, then send it once."""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from h2h.cli import render, runtime

ID = Annotated[str, typer.Argument(metavar="ID", help="A conversation id from the queue (or its first 4+ characters).")]
JSON = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]


def source_label(draft: Any) -> str:
    """Where a draft's words come from, in a few words: "knowledge: “Does sync work offline?” 0.91"."""
    g = draft.grounding or {}
    name = {"openai": "LLM"}.get(draft.backend, draft.backend)
    if not g:
        return f"from: {name}"
    if g.get("kind") == "knowledge":
        what = f"knowledge \u201c{g.get('question', '')}\u201d"
    else:
        from h2h.draft.memory import reply_to

        what = f"memory, {reply_to(g.get('person') or '', g.get('created_at') or '')}"
    via = "LLM with " if draft.backend == "openai" else ""
    return f"from: {via}{what} ({g.get('similarity', 0):.2f})"


def _summary(draft: Any) -> str:
    limit = f"{draft.length}/{draft.limit}" if draft.limit is not None else f"{draft.length}"
    bits = [f"{limit} characters" + (" (X-weighted)" if draft.unit == "x" else ""), source_label(draft)]
    if draft.intent:
        bits.append(draft.intent + (f", {draft.opener.replace('_', ' ')}" if draft.opener else ""))
    if draft.topic:
        bits.append(f"about: {draft.topic}")
    return " · ".join(bits)


def finding_lines(draft: Any) -> list[str]:
    """The draft's lint findings, note and advice, one line each (not yet made inert)."""
    lines = [f"  ! {f.code}: {f.message}" for f in draft.lint]
    if draft.note:
        lines.append(f"  note: {draft.note}")
    if draft.advice:
        lines.append(f"  advice: {draft.advice}")
    return lines


def show_findings(draft: Any, *, quiet: bool) -> None:
    for line in finding_lines(draft):
        render.say(line, quiet=quiet)


def _confirm(question: str) -> bool:
    from h2h.errors import UsageError

    if not sys.stdin.isatty():
        raise UsageError("not asking for confirmation: standard input is not a terminal",
                         hint="Pass --yes to send from a script, or --dry-run to see what would be sent.")
    return render.confirm(question)


def _ask(question: str) -> bool:
    """Yes only if a person at the terminal says so; in a pipe, no."""
    if not sys.stdin.isatty():
        return False
    return render.confirm(question)


def _history(listing: dict[str, Any]) -> None:
    from h2h.textutil import inert, truncate

    out = sys.stdout
    if not listing["drafts"]:
        out.write(f"No drafts for {listing['conversation']} yet: `h2h draft {listing['conversation']}` writes one.\n")
    for d in listing["drafts"]:
        mark = "→" if d["id"] == listing["current"] else " "
        how = "edited by hand" if d["edited"] else d["backend"]
        first = truncate(inert(" ".join(d["text"].split())), 60)
        out.write(f"{mark} {d['id']:>4}  {d['created_at']}  {how:<14}  {first}\n")
    if listing["drafts"]:
        render.say(f"→ the current draft; `h2h draft {listing['conversation']} --restore N` makes draft N current again.")


def preview(plan: Any, out: Any) -> None:
    from h2h.textutil import inert

    who = f"{inert(plan.name)} ({inert(plan.target)})" if plan.name else inert(plan.target)
    out.write(f"To {who} on {inert(plan.platform)}, source {inert(plan.source)}, conversation {plan.conversation}\n")
    if plan.reply_url:
        out.write(f"In reply to {inert(plan.reply_url)}\n")
    out.write("-" * 40 + "\n")
    out.write(inert(plan.text, keep_newlines=True) + "\n")
    out.write("-" * 40 + "\n")
    out.write(_summary(plan.draft) + "\n")
    if plan.previous == "pending":
        out.write(f"An earlier attempt may have been posted (its answer was lost): h2h first looks for it at "
                  f"{inert(plan.reply_url or 'the conversation on ' + plan.platform)} and posts only if it is not "
                  "there.\n")
    elif plan.previous:
        out.write(f"An earlier attempt is recorded as {plan.previous}; the same key is reused, "
                  "so it cannot post twice.\n")
    if plan.stale:
        out.write("Note: this draft was written before their latest message.\n")
    out.flush()


def _list_closest(rt: Any, found: list[Any], ident: str) -> None:
    from h2h.draft import memory
    from h2h.textutil import inert, truncate

    if rt.json:
        render.write_json({"matches": [m.to_json() for m in found]})
        return
    if not found:
        render.say("Nothing in the knowledge file or our past answers is close to this conversation.",
                   quiet=rt.quiet)
        return
    for n, m in enumerate(found, start=1):
        if m.kind == "knowledge":
            where = f"knowledge \u201c{inert(m.question)}\u201d ({inert(m.origin.rsplit('/', 1)[-1])})"
        else:
            where = inert(memory.reply_to(m.person, m.created_at, m.author if m.role == "team" else ""))
        sys.stdout.write(f"{n}. {m.similarity:.2f}  {where}\n   {truncate(inert(m.answer), 110)}\n")
    render.say(f"Start from one with `h2h draft {ident} --from-memory --pick N`.", quiet=rt.quiet)


def register(app: typer.Typer) -> None:
    @app.command("draft")
    def draft_cmd(
        ident: ID,
        new: Annotated[bool, typer.Option("--new", help="Write a new draft (the current one stays in --history).")] = False,
        edit: Annotated[bool, typer.Option("--edit", "-e", help="Open the draft in $VISUAL or $EDITOR, then store it.")] = False,
        snippet: Annotated[Optional[str], typer.Option("--snippet", metavar="NAME",
                           help="Start from a saved reply in [draft.snippets].")] = None,
        another: Annotated[bool, typer.Option("--another", help="A different wording than the current draft.")] = False,
        history: Annotated[bool, typer.Option("--history", help="List the conversation's drafts, the current one marked.")] = False,
        restore: Annotated[Optional[int], typer.Option("--restore", metavar="DRAFT",
                           help="Make draft number DRAFT (from --history) the current one again.")] = None,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Replace a draft edited by hand without asking.")] = False,
        source: Annotated[Optional[str], typer.Option("--from", metavar="SOURCE",
                          help="Start from: knowledge, memory (our past answers), template or llm.")] = None,
        from_memory: Annotated[bool, typer.Option("--from-memory", help="List the closest past answers and knowledge "
                               "entries; with --pick N, draft from the Nth.")] = False,
        pick: Annotated[Optional[int], typer.Option("--pick", metavar="N", min=1,
                        help="With --from-memory: start from the Nth of the list.")] = None,
        json_out: JSON = False,
    ) -> None:
        """Show the conversation's current draft (writing one if there is none), or write another;
        lint it and store it. A draft you edited is never replaced without asking, and every draft
        stays in --history."""
        from h2h.app import drafts
        from h2h.draft import compose
        from h2h.errors import H2HError, UsageError

        rt = runtime.current
        rt.json = rt.json or json_out
        writes = [name for name, on in (("--new", new), ("--another", another), ("--snippet", snippet is not None),
                                        ("--from", source is not None), ("--from-memory", from_memory),
                                        ("--restore", restore is not None), ("--history", history)) if on]
        if len(writes) > 1:
            raise UsageError(f"{' and '.join(writes)} cannot be used together")
        if pick is not None and not from_memory:
            raise UsageError("--pick goes with --from-memory", hint=f"h2h draft {ident} --from-memory --pick 1")
        store, engine, config = rt.store(), rt.engine(), rt.config()
        if history:
            listing = drafts.history(store, config, engine, ident)
            if rt.json:
                render.write_json(listing)
            else:
                _history(listing)
            return
        if from_memory and pick is None:
            _list_closest(rt, compose.closest(store, config, engine, ident), ident)
            return
        chosen = None
        if pick is not None:
            found = compose.closest(store, config, engine, ident)
            if pick > len(found):
                raise UsageError(f"there {'is' if len(found) == 1 else 'are'} {len(found)} past answer"
                                 f"{'' if len(found) == 1 else 's'} or entries to start from, not {pick}",
                                 hint=f"`h2h draft {ident} --from-memory` lists them.")
            chosen = found[pick - 1]
        if restore is not None:
            draft = drafts.restore(store, config, engine, ident, restore)
            changed = None
        else:
            replacing = new or another or snippet is not None or source is not None or chosen is not None
            current = compose.current(store, config, engine, ident)
            if replacing and current is not None and current.edited and not yes:
                if not _ask(f"The current draft (draft {current.id}) was edited by hand. Replace it? It stays in "
                            f"`h2h draft {ident} --history`."):
                    raise H2HError("the draft you edited was kept", code="aborted",
                                   hint=f"`h2h draft {ident} --new --yes` replaces it without asking.")
            changed = None
            if replacing or current is None:
                draft = compose.new_draft(store, config, engine, ident, another=another, snippet=snippet,
                                          source=source, pick=chosen)
            else:
                draft = current
            if edit:
                draft, changed = compose.edit(store, config, engine, ident)
        if rt.json:
            data = draft.to_json()
            if changed is not None:
                data["changed"] = changed
            render.write_json(data)
            return
        from h2h.textutil import inert

        sys.stdout.write(inert(draft.text, keep_newlines=True) + "\n")
        sys.stdout.flush()
        render.say(_summary(draft) + (f" · draft {draft.id}" if draft.id else "")
                   + (" · edited by hand" if draft.edited else ""), quiet=rt.quiet)
        if changed is False:
            render.say("  (unchanged)", quiet=rt.quiet)
        show_findings(draft, quiet=rt.quiet)
        if not config.me.name:
            render.say("  note: set [me] name in the config so drafts are signed by you", quiet=rt.quiet)

    @app.command("reply")
    def reply_cmd(
        ident: ID,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Send without asking (for scripts).")] = False,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what would be sent, and to whom.")] = False,
        posted: Annotated[bool, typer.Option("--posted", help="You posted this reply by hand: mark it replied.")] = False,
        json_out: JSON = False,
    ) -> None:
        """Send the conversation's draft through its source, once, and mark it answered."""
        from h2h.errors import H2HError
        from h2h.reply import send

        rt = runtime.current
        rt.json = rt.json or json_out
        store, engine, config = rt.store(), rt.engine(), rt.config()
        plan = send.plan(store, config, engine, ident)
        if dry_run:
            if rt.json:
                render.write_json(send.Outcome("dry_run", plan).to_json())
            else:
                preview(plan, sys.stdout)
                show_findings(plan.draft, quiet=rt.quiet)
            return
        if not rt.json:
            preview(plan, sys.stderr)
            show_findings(plan.draft, quiet=rt.quiet)
        send.check(plan)
        verb = "Mark as posted by hand" if posted else "Send"
        if not yes and plan.previous not in ("sent", "manual") and not _confirm(f"{verb} this reply to {plan.target}?"):
            raise H2HError("not sent", code="aborted", hint=f"Nothing was sent; change it with `h2h draft {plan.conversation} --edit`.")
        outcome = send.mark_posted(store, config, engine, plan) if posted else send.send(store, config, engine, plan)
        if outcome.status == "manual_needed" and not rt.json:
            if not render.is_tty():  # on a terminal the preview above already shows it
                render.emit([(plan.text, "")], strip=False)
            render.say(f"h2h cannot post this reply itself ({outcome.reason}).", quiet=False)
            render.say(f"Post the text above at {plan.reply_url or 'the conversation on ' + plan.platform}.", quiet=False)
            if sys.stdin.isatty() and render.confirm("Did you post it?"):
                outcome = send.mark_posted(store, config, engine, plan)
            else:
                render.say(f"Once posted, run `h2h reply {plan.conversation} --posted` so it leaves the queue.", quiet=False)
                return
        if rt.json:
            render.write_json(outcome.to_json())
            return
        where = outcome.url or outcome.remote_id or plan.reply_url or ""
        messages = {"sent": "sent", "manual": "marked as posted by hand", "already_sent": "already sent"}
        render.emit([(f"{plan.conversation}: {messages.get(outcome.status, outcome.status)}"
                      f"{' ' + render.clean(where) if where else ''}", "")])
        if outcome.status == "already_sent" and outcome.reason:
            render.say(f"({outcome.reason}.)", quiet=rt.quiet)
        if outcome.response_s is not None and outcome.status != "already_sent":
            from h2h.clock import human_duration

            render.say(f"Answered after {human_duration(outcome.response_s)}; the conversation left the queue.",
                       quiet=rt.quiet)
