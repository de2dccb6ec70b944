"""Editing a draft in $VISUAL / $EDITOR: split with shlex, run without a shell,
then linted and stored; a failing editor changes nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from h2h.draft import compose
from h2h.draft.editor import edit_text, editor_argv
from h2h.errors import H2HError
from tests.draft.world import World

FAKE = '''
import sys
args, path = sys.argv[1:-1], sys.argv[-1]
text = open(path, encoding="utf-8").read()
log = args[args.index("--log") + 1] if "--log" in args else None
if log:
    open(log, "w", encoding="utf-8").write(repr(sys.argv[1:-1]) + "\\n" + text)
if "--fail" in args:
    sys.exit(3)
if "--replace" in args:
    text = args[args.index("--replace") + 1]
open(path, "w", encoding="utf-8").write(text)
'''


@pytest.fixture
def fake_editor(tmp_path: Path) -> Path:
    script = tmp_path / "fake editor.py"      # a space in the path: argv, not a shell string
    script.write_text(FAKE, encoding="utf-8")
    return script


def editor_cmd(script: Path, *args: str) -> str:
    import shlex

    return " ".join(shlex.quote(a) for a in (sys.executable, str(script), *args))


def test_visual_wins_over_editor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITOR", "nano")
    monkeypatch.setenv("VISUAL", "code --wait")
    assert editor_argv() == ["code", "--wait"]
    monkeypatch.delenv("VISUAL")
    assert editor_argv() == ["nano"]


def test_no_shell_is_involved(monkeypatch: pytest.MonkeyPatch, fake_editor: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    log = tmp_path / "log.txt"
    monkeypatch.setenv("VISUAL", editor_cmd(fake_editor, "--log", str(log), f"; touch {marker}"))
    assert edit_text("hello") == "hello\n"
    assert not marker.exists()
    assert f"; touch {marker}" in log.read_text(encoding="utf-8")


def test_an_unreadable_editor_variable_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITOR", "vim 'unclosed")
    with pytest.raises(H2HError):
        editor_argv()
    monkeypatch.setenv("EDITOR", "/nonexistent/editor-h2h")
    with pytest.raises(H2HError) as err:
        edit_text("x")
    assert "not found" in err.value.message
    assert (err.value.code, err.value.exit_code) == ("editor_failed", 1)


def test_edit_stores_the_edited_text_linted(monkeypatch: pytest.MonkeyPatch, fake_editor: Path) -> None:
    w = World()
    ident = w.say("how do I export my notes?")
    first = compose.new_draft(w.store, w.config, w.engine, ident)
    edited_text = "@marie@piaille.fr Dear valued customer, per our policy see https://x.example\n— Alex"
    monkeypatch.setenv("EDITOR", editor_cmd(fake_editor, "--replace", edited_text))
    draft, changed = compose.edit(w.store, w.config, w.engine, ident)
    assert changed and draft.edited and draft.backend == "edited" and draft.id != first.id
    assert draft.text == edited_text
    assert {"valued_customer", "policy", "no_name"} <= {f.code for f in draft.lint}
    assert w.store.latest_draft(ident)["text"] == edited_text
    again = compose.current(w.store, w.config, w.engine, ident)
    assert again is not None and again.text == edited_text and again.edited


def test_the_editor_gets_the_current_draft(monkeypatch: pytest.MonkeyPatch, fake_editor: Path, tmp_path: Path) -> None:
    w = World()
    ident = w.say("how do I export my notes?")
    current = compose.new_draft(w.store, w.config, w.engine, ident)
    log = tmp_path / "log.txt"
    monkeypatch.setenv("VISUAL", editor_cmd(fake_editor, "--log", str(log)))
    draft, changed = compose.edit(w.store, w.config, w.engine, ident)
    assert not changed and draft.id == current.id                       # unchanged: nothing new stored
    assert log.read_text(encoding="utf-8").split("\n", 1)[1].rstrip("\n") == current.text


def test_a_failing_editor_changes_nothing(monkeypatch: pytest.MonkeyPatch, fake_editor: Path) -> None:
    w = World()
    ident = w.say("how do I export my notes?")
    current = compose.new_draft(w.store, w.config, w.engine, ident)
    monkeypatch.setenv("EDITOR", editor_cmd(fake_editor, "--replace", "something else", "--fail"))
    with pytest.raises(H2HError) as err:
        compose.edit(w.store, w.config, w.engine, ident)
    assert "status 3" in err.value.message and (err.value.code, err.value.exit_code) == ("editor_failed", 1)
    assert w.store.latest_draft(ident)["id"] == current.id


def test_an_emptied_draft_is_not_stored(monkeypatch: pytest.MonkeyPatch, fake_editor: Path) -> None:
    w = World()
    ident = w.say("how do I export my notes?")
    current = compose.new_draft(w.store, w.config, w.engine, ident)
    monkeypatch.setenv("EDITOR", editor_cmd(fake_editor, "--replace", "  \n\n"))
    with pytest.raises(H2HError):
        compose.edit(w.store, w.config, w.engine, ident)
    assert w.store.latest_draft(ident)["id"] == current.id


def test_the_temporary_file_is_removed(monkeypatch: pytest.MonkeyPatch, fake_editor: Path, tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    monkeypatch.setenv("EDITOR", editor_cmd(fake_editor, "--log", str(log)))
    seen: list[str] = []
    import subprocess

    real = subprocess.run

    def spy(argv, **kw):  # type: ignore[no-untyped-def]
        seen.append(argv[-1])
        assert oct(Path(argv[-1]).stat().st_mode & 0o777) == "0o600"
        return real(argv, **kw)

    monkeypatch.setattr(subprocess, "run", spy)
    edit_text("secret-ish draft")
    assert seen and not Path(seen[0]).exists()
