"""`h2h init`: a config to start from."""

from __future__ import annotations

from typing import Annotated

import typer

from h2h.cli import render, runtime


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init_cmd(json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False) -> None:
        """Write a config from config.example.toml (never overwrites)."""
        from h2h import files, paths
        from h2h.errors import H2HError

        rt = runtime.current
        rt.json = rt.json or json_out
        path, _ = paths.config_path(rt.config_path)
        if path.exists():
            raise H2HError(f"{path} already exists; it was not touched",
                           hint="Edit it, or pass --config with another path.", code="exists")
        example = starting_config(paths.DATA.joinpath("config.example.toml").read_bytes())
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            files.create_new(path, example)
        except FileExistsError:
            raise H2HError(f"{path} already exists; it was not touched", code="exists") from None
        except OSError as exc:
            raise H2HError(f"cannot write {path}: {exc.strerror}",
                           hint="Check the folder's permissions, or pass --config with another path.") from None
        if rt.json:
            render.write_json({"path": str(path)})
        else:
            render.say(f"wrote {path}\nnext: edit [me], uncomment the [sources.NAME] tables you use (or add "
                       "your own), then run `h2h sources check` and `h2h fetch`", quiet=rt.quiet)


SOURCES_MARK = b"# --- Sources:"


def starting_config(example: bytes) -> bytes:
    """The example config with its example sources commented out: a fresh config fetches
    nothing until its owner says from where (the examples point at other people's accounts)."""
    head, mark, tail = example.partition(SOURCES_MARK)
    if not mark:
        return example
    lines = (mark + tail).split(b"\n")
    return head + b"\n".join(line if not line.strip() or line.startswith(b"#") else b"# " + line
                              for line in lines)
