"""Command-line options declared once, as data: typer builds its commands from
these tables, and the lean start-up path (cli/lean.py) parses the same tables
without importing typer.

The lean parser understands a strict subset of what click accepts and says
"not mine" (None) for anything else, so typer parses it and gives its usual
errors; tests/cli/test_lean.py checks that both read every accepted command
line the same way.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

if TYPE_CHECKING:
    import inspect

_DIGITS = re.compile(r"[0-9]+")


class Option:
    """One option: `dest` is the command function's parameter; `flags` long first; `kind` bool (a
    flag), int or str. `lean=False`: the lean path leaves command lines that use it to typer."""

    __slots__ = ("dest", "flags", "kind", "help", "metavar", "complete", "callback", "eager", "lean")

    def __init__(self, dest: str, flags: tuple[str, ...], kind: type, help: str, *, metavar: str | None = None,
                 complete: Callable[[str], list[str]] | None = None, callback: Callable[[Any], Any] | None = None,
                 eager: bool = False, lean: bool = True):
        # A plain class: a dataclass costs a millisecond of start-up to define.
        self.dest, self.flags, self.kind, self.help, self.metavar = dest, flags, kind, help, metavar
        self.complete, self.callback, self.eager, self.lean = complete, callback, eager, lean

    @property
    def default(self) -> Any:
        return False if self.kind is bool else None


def parse(options: Sequence[Option], args: Sequence[str]) -> tuple[dict[str, Any], int] | None:
    """Options from the start of `args` up to the first word that is not one: (values, where it
    stopped), or None where typer should decide (an unknown or unusual option, a value that looks
    like an option, `--`, `-h`)."""
    by_flag = {flag: o for o in options for flag in o.flags}
    values = {o.dest: o.default for o in options}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-"):
            break
        name, eq, attached = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        option = by_flag.get(name)
        if option is None or not option.lean:
            return None
        if option.kind is bool:
            if eq:
                return None
            values[option.dest] = True
            i += 1
            continue
        if eq:
            value = attached
            i += 1
        elif i + 1 < len(args):
            value = args[i + 1]
            i += 2
        else:
            return None
        if value.startswith("-"):
            return None
        if option.kind is int:
            if not _DIGITS.fullmatch(value):
                return None
            values[option.dest] = int(value)
        else:
            values[option.dest] = value
    return values, i


def typer_signature(options: Sequence[Option], first: Sequence[inspect.Parameter] = ()) -> inspect.Signature:
    """The signature typer reads a command's options from: one Annotated parameter per option."""
    import inspect
    from typing import Annotated

    import typer

    params = list(first)
    for o in options:
        info = typer.Option(*o.flags, help=o.help, metavar=o.metavar, autocompletion=o.complete,
                            callback=o.callback, is_eager=o.eager)
        kind = bool if o.kind is bool else Optional[o.kind]
        params.append(inspect.Parameter(o.dest, inspect.Parameter.KEYWORD_ONLY, default=o.default,
                                        annotation=Annotated[kind, info]))
    return inspect.Signature(params)
