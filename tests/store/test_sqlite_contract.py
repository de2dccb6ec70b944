"""The store contract (tests/store/contract.py) on SQLite: each name a file of its own."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Callable

import pytest

from h2h.store import Store, protocol
from h2h.store.sqlite import SQLiteStore
from tests.store import contract
from tests.store.contract import StoreContract


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    def open_store(self, tmp_path: Path) -> Callable[[str], Store]:
        return lambda name: SQLiteStore.open(tmp_path / f"{name}.db")


def test_the_contract_exercises_every_method_of_the_protocol() -> None:
    methods = {name for name, _ in inspect.getmembers(protocol.Store, inspect.isfunction) if not name.startswith("_")}
    used = set(re.findall(r"\.(\w+)\(", Path(contract.__file__).read_text(encoding="utf-8")))
    assert methods - used == set(), "methods of the store protocol no contract test calls"
