"""The import rules ARCHITECTURE.md states, enforced by walking every module's imports
(those made inside functions and for type checking included), and start-up that imports
only what a command needs."""

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
            if node.module.startswith("h2h."):
                # `from h2h.app import states` imports h2h.app.states, not all of h2h.app.
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            else:
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


# What each stage may import of h2h's other packages (ARCHITECTURE.md, "Layers"); the
# top-level modules (models, errors, clock, config, ...) are open to all.
STAGES = ("sources", "fetch", "ingest", "store", "triage", "draft", "reply", "app", "cli")
MAY_IMPORT: dict[str, set[str]] = {
    "sources": set(),
    "store": set(),
    "triage": set(),
    "ingest": {"sources", "store", "triage"},
    "fetch": {"sources", "ingest", "store", "triage"},
    "draft": {"sources", "store", "triage", "app"},
    "reply": {"sources", "ingest", "store", "triage", "draft"},
    "app": {"ingest", "store", "triage", "draft", "reply"},
    "cli": set(STAGES),
}
# Narrower than their package: path -> the stages it alone may use.
ONLY_HERE = {("draft", "sources"): ("h2h/draft/llm.py",), ("draft", "app"): ("h2h/draft/compose.py", "h2h/draft/context.py")}
# The conversation's rules, pure (plain values in and out, nothing but the top level
# imported): the application's, and ingest judges by them too.
PURE_APP = ("h2h.app.states", "h2h.app.order")
# The top level imports no stage, except config (each source type's schema, the default
# weights) and `python -m h2h`.
TOP_MAY_IMPORT = {"h2h/config.py": {"sources", "triage"}, "h2h/__main__.py": {"cli"}}


def _stages(names: set[str]) -> set[str]:
    return {n.split(".")[1] for n in names if n.startswith("h2h.") and n.split(".")[1] in STAGES}


def test_each_stage_imports_only_what_it_may() -> None:
    offenders = []
    for path, names in _modules():
        parts = path.split("/")
        stage = parts[1] if len(parts) > 2 else None
        used = _stages({n for n in names if not n.startswith(PURE_APP)}) - {stage}
        allowed = MAY_IMPORT[stage] if stage else TOP_MAY_IMPORT.get(path, set())
        for other in sorted(used):
            where = ONLY_HERE.get((stage or "", other))
            if other not in allowed or (where is not None and path not in where):
                offenders.append(f"{path} imports h2h.{other}")
    assert offenders == []


def test_the_conversations_rules_are_pure() -> None:
    for module in PURE_APP:
        path = module.replace(".", "/") + ".py"
        names = dict(_modules())[path]
        assert _stages(names) == set() and not _top(names) & {"sqlite3", "requests", "typer", "rich"}, path


def test_the_rules_cover_every_package() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(STAGES)


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
