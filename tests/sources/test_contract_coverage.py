"""Every built-in adapter runs the source contract: a test class on `SourceContract`
whose `source` fixture returns that adapter."""

from __future__ import annotations

import ast
from pathlib import Path

from h2h.sources.registry import BUILTIN

HERE = Path(__file__).resolve().parent


def _contract_classes(tree: ast.Module) -> dict[str, str | None]:
    """Class name -> the name its `source` fixture is annotated to return (inherited within
    the file), for every class that is a SourceContract, directly or through another."""
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}

    def bases(node: ast.ClassDef) -> list[str]:
        return [b.id for b in node.bases if isinstance(b, ast.Name)]

    def is_contract(name: str) -> bool:
        node = classes.get(name)
        return name == "SourceContract" or (node is not None and any(is_contract(b) for b in bases(node)))

    def returns(name: str) -> str | None:
        node = classes.get(name)
        if node is None:
            return None
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name == "source" and item.returns is not None:
                return ast.unparse(item.returns).strip("'\"")
        return next((r for r in map(returns, bases(node)) if r), None)

    return {name: returns(name) for name, node in classes.items() if any(is_contract(b) for b in bases(node))}


def test_every_builtin_adapter_is_in_the_contract_suite() -> None:
    tested: dict[str, list[str]] = {}
    for path in sorted(HERE.glob("test_*.py")):
        for cls, adapter in _contract_classes(ast.parse(path.read_text(encoding="utf-8"))).items():
            assert adapter, f"{path.name}::{cls}: annotate what its `source` fixture returns"
            tested.setdefault(adapter, []).append(f"{path.name}::{cls}")
    missing = {kind: target for kind, target in BUILTIN.items() if target.partition(":")[2] not in tested}
    assert missing == {}, "built-in adapters no SourceContract class runs"
