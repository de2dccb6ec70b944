"""`h2h next`: the top conversation, one key, the next conversation.

The decisions live in h2h/app/session.py; this module draws the card and reads keys:
one keypress at a time on a terminal (cbreak mode, restored whatever happens),
one command per line when standard input is a pipe, so scripts and tests can
drive it (`printf 'd\\nn\\nq\\n' | h2h next`).
"""

from __future__ import annotations

import io
import os
import sys
from typing import Annotated, Any, Optional

import typer

from h2h.cli import render, runtime
from h2h.cli.queue import _complete_section

MAX_MESSAGES = 8     # a long thread shows its latest messages; `h2h show ID` has them all
MAX_LINES = 12       # and a long message its first lines
TOP_REASONS = 4


# --- keys ----------------------------------------------------------------------------------

def read_key(fd: int, prompt: str = "") -> str:
    """One keypress from the terminal on `fd`, without Enter. Ctrl-C still interrupts
    (cbreak keeps signals); the terminal's mode is restored on every way out. The prompt
    is written once the terminal is in cbreak mode, so a key pressed after it shows is
    never taken by the line discipline (Ctrl-D as end of file, echo)."""
    try:
        import termios
        import tty
    except ImportError:  # Windows
        import msvcrt

        _write_prompt(prompt)
        ch = msvcrt.getwch()  # type: ignore[attr-defined, unused-ignore]
        if ch == "\x03":
            raise KeyboardInterrupt from None
        return "q" if ch in ("\x04", "\x1a") else ch
    old = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd, termios.TCSANOW)  # TCSANOW: keep what was typed ahead
        _write_prompt(prompt)
        return _decode(fd, os.read(fd, 1))
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


def _write_prompt(prompt: str) -> None:
    if prompt:
        sys.stderr.write(prompt)
        sys.stderr.flush()


def _decode(fd: int, data: bytes) -> str:
    import select

    if not data or data == b"\x04":  # end of input, Ctrl-D
        return "q"
    if data == b"\x1b":  # an arrow or function key: swallow its sequence
        while select.select([fd], [], [], 0.05)[0]:
            if not os.read(fd, 32):
                break
        return "esc"
    lead = data[0]
    need = 0 if lead < 0xC0 else 1 if lead < 0xE0 else 2 if lead < 0xF0 else 3
    while need > 0:
        more = os.read(fd, need)
        if not more:
            break
        data += more
        need -= len(more)
    return data.decode("utf-8", "replace")


def discard_typeahead(fd: int) -> None:
    """Keys pressed before a card was on screen must not act on it (a double `y`)."""
    try:
        import termios

        termios.tcflush(fd, termios.TCIFLUSH)
    except (ImportError, OSError, ValueError):
        pass


# --- the card ------------------------------------------------------------------------------

Lines = list[tuple[str, str]]


def card_lines(card: Any, sla_s: float, size: tuple[int, int] | None = None) -> Lines:
    """(line, rich style) for one conversation: the same lines in a pipe and on a terminal.
    Everything that comes from a post goes through inert().

    With `size` (columns, rows of a terminal), the card fits the screen with a row left for
    the prompt: the person, their latest message and the draft always show; the thread folds
    from its oldest message, and the reasons and the legend shorten when rows are few."""
    head, thread, reasons, draft = _parts(card, sla_s)
    from h2h.app.session import LEGEND

    legend = [(line, "dim") for line in LEGEND]
    if size is None:
        return head + _fold(card, thread, len(thread) - MAX_MESSAGES) + reasons[:TOP_REASONS + 2] + draft + legend
    cols, rows = size
    budget = rows - 1
    # From the fullest card to the most compact: the part of each that must stay comes first.
    for why, keys in ((reasons[:TOP_REASONS + 2], legend), (reasons[:3], legend), (reasons[:2], legend[-1:]),
                      ([], legend[-1:]), ([], [])):
        fixed = head + why + draft + keys
        room = budget - _height(fixed, cols) - 1   # one row for the fold line
        shown = _latest_that_fit(thread, room, cols)
        if shown:
            return head + _fold(card, thread[-len(shown):-1], len(thread) - len(shown)) + shown[-1] + why + draft + keys
    # A screen too small for any card: the latest message cut to what is left.
    latest = thread[-1] if thread else []
    cut = max(2, budget - _height(head + draft, cols) - 1)
    return head[1:] + _fold(card, [], len(thread) - 1) + _rows_that_fit(latest, cut, cols) + draft


def _parts(card: Any, sla_s: float) -> tuple[Lines, list[Lines], Lines, Lines]:
    """The card's head, its messages (one block each, oldest first), its reasons, its draft."""
    from h2h import clock
    from h2h.cli.reply import finding_lines, preview
    from h2h.textutil import inert

    v, p = card.view, card.view["person"]
    now = clock.now()
    head: Lines = [("", ""), (f"── {v['section']} · {card.waiting} waiting " + "─" * 30, "dim")]
    tags = [t for t, on in (("VIP", p["vip"]), ("muted", p["muted"]), ("bot", p["bot"])) if on]
    name, handle = inert(p["name"] or ""), inert(p["handle"])
    who = f"{name} ({handle})" if name and name != handle else handle
    head.append((f"{who} on {inert(v['platform'])}{'  [' + ', '.join(tags) + ']' if tags else ''}", "bold"))
    seen = p["conversations"]
    contact = "first contact" if seen <= 1 else f"{seen} conversations with us so far"
    waited = v["waiting_s"]
    late = " (past the SLA)" if waited > sla_s else ""
    head.append((f"  {v['id']} · {contact} · first seen {p['first_seen']} · waiting "
                 f"{clock.human_duration(waited)}{late}", "dim"))
    if p.get("note"):
        head.append((f"  note: {inert(p['note'])}", "italic"))
    head.append(("", ""))
    thread: list[Lines] = []
    for m in v["messages"]:
        mine = m["role"] in ("me", "team")
        label = {"me": "us", "team": "teammate", "other": "someone else"}.get(m["role"], "them")
        age = clock.human_duration((now - clock.from_iso(m["created_at"])).total_seconds())
        block: Lines = [(f"  {m['created_at']} ({age} ago)  {inert(m['author']['handle'])} ({label})",
                         "dim green" if mine else "dim")]
        text_lines = inert(m["text"], keep_newlines=True).splitlines() or [""]
        block += [(f"    {text_line}", "green" if mine else "") for text_line in text_lines[:MAX_LINES]]
        if len(text_lines) > MAX_LINES:
            block.append((f"    (… {len(text_lines) - MAX_LINES} more lines: h2h show {v['id']})", "dim"))
        if m["url"]:
            block.append((f"    {inert(m['url'])}", "dim"))
        thread.append(block)
    ranked = sorted(v["reasons"], key=lambda r: -abs(r["points"]))
    reasons: Lines = [("", ""), (f"  Why it comes first (score {v['score']:.1f}):", "bold")]
    reasons += [(f"    {r['points']:+7.2f}  {inert(r['label'])}", "yellow" if r["points"] > 0 else "red")
                for r in ranked[:TOP_REASONS]]
    if len(ranked) > TOP_REASONS:
        reasons.append((f"    ({len(ranked) - TOP_REASONS} more: h2h show {v['id']})", "dim"))
    draft: Lines = [("", "")]
    if card.plan is None:
        problem = card.problem
        draft.append((f"  No draft: {inert(problem.message) if problem else 'nothing to reply to'}", "red"))
    else:
        buffer = io.StringIO()
        preview(card.plan, buffer)  # the same preview as `h2h reply`: the text, to whom, its length
        draft += [(line, "") for line in buffer.getvalue().splitlines()]
        draft += [(inert(line), "yellow") for line in finding_lines(card.plan.draft)]
    draft.append(("", ""))
    return head, thread, reasons, draft


def _fold(card: Any, blocks: list[Lines], hidden: int) -> Lines:
    """The messages shown, after one line saying how many earlier ones are not."""
    hidden = max(0, hidden)
    line = [(f"  ({hidden} earlier message{'s' if hidden != 1 else ''}: h2h show {card.view['id']})", "dim")]
    shown = blocks[-MAX_MESSAGES:] if hidden == 0 and len(blocks) > MAX_MESSAGES else blocks
    return (line if hidden else []) + [line_ for block in shown for line_ in block]


def _latest_that_fit(thread: list[Lines], room: int, cols: int) -> list[Lines]:
    """The latest messages that fit in `room` rows, oldest first; the latest one cut to fit
    (at least its first two lines), or nothing when even that does not fit."""
    if not thread or room < 2:
        return []
    latest = thread[-1]
    if _height(latest, cols) > room:
        kept = _rows_that_fit(latest, room - 1, cols)
        if len(kept) < 2:
            return []
        return [kept + [("    (… the rest: o, or h2h show)", "dim")]]
    shown, used = [latest], _height(latest, cols)
    for block in reversed(thread[:-1][-(MAX_MESSAGES - 1):]):
        used += _height(block, cols)
        if used > room:
            break
        shown.insert(0, block)
    return shown


def _rows_that_fit(lines: Lines, room: int, cols: int) -> Lines:
    kept: Lines = []
    for line in lines:
        if _height(kept + [line], cols) > room:
            break
        kept.append(line)
    return kept


def _height(lines: Lines, cols: int) -> int:
    """Rows the lines take on a screen `cols` wide, long lines wrapping."""
    from rich.cells import cell_len

    return sum(max(1, -(-cell_len(line.rstrip()) // max(1, cols))) for line, _ in lines)


class Screen:
    """The UI of h2h.app.session: draws cards, reads keys and answers."""

    def __init__(self, *, jsonl: bool, quiet: bool, sla_s: float):
        self.jsonl, self.quiet, self.sla_s = jsonl, quiet, sla_s
        # With --jsonl, stdout carries only the actions; the screen goes to stderr.
        self.out = sys.stderr if jsonl else sys.stdout
        self.terminal = render.is_tty(sys.stdin)
        self._console = render.console(stderr=jsonl) if render.is_tty(self.out) else None

    def _write(self, lines: list[tuple[str, str]]) -> None:
        render.emit(lines, con=self._console, stream=self.out)

    def _prompt(self, text: str) -> None:
        if self.terminal:
            sys.stderr.write(render.clean(text) + " " * (len(text) - len(text.rstrip())))
            sys.stderr.flush()

    def show(self, card: Any) -> None:
        if self.terminal:
            discard_typeahead(sys.stdin.fileno())
        size: tuple[int, int] | None = None
        if self._console is not None and self.terminal:
            import shutil

            cols, rows = shutil.get_terminal_size((80, 24))
            size = (cols, rows)
        self._write(card_lines(card, self.sla_s, size))

    def key(self) -> str:
        if self.terminal:
            key = read_key(sys.stdin.fileno(), "› ")
            while key in ("\r", "\n", " "):  # Enter out of habit: keep waiting
                key = read_key(sys.stdin.fileno())
            sys.stderr.write((key if key.isprintable() else "") + "\n")
            sys.stderr.flush()
            return key
        while True:
            line = sys.stdin.readline()
            if not line:
                return "q"   # end of the script
            if line.strip():
                return line.strip()

    def ask(self, question: str, default: str) -> str | None:
        self._prompt(f"{question}{' [' + default + ']' if default else ''}: ")
        line = sys.stdin.readline()
        if not line:
            return None
        return line.strip() or default

    def confirm(self, question: str) -> bool:
        if self.terminal:
            answer = read_key(sys.stdin.fileno(), f"{render.clean(question)} [y/N] ")
            sys.stderr.write((answer if answer.isprintable() else "") + "\n")
        else:
            answer = sys.stdin.readline()
        return answer.strip().lower() in ("y", "yes")

    def say(self, message: str) -> None:
        render.say(message, quiet=self.quiet)

    def problem(self, exc: Any) -> None:
        render.say(f"! {exc.message}" + (f"\n  hint: {exc.hint}" if exc.hint else ""))

    def help(self) -> None:
        from h2h.app.session import KEYS

        self._write([("Keys (or, from a pipe, one per line; the words work too):", "bold")]
                    + [(f"  {key}  {word:<8} {what}", "") for key, word, what in KEYS])

    def manual(self, plan: Any, reason: str) -> None:
        from h2h.textutil import inert

        self._write([("", ""), (inert(plan.text, keep_newlines=True), "bold"), ("", "")])
        render.say(f"h2h cannot post this reply itself ({reason}).")
        render.say(f"Post the text above at {plan.reply_url or 'the conversation on ' + plan.platform}.")

    def record(self, event: dict[str, Any]) -> None:
        if self.jsonl:
            render.write_jsonl([event])

    def finish(self, message: str) -> None:
        self._write([(message, "bold green")])


def register(app: typer.Typer) -> None:
    @app.command("next")
    def next_cmd(
        section: Annotated[str, typer.Option("--section", "-s", metavar="S", help="Work this section: reply, thanks, careful, noise.",
                                       autocompletion=_complete_section)] = "reply",
        source: Annotated[Optional[str], typer.Option("--source", metavar="NAME", help="Only conversations from this source.")] = None,
        jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per action taken on stdout (the screen goes to stderr).")] = False,
    ) -> None:
        """Work the queue one human at a time: see the top conversation and its draft, press a
        key (y send, e edit, d done, s snooze, n skip, ? help, q quit), get the next one.

        Keys are read one at a time on a terminal. From a pipe, one command per line
        (a key or its word: d, done, skip, ...), so scripts can drive it:

        \b
          printf 'd\\nn\\nq\\n' | h2h next"""
        from h2h.app import session
        from h2h.cli.logcmd import start
        from h2h.errors import UsageError

        rt = runtime.current
        if rt.json:
            raise UsageError("`h2h next` has no --json", hint="Use `h2h next --jsonl`: one line per action taken.")
        store, engine, config = rt.store(), rt.engine(), rt.config()
        s = session.Session(store, config, engine, section=section, source=source, log=start("next"))
        screen = Screen(jsonl=jsonl, quiet=rt.quiet, sla_s=engine.sla_s)
        try:
            session.run(s, screen)
        except KeyboardInterrupt:
            try:
                if screen.terminal:
                    sys.stderr.write("\n")  # the cursor may sit after a prompt
                render.say(s.tally.line())
            except Exception:  # noqa: BLE001 - a closed stderr must not hide the interrupt
                pass
            raise
        render.say(s.tally.line(), quiet=rt.quiet)
