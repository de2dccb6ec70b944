"""Shell completion (typer's): the scripts install, and completing works for commands and values."""

from __future__ import annotations

import os
import subprocess
import sys


def _complete(words: str, shell: str = "bash") -> list[str]:
    env = {**os.environ, "_H2H_COMPLETE": f"complete_{shell}", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
           "_TYPER_COMPLETE_ARGS": words}
    result = subprocess.run([sys.executable, "-m", "h2h"], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_commands_complete() -> None:
    assert _complete("h2h st") == ["stats"]
    assert {"person", "queue", "show", "stats"} <= set(_complete("h2h "))


def test_section_values_complete() -> None:
    assert _complete("h2h queue --section c") == ["careful"]
    assert _complete("h2h queue --section ") == ["reply", "thanks", "careful", "noise"]


def test_show_completion_prints_a_script_for_each_shell() -> None:
    for shell, marker in (("bash", "complete -o default -F _h2h_completion h2h"), ("zsh", "compdef _h2h_completion h2h"),
                          ("fish", "complete --command h2h")):
        # Typer detects the running shell; this switch makes it take the shell as a value instead.
        env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
        result = subprocess.run([sys.executable, "-m", "h2h", "--show-completion", shell],
                                capture_output=True, text=True, timeout=30, env=env)
        assert result.returncode == 0 and marker in result.stdout, (shell, result.stdout[:300])


def test_install_completion_writes_the_script_for_the_shell(tmp_path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "user"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    result = subprocess.run([sys.executable, "-m", "h2h", "--install-completion", "bash"],
                            capture_output=True, text=True, timeout=30, env=env)
    assert result.returncode == 0, result.stderr
    script = home / ".bash_completions" / "h2h.sh"
    assert "_H2H_COMPLETE=complete_bash" in script.read_text()
    assert str(script) in (home / ".bashrc").read_text()
