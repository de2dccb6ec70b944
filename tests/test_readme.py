"""The README's promises: two set-up commands first, every command documented, CI runs them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.clirun import run

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


INSTALL = ("python3 -m venv --without-pip ~/.local/share/h2h && python3 -m pip --python ~/.local/share/h2h/bin/python "
           "install . && ~/.local/share/h2h/bin/h2h demo")
TEST = ("python3 -m venv --without-pip .venv && python3 -m pip --python .venv/bin/python install '.[test]' "
        "&& .venv/bin/python -m pytest")


def setup_lines() -> list[str]:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block and README.index(first_block.group(0)) < 200
    return [line for line in first_block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_exactly_the_two_setup_commands() -> None:
    # Each in a virtual environment: a system Python under PEP 668 (Debian 12+, Ubuntu 23.04+) refuses
    # `pip install`, and Debian ships ensurepip apart, so the environment is made without pip.
    assert setup_lines() == [INSTALL, TEST]


def test_ci_runs_exactly_the_readmes_setup_lines() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    install, test = setup_lines()
    assert install in ci and test in ci, ".ci/run must run the README's two set-up lines as printed"
    assert ci.index(install) < ci.index(test)
    setups = [i for i, line in enumerate(ci) if line.startswith("bash .ci/setup-")]
    assert setups and max(setups) < ci.index(test), "the servers and extras are set up before the tests run"


def test_cron_and_systemd_use_the_path_of_that_install() -> None:
    bin_dir = INSTALL.split(" && ")[0].split()[-1].replace("~", "$HOME") + "/bin/h2h"
    cron = re.search(r"```crontab\n(.*?)```", README, re.S)
    assert cron and f"{bin_dir} fetch --quiet" in cron.group(1)
    service = re.search(r"```ini\n(\[Unit\]\nDescription=h2h: fetch new mentions\n.*?)```", README, re.S)
    assert service and f"ExecStart={bin_dir.replace('$HOME', '%h')} fetch --quiet" in service.group(1)


@pytest.mark.slow
def test_the_install_line_works_where_pip_refuses_to_install(tmp_path: Path) -> None:
    """On this Debian machine, with its own Python (pip refuses: externally-managed-environment)
    and a clean HOME: the first line installs h2h and shows the demo."""
    import os
    import shutil
    import subprocess

    system = Path("/usr/bin/python3")
    if not system.exists() or not list(Path("/usr/lib").glob("python3*/EXTERNALLY-MANAGED")):
        pytest.skip("needs a system Python marked externally managed (Debian 12+, Ubuntu 23.04+)")
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".cache", "node_modules", "*.egg-info",
                                                             "__pycache__", ".git", "build"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "H2H_"))}
    env.update(HOME=str(tmp_path / "home"), PATH="/usr/bin:/bin", H2H_NOW="2026-11-20T12:00:00Z")
    refused = subprocess.run(["python3", "-m", "pip", "install", "."], cwd=src, env=env, capture_output=True,
                             text=True)
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr
    done = subprocess.run(["bash", "-c", INSTALL], cwd=src, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "== Reply to these humans first" in done.stdout
    assert (tmp_path / "home/.local/share/h2h/bin/h2h").exists()
    assert (tmp_path / "home/.local/share/h2h/share/man/man1/h2h.1").exists(), "the manual ships with it"


def test_every_command_is_documented(capsys: pytest.CaptureFixture[str]) -> None:
    help_text = run("--help").out
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


def example_commands(name: str) -> list[str]:
    """The `$ ` lines of the console block marked `<!-- example: NAME -->`, comments dropped."""
    block = re.search(rf"<!-- example: {name} -->\n```console\n(.*?)```", README, re.S)
    assert block, f"no example block {name!r} in the README"
    commands = []
    for line in block.group(1).splitlines():
        if line.startswith("$ "):
            commands.append(re.sub(r"\s{2,}#.*$", "", line[2:]).rstrip())
    return commands


@pytest.mark.slow
def test_the_example_block_runs_top_to_bottom(tmp_path: Path) -> None:
    """Each command of the demo example exits 0 in a fresh HOME, in order, as printed."""
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("jq") is None:
        pytest.skip("the example pipes into jq")
    commands = example_commands("demo")
    assert commands[0].startswith("h2h demo --into") and len(commands) >= 10
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "h2h").write_text(f"#!/bin/sh\nexec {sys.executable} -m h2h \"$@\"\n")
    (bin_dir / "h2h").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("H2H_")}
    env.update(HOME=str(tmp_path / "home"), PATH=f"{bin_dir}:/usr/bin:/bin", H2H_NOW="2026-11-20T12:00:00Z",
               EDITOR="true", PAGER="cat")
    (tmp_path / "home").mkdir()
    script = "set -e\n" + "".join(f"{c}\necho \"ok $?\" >&2\n" for c in commands)
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300)
    assert done.returncode == 0, f"stopped after {done.stderr.count('ok 0')} of {len(commands)}: {done.stderr[-2000:]}"
    assert done.stderr.count("ok 0") == len(commands)
    assert "Dana Whitfield" in done.stdout
