"""How things look: rich on a terminal, plain text in a pipe, JSON for scripts.

Data goes to stdout, messages for people to stderr. Text from posts is always
passed through `inert()` and put in `rich.text.Text` objects, so neither
escape sequences nor rich markup in a post can do anything.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any, Iterable, TextIO

from h2h.textutil import inert

# JSON may carry any text; these code points are escaped so that printing the
# document on a terminal is inert too (C1 controls, bidi and invisible marks).
# Lone surrogates too: escaped, they are valid JSON; raw, they cannot be written as UTF-8.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
                          "\ud800-\udfff]")


def dumps(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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
