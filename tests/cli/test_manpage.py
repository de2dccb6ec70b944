"""h2h.1 is written from the commands' help and ships with the package: it can never fall
behind a command or an option."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from h2h.cli import manpage
from h2h.paths import DATA


def test_the_shipped_man_page_is_the_generated_one() -> None:
    assert DATA.joinpath("h2h.1").read_text(encoding="utf-8") == manpage.render(), \
        "run `python -m h2h.cli.manpage` to rewrite h2h/data/h2h.1"


def test_it_names_every_command_and_option() -> None:
    import typer

    from h2h.cli.main import app

    page = manpage.render()
    root = typer.main.get_command(app)
    for name in root.commands:
        assert f"\\fBh2h {name}\\fR" in page
    for flag in ("\\-\\-no\\-pager", "\\-\\-state", "\\-\\-history", "\\-\\-restore", "\\-\\-platform", "\\-\\-offline"):
        assert flag in page


@pytest.mark.skipif(shutil.which("man") is None, reason="no man(1) here")
def test_man_reads_it() -> None:
    done = subprocess.run(["man", "-l", str(DATA / "h2h.1")], capture_output=True, text=True,
                          env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin", "MANPAGER": "cat"})
    assert done.returncode == 0 and "h2h undo" in done.stdout and "h2h search" in done.stdout
