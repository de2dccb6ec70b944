"""`h2h import` and `h2h score`: the JSON Lines format in, stored or scored."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import IO, Annotated, Iterator

import typer

from h2h.cli import render, runtime

# Batches of 500 per transaction in `h2h import`: fewer commits, each index page written
# once per transaction (commits were a third of the import's time at a million
# messages); about a second of lock, well under another command's busy timeout.
IMPORT_BATCHES_PER_TRANSACTION = 10

FILE = Annotated[str, typer.Argument(metavar="[FILE|-]", help="JSON Lines file, or - for standard input.")]


@contextmanager
def _open(path: str) -> Iterator[IO[bytes]]:
    from h2h.errors import InputError, UsageError

    if path == "-":
        if sys.stdin is None or render.is_tty(sys.stdin):
            raise UsageError("no input: give a FILE, or pipe JSON Lines into `-`")
        yield sys.stdin.buffer
        return
    try:
        stream = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", hint="Check the path and its permissions.") from None
    with stream:
        yield stream


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_cmd(file: FILE = "-",
                   json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False) -> None:
        """Ingest mentions as JSON Lines (idempotent: twice is the same as once)."""
        from h2h.cli.logcmd import start
        from h2h.errors import InputError, PartialFailure
        from h2h.ingest import parallel
        from h2h.ingest.bulk import ingest_lines
        from h2h.ingest.ingest import IngestReport

        rt = runtime.current
        rt.json = rt.json or json_out
        log = start("import")
        store, engine = rt.store(create=True), rt.engine()
        report = IngestReport()

        def bad(number: int, message: str) -> None:
            render.say(f"h2h: line {number}: {message} (skipped)", quiet=rt.quiet)

        with _open(file) as stream:
            ingest_lines(store, stream, engine, report=report, on_bad=bad, workers=parallel.default_workers(),
                         per_transaction=IMPORT_BATCHES_PER_TRANSACTION)
        log.info("import: %d read, %d new, %d updated, %d unchanged, %d conversations touched, %d bad lines",
                 report.read, report.new, report.updated, report.unchanged, report.conversations, len(report.bad))
        if rt.json:
            render.write_json(report.to_json())
        else:
            render.say(f"imported {report.read} messages: {report.new} new, {report.updated} updated, "
                       f"{report.unchanged} unchanged; {len(report.bad)} bad line{'s' if len(report.bad) != 1 else ''} skipped", quiet=rt.quiet)
        if report.bad:
            if report.read == 0:
                raise InputError(f"no line could be imported ({len(report.bad)} bad)")
            raise PartialFailure(f"{len(report.bad)} bad line{'s' if len(report.bad) != 1 else ''} skipped",
                                 hint=InputError.hint, said=True)

    @app.command("score")
    def score_cmd(file: FILE = "-") -> None:
        """Score JSON Lines without storing anything: one JSON object per message
        (id, section, score, signals, reasons)."""
        from h2h import clock
        from h2h.errors import InputError, PartialFailure
        from h2h.models import Mention
        from h2h.sources.jsonl import read_lines
        from h2h.triage import handles, people, score

        rt = runtime.current
        engine = rt.engine()
        now = clock.now()
        seen: dict[tuple[str, str], set[str]] = {}
        # The file is all h2h knows of each author: their messages so far, newest first,
        # stand in for the store's history when judging behaviour.
        history: dict[tuple[str, str], list[dict[str, str]]] = {}
        bad = good = 0
        out = sys.stdout
        with _open(file) as stream:
            for number, item in read_lines(stream):
                if not isinstance(item, Mention):
                    bad += 1
                    render.say(f"h2h: line {number}: {item.message} (skipped)", quiet=rt.quiet)
                    continue
                good += 1
                m = item
                sig = engine.analyze(m.text, m.lang)
                key = (m.source, m.author.remote_id)
                threads = seen.setdefault(key, set())
                thread = m.thread or m.in_reply_to or m.remote_id
                previous = len(threads - {thread})
                threads.add(thread)
                handle = m.author.handle
                recent = history.setdefault(key, [])
                recent.insert(0, {"created_at": clock.iso(m.created_at), "text": m.text})
                del recent[50:]
                facts = score.Facts(
                    signals=[sig], role=handles.role(handle, m.from_me, engine.me, engine.team, source=m.source,
                                                        platform=m.platform), to_me=m.to_me,
                    addressees=people.addressees(m.text),
                    person_bot=m.author.bot,
                    bot_hints=people.bot_hints(handle, m.author.name) + people.behaviour_hints(recent, platform=m.platform),
                    brand_hints=people.brand_hints(handle, m.author.name),
                    previous_conversations=previous,
                    continues=m.in_reply_to is not None or m.thread not in (None, m.remote_id),
                    vip=handles.matches(handle, engine.vip),
                    muted=handles.matches(handle, engine.muted), followers=m.author.followers,
                    weights=engine.weights)
                verdict = score.triage(facts)
                reasons = list(verdict.reasons)
                wait = score.waiting_reason((now - m.created_at).total_seconds(), engine.sla_s,
                                            engine.weights.get("waiting", 0.0))
                if wait.points:
                    reasons.append(wait)
                out.write(render.dumps({
                    "id": m.remote_id, "source": m.source, "section": verdict.section,
                    "score": round(sum(r.points for r in reasons), 2), "signals": sig.to_json(),
                    "reasons": [r.to_json() for r in reasons]}) + "\n")
        out.flush()
        if bad:
            if not good:
                raise InputError(f"no line could be scored ({bad} bad)")
            raise PartialFailure(f"{bad} bad line{'s' if bad != 1 else ''} skipped", hint=InputError.hint, said=True)
