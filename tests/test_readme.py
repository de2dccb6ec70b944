"""The README's promises: two set-up commands first, every command documented, CI runs them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import run

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_exactly_the_two_setup_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block and README.index(first_block.group(0)) < 200
    lines = [line for line in first_block.group(1).splitlines() if line.strip()]
    assert lines == ["python3 -m pip install . && h2h demo",
                     "python3 -m pip install '.[test]' && python3 -m pytest"]


def test_ci_installs_and_tests_the_way_the_readme_says() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 -m pip install '.[test]'" in ci
    assert re.search(r"^python3 -m pytest\b", ci, re.M)


def test_every_command_is_documented(capsys: pytest.CaptureFixture[str]) -> None:
    help_text = run(capsys, "--help").out
    commands = re.findall(r"^  ([a-z][a-z-]*)\s", help_text.split("Commands:")[1], re.M)
    assert len(commands) >= 10
    for command in commands:
        assert f"`h2h {command}" in README, f"`h2h {command}` is missing from the README"


def test_every_dependency_is_explained() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    table = README.split("## Dependencies", 1)[1].split("\n## ", 1)[0]
    for dep in deps:
        name = re.split(r"[<>=;\[ ]", dep, maxsplit=1)[0]
        assert name.lower() in table.lower(), f"{name} is not in the README's dependency list"
