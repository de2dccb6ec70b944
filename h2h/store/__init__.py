"""The SQLite cache and the record of what the user did, behind one interface
(`Store`, store/protocol.py). Only store/ writes SQL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from h2h.store.common import conversation_key

if TYPE_CHECKING:
    from h2h.store.protocol import Store

__all__ = ["Store", "conversation_key", "open_store"]


def open_store(path: Path | str) -> Store:
    """The store at `path` (created and migrated as needed): a SQLite file, or ":memory:"."""
    from h2h.store.sqlite import SQLiteStore

    return SQLiteStore.open(path)


def __getattr__(name: str) -> object:
    # `Store` is a type for annotations: building its protocol classes is not worth a
    # command's start-up, so it is imported when asked for at run time.
    if name == "Store":
        from h2h.store.protocol import Store

        return Store
    raise AttributeError(name)
