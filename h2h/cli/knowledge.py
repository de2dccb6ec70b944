"""`h2h knowledge`: the file of our own answers that drafts answer from.

    h2h knowledge list                   its entries, and what is wrong in it
    h2h knowledge add "QUESTION" --answer "..." [--link URL] [--lang fr] [--also "a, b"]
    h2h knowledge test "QUESTION"        what a draft would answer it from, and how close it is
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer

from h2h.cli import render, runtime

JSON = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]


def _where(config: Any) -> str:
    from h2h.draft import knowledge

    path, named = knowledge.location(config)
    if path is None:
        return f"no knowledge file ([draft] knowledge is not set and {knowledge.DEFAULT_FILE} is not in $H2H_HOME)"
    return str(path)


def register(app: typer.Typer) -> None:
    group = typer.Typer(name="knowledge", help="Our own answers to common questions, which drafts answer from.",
                        no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(group, name="knowledge")

    @group.command("list")
    def list_cmd(json_out: JSON = False) -> None:
        """The entries of the knowledge file (or folder), and any problem in it."""
        from h2h.draft import knowledge
        from h2h.errors import ConfigError
        from h2h.textutil import inert

        rt = runtime.current
        rt.json = rt.json or json_out
        config = rt.config()
        path, _named = knowledge.location(config)
        if path is None:
            raise ConfigError("there is no knowledge file yet",
                              hint='Add an entry with `h2h knowledge add "a question" --answer "..."`, or set '
                                   '[draft] knowledge = "faq.md" in the config.')
        entries, problems, _digest = knowledge.read(path)
        if rt.json:
            render.write_json({"path": str(path), "entries": [e._asdict() | {"also": list(e.also)} for e in entries],
                               "problems": [p._asdict() for p in problems]})
            return
        for e in entries:
            link = f"  {inert(e.link)}" if e.link else ""
            sys.stdout.write(f"{inert(e.id)} [{e.lang}]  {inert(e.question)}{link}\n")
        render.say(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} in {path}.", quiet=rt.quiet)
        for p in problems:
            render.say(f"  ! {p.origin}:{p.line}: {p.message}", quiet=False)

    @group.command("add")
    def add_cmd(
        question: Annotated[str, typer.Argument(help="The question or topic, as people ask it.")],
        answer: Annotated[str, typer.Option("--answer", help="Our answer ('-': read it from standard input).")],
        link: Annotated[Optional[str], typer.Option("--link", help="A page the draft cites.")] = None,
        lang: Annotated[Optional[str], typer.Option("--lang", help="Its language (default: guessed).")] = None,
        also: Annotated[Optional[str], typer.Option("--also", help="Other ways people ask it, comma-separated.")] = None,
        entry_id: Annotated[Optional[str], typer.Option("--id", help="Its id; entries with the same id are "
                                                       "translations of one another.")] = None,
        json_out: JSON = False,
    ) -> None:
        """Add an entry to the knowledge file (a new file in a knowledge folder)."""
        from h2h.draft import knowledge

        rt = runtime.current
        rt.json = rt.json or json_out
        if answer == "-":
            answer = sys.stdin.read()
        parts = tuple(a.strip() for a in (also or "").split(",") if a.strip())
        path, entry = knowledge.add(rt.config(), question, answer, link=link, lang=lang, entry_id=entry_id, also=parts)
        if rt.json:
            render.write_json({"path": str(path), "entry": entry._asdict() | {"also": list(entry.also)}})
            return
        sys.stdout.write(f"{path}:{entry.line}\n")
        render.say(f"Added \u201c{entry.question}\u201d [{entry.lang}]; drafts answer from it from now on.",
                   quiet=rt.quiet)

    @group.command("test")
    def test_cmd(
        question: Annotated[str, typer.Argument(help="A question as someone would write it.")],
        lang: Annotated[Optional[str], typer.Option("--lang", help="Its language (default: guessed).")] = None,
        limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many to show.")] = 5,
        json_out: JSON = False,
    ) -> None:
        """What a draft would answer QUESTION from: the closest entries and past answers."""
        from h2h.draft import knowledge, memory
        from h2h.draft.terms import guess_lang
        from h2h.textutil import inert, truncate

        rt = runtime.current
        rt.json = rt.json or json_out
        store, config = rt.store(), rt.config()
        memory.refresh(store, config)
        problems, note = knowledge.sync(store, config)
        lang = (lang or guess_lang(question)).lower()
        found = memory.search(store, config, question, lang, limit=limit)
        best = memory.best([m for m in found if m.kind == "knowledge" or m.lang == lang])
        if rt.json:
            render.write_json({"question": question, "lang": lang, "threshold": memory.THRESHOLD,
                               "match": best.to_json() if best else None, "matches": [m.to_json() for m in found]})
            return
        if note:
            render.say(f"  ! {note}", quiet=False)
        for n, m in enumerate(found, start=1):
            mark = "*" if best is not None and m.ref == best.ref else " "
            where = (f"knowledge \u201c{inert(m.question)}\u201d" if m.kind == "knowledge"
                     else inert(memory.reply_to(m.person, m.created_at, m.author if m.role == "team" else "")))
            sys.stdout.write(f"{mark}{n}. {m.similarity:.2f}  {where}\n    {truncate(inert(m.answer), 110)}\n")
        if best is not None:
            render.say(f"Match: a draft would answer {memory.cited(best)}.", quiet=rt.quiet)
        else:
            render.say(f"No match (nothing reaches {memory.THRESHOLD:.2f}): a draft would say it is asking the team."
                       f" Knowledge: {_where(config)}.", quiet=rt.quiet)
        for p in problems:
            render.say(f"  ! {p.origin}:{p.line}: {p.message}", quiet=False)
