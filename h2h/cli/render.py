"""How things look: rich on a terminal, plain text in a pipe, JSON for scripts.

Data goes to stdout, messages for people to stderr. Everything h2h prints for a
person passes through here, and everything passes through `inert()` on its way out
(`clean`, `say`, `error`, `confirm`, `emit`): a post, a handle, a source or platform
name, a URL or error body a server sent, a name from the config. Rich never reads
markup from data (its console is made with markup off, and text reaches it as
`rich.text.Text`), so neither escape sequences nor rich markup can do anything.

A view is written once, as `Lines`: (text, rich style) pairs. `emit()` prints them
plain in a pipe and styled on a terminal, so the two cannot drift apart.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, TextIO

from h2h.textutil import inert

Lines = list[tuple[str, str]]   # (text, rich style), the same lines in a pipe and on a terminal

# JSON may carry any text; these code points are escaped so that printing the
# document on a terminal is inert too (C1 controls, bidi and invisible marks).
# Lone surrogates too: escaped, they are valid JSON; raw, they cannot be written as UTF-8.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
                          "\ud800-\udfff]")


def dumps(data: Any) -> str:
    try:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str, allow_nan=False)
    except ValueError:  # NaN or Infinity somewhere: not JSON, and a script's parser would refuse it
        text = json.dumps(_finite(data), ensure_ascii=False, separators=(",", ":"), default=str)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _finite(data: Any) -> Any:
    if isinstance(data, float):
        return data if data == data and data not in (float("inf"), float("-inf")) else None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data


SHOWN_CHARS = 20_000


def shown(text: str, ident: str = "ID", limit: int = SHOWN_CHARS) -> str:
    """A message as a person reads it on a terminal: inert, and not 10 MB of it."""
    clean = inert(text[: limit * 2], keep_newlines=True)
    if len(text) <= limit and len(clean) <= limit:
        return clean
    return (clean[:limit].rstrip() + f"\n… [{len(text) - limit:,} more characters; "
            f"`h2h show {ident} --json` has the whole message]")


def write_json(data: Any, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    out.write(dumps({"data": data}) + "\n")
    out.flush()


def write_jsonl(items: Iterable[Any], stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    for item in items:
        out.write(dumps(item) + "\n")
    out.flush()


def is_tty(stream: TextIO | None = None) -> bool:
    s = stream or sys.stdout
    try:
        return s.isatty()
    except (AttributeError, ValueError):
        return False


def no_color() -> bool:
    return bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM") == "dumb"


def console(stderr: bool = False):
    """A rich console; imported only when a terminal will be drawn on."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, emoji=False, markup=False,
                   no_color=no_color() or None, soft_wrap=False)


def clean(value: object) -> str:
    """One line of anything for a terminal: no escapes, controls, bidi or invisible marks."""
    return inert(str(value))


def _line(text: str) -> str:
    # Spaces kept (columns line up), newlines kept (a message spans lines): only what acts goes.
    return inert(text, keep_newlines=True)


def emit(lines: Iterable[tuple[str, str]], *, con: Any = None, stream: TextIO | None = None, strip: bool = True,
         wrap: str = "rich") -> None:
    """Print a view: styled through the rich console `con` when given, plain on `stream`
    (stdout) otherwise. Every line is made inert here, whatever built it. `wrap`: "rich"
    (rich wraps at the console's width), "fold" (a line longer than the width is cut into
    rows, for lines already fitted to it), "terminal" (the terminal wraps, as in a pipe)."""
    if con is None:
        out = stream or sys.stdout
        out.write("".join((_line(text).rstrip() if strip else _line(text)) + "\n" for text, _ in lines))
        out.flush()
        return
    from rich.text import Text

    for text, style in lines:
        line = Text(_line(text), style=style)
        if wrap == "fold":
            con.print(line, no_wrap=True, overflow="fold")
        elif wrap == "terminal":
            con.print(line, soft_wrap=True)
        else:
            con.print(line)


def confirm(question: str, *, default: bool = False) -> bool:
    """Ask a person at the terminal (stderr); the question may name a handle or a source."""
    import typer

    return typer.confirm(clean(question), default=default, err=True)


def say(message: str, *, quiet: bool = False) -> None:
    """A line for people, on stderr; nothing under --quiet."""
    if quiet:
        return
    sys.stderr.write(inert(message, keep_newlines=True) + "\n")
    sys.stderr.flush()


def error(code: str, message: str, hint: str, *, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(dumps({"error": {"code": code, "message": message, "hint": hint}}) + "\n")
        sys.stdout.flush()
    clean = inert(message, keep_newlines=True)
    line = f"h2h: error: {clean}"
    if hint:
        line += f"\n  hint: {inert(hint)}"
    if is_tty(sys.stderr) and not no_color():
        line = f"\x1b[31m{line}\x1b[0m"
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class _Screenful(io.StringIO):
    """stdout while a pager may be needed: what is written waits here; it still reads as the
    terminal it stands for (rich sizes and colours by it)."""

    def __init__(self, real: TextIO):
        super().__init__()
        self.real = real

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.real.fileno()


@contextmanager
def paged(enabled: bool = True) -> Iterator[None]:
    """Long output on a terminal goes through a pager, as git and gh do: $H2H_PAGER, else
    $PAGER, else `less` (with LESS=FRX unless set: colours kept, the screen not cleared);
    `--no-pager`, PAGER=cat or a pipe print it directly. Only what is longer than the screen
    is paged, so short output never waits for a key."""
    if not enabled or not is_tty(sys.stdout):
        yield
        return
    real = sys.stdout
    buffer = sys.stdout = _Screenful(real)
    try:
        yield
    finally:
        sys.stdout = real
    text = buffer.getvalue()
    import shutil

    if text.count("\n") < shutil.get_terminal_size().lines or not _page(text):
        real.write(text)
        real.flush()


def _page(text: str) -> bool:
    """Show `text` in the pager; False when there is none to run."""
    import shlex
    import shutil
    import subprocess

    command = os.environ.get("H2H_PAGER", os.environ.get("PAGER", "less"))
    argv = shlex.split(command) if command.strip() else []
    if not argv or argv[0] == "cat" or shutil.which(argv[0]) is None:
        return False
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    try:
        pager = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    try:
        assert pager.stdin is not None
        pager.stdin.write(text.encode("utf-8", "replace"))
        pager.stdin.close()
    except BrokenPipeError:  # the reader quit the pager early
        pass
    while True:
        try:
            pager.wait()
            return True
        except KeyboardInterrupt:  # Ctrl-C belongs to the pager (less ignores it); wait for it to quit
            continue
