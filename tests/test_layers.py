"""The import rules of DESIGN §1, enforced by walking every module's imports,
and start-up that imports only what a command needs."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "h2h"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules() -> list[tuple[str, set[str]]]:
    return [(str(p.relative_to(PACKAGE.parent)), _imports(p)) for p in sorted(PACKAGE.rglob("*.py"))]


def _top(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


@pytest.mark.parametrize("library, allowed", [
    ("typer", ("h2h/cli/",)),
    ("rich", ("h2h/cli/",)),
    ("click", ("h2h/cli/",)),
    ("requests", ("h2h/sources/", "h2h/draft/llm.py")),
    ("urllib3", ("h2h/sources/", "h2h/draft/llm.py")),
    ("sqlite3", ("h2h/store/",)),
])
def test_only_its_layer_imports(library: str, allowed: tuple[str, ...]) -> None:
    offenders = [path for path, names in _modules() if library in _top(names) and not path.startswith(allowed)]
    assert offenders == [], f"{library} imported outside {allowed}: {offenders}"


def test_triage_is_pure() -> None:
    impure = {"requests", "sqlite3", "typer", "rich", "socket", "subprocess"}
    for path, names in _modules():
        if path.startswith("h2h/triage/"):
            assert not (_top(names) & impure), path
            assert not {n for n in names if n.startswith(("h2h.store", "h2h.sources", "h2h.cli", "h2h.fetch", "h2h.ingest", "h2h.app"))}, path


def test_sql_stays_in_store() -> None:
    for path in PACKAGE.rglob("*.py"):
        rel = str(path.relative_to(PACKAGE.parent))
        if rel.startswith("h2h/store/"):
            continue
        text = path.read_text(encoding="utf-8")
        for statement in ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE"):
            assert statement not in text, f"{rel} contains SQL ({statement.strip()})"


def test_importing_h2h_does_nothing() -> None:
    code = "import sys, h2h; print(sorted(m for m in sys.modules if m.startswith('h2h')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['h2h']"


def _loaded_after(argv: list[str], candidates: tuple[str, ...]) -> tuple[str, list[str]]:
    """Run `h2h ARGV` in a fresh interpreter; its stdout and which candidates it imported."""
    code = ("import sys\nfrom h2h.cli.main import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            f"print(','.join(sorted(m for m in {candidates!r} if m in sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout, [m for m in done.stderr.strip().split(",") if m]


def test_help_imports_no_heavy_module(home: Path) -> None:
    out, loaded = _loaded_after(["--help"], ("rich", "requests", "sqlite3", "urllib3", "pydantic", "h2h.store",
                                             "h2h.triage.signals"))
    assert "Usage: h2h" in out and loaded == []


def test_queue_imports_no_network_code(home: Path) -> None:
    _, loaded = _loaded_after(["queue", "--count"], ("requests", "urllib3", "rich", "h2h.sources.http"))
    assert loaded == []
