"""A short flag means one thing in every command: `-n` is `--limit` wherever it exists,
never `--dry-run` somewhere else."""

from __future__ import annotations

from typing import Any, Iterator


def _commands(command: Any, path: str = "h2h") -> Iterator[tuple[str, Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, f"{path} {name}")


def test_each_short_flag_means_the_same_in_every_command() -> None:
    import typer

    from h2h.cli.main import app

    meanings: dict[str, dict[str, str]] = {}
    for path, command in _commands(typer.main.get_command(app)):
        for param in command.params:
            opts = [o for o in getattr(param, "opts", []) + getattr(param, "secondary_opts", [])]
            longs = sorted(o for o in opts if o.startswith("--"))
            for short in (o for o in opts if len(o) == 2 and o.startswith("-")):
                meanings.setdefault(short, {})[path] = longs[0] if longs else param.name
    for short, where in meanings.items():
        assert len(set(where.values())) == 1, f"{short} means different things: {where}"
    assert meanings["-n"] and set(meanings["-n"].values()) == {"--limit"}
