"""The manual page, h2h.1, written from the commands' own help: `python -m h2h.cli.manpage`
rewrites h2h/data/h2h.1 (tests/cli/test_manpage.py fails when it is out of date)."""

from __future__ import annotations

import sys
from typing import Any

from h2h import __version__


def _roff(text: str) -> str:
    lines = []
    for line in text.replace("\\", "\\e").splitlines():
        line = line.replace("-", "\\-")
        lines.append("\\&" + line if line.startswith((".", "'")) else line)
    return "\n".join(lines)


def _options(command: Any) -> list[str]:
    out = []
    for param in command.params:
        if getattr(param, "hidden", False) or param.param_type_name != "option":
            continue
        flags = ", ".join(param.opts + param.secondary_opts)
        if not param.is_flag:
            flags += f" {param.metavar or param.name.upper()}"
        out += [".TP", f"\\fB{_roff(flags)}\\fR", _roff(param.help or "")]
    return out


def _arguments(command: Any) -> str:
    return " ".join(p.metavar or p.name.upper() for p in command.params if p.param_type_name == "argument")


def _commands(command: Any, path: str) -> list[str]:
    out = []
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if getattr(sub, "hidden", False):
            continue
        full = f"{path} {name}"
        args = _arguments(sub)
        out += [".SS", f"\\fB{_roff(full)}\\fR" + (f" {_roff(args)}" if args else ""),
                _roff((sub.help or "").replace("\b\n", "")), *(_options(sub))]
        out += _commands(sub, full)
    return out


def render() -> str:
    import typer

    from h2h.cli.main import HELP, app

    root = typer.main.get_command(app)
    parts = [
        f'.TH H2H 1 "" "h2h {__version__}" "User Commands"',
        ".SH NAME", "h2h \\- which humans to reply to first, and why",
        ".SH SYNOPSIS", "\\fBh2h\\fR [\\fIOPTIONS\\fR] [\\fICOMMAND\\fR [\\fIARGS\\fR]...]",
        ".SH DESCRIPTION", _roff(HELP),
        ".SH OPTIONS", *_options(root),
        ".SH COMMANDS", *_commands(root, "h2h"),
        ".SH ENVIRONMENT",
        ".TP", "\\fBH2H_HOME\\fR", "The folder holding config.toml, h2h.db and logs.",
        ".TP", "\\fBH2H_CONFIG\\fR, \\fBH2H_DB\\fR", "The config file and the database, instead of those in H2H_HOME.",
        ".TP", "\\fBH2H_NOW\\fR", "Freezes the clock (ISO 8601), for reproducible runs.",
        ".TP", "\\fBH2H_PAGER\\fR, \\fBPAGER\\fR", "The pager for long output on a terminal (default: less).",
        ".TP", "\\fBNO_COLOR\\fR", "No colours.",
        ".SH FILES", "docs/json.md in the source lists every key of every \\-\\-json output.",
    ]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    from h2h.paths import DATA

    DATA.joinpath("h2h.1").write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DATA / 'h2h.1'}\n")
