"""Editing a draft in the user's editor: $VISUAL, else $EDITOR, else one found on PATH.

The variable is split into argv with shlex (so "code --wait" works) and run
without a shell, with the draft in a private temporary file that is removed
afterwards, whatever happens.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from h2h.errors import H2HError, InputError

FALLBACKS = ("editor", "nano", "vi")


def editor_argv() -> list[str]:
    for var in ("VISUAL", "EDITOR"):
        raw = os.environ.get(var, "").strip()
        if raw:
            try:
                argv = shlex.split(raw)
            except ValueError as exc:
                raise H2HError(f"${var} cannot be read as a command ({exc}): {raw!r}",
                                  hint=f"Set {var} to a command such as \"nano\" or \"code --wait\".",
                               code="editor_failed") from None
            if argv:
                return argv
    for name in FALLBACKS:
        if shutil.which(name):
            return [name]
    raise H2HError("no editor: neither $VISUAL nor $EDITOR is set, and none of nano, vi was found",
                      hint="export EDITOR=nano (or your editor's command), then run again.", code="editor_failed")


def edit_text(text: str) -> str:
    """The text after the user edited it; raises if the editor fails (nothing is stored then)."""
    argv = editor_argv()
    folder = tempfile.mkdtemp(prefix="h2h-draft-")
    path = Path(folder) / "reply.txt"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text.rstrip("\n") + "\n")
        try:
            done = subprocess.run([*argv, str(path)], check=False)
        except FileNotFoundError:
            raise H2HError(f"the editor {argv[0]!r} was not found",
                              hint="Check $VISUAL / $EDITOR; it must name a program on your PATH.",
                           code="editor_failed") from None
        except PermissionError:
            raise H2HError(f"the editor {argv[0]!r} cannot be run (permission denied)",
                              hint="Check $VISUAL / $EDITOR.", code="editor_failed") from None
        if done.returncode != 0:
            raise H2HError(f"the editor exited with status {done.returncode}, so the draft was left as it was",
                             hint="Run the command again and save before quitting the editor.",
                             code="editor_failed")
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError("the edited draft is not UTF-8 text, so it was not stored",
                             hint="Save the file as UTF-8.") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
