"""What every aggregate's SQL runs through: SQLite's errors turned into h2h's, and rows
turned into records (rows.py) without sqlite3.Row in between."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, TypeVar

from h2h.store.sqlite import db

R = TypeVar("R")
Params = Sequence[Any] | Mapping[str, Any]


class Base:
    conn: sqlite3.Connection
    path: Path | str

    def _q(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise db.translate(exc, self.path) from None

    def _many(self, sql: str, rows: Iterable[Params]) -> None:
        try:
            self.conn.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise db.translate(exc, self.path) from None

    def _value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row (None when there is none)."""
        row = self._q(sql, params).fetchone()
        return None if row is None else row[0]

    def _rows(self, make: Callable[[tuple[Any, ...]], R], sql: str, params: Params = ()) -> Iterator[R]:
        """Each row as plain values (no sqlite3.Row) made into a record by `make`."""
        cur = self.conn.cursor()
        cur.row_factory = None
        try:
            cur.execute(sql, params)
        except sqlite3.Error as exc:
            raise db.translate(exc, self.path) from None
        return map(make, cur)

    def _all(self, make: Callable[[tuple[Any, ...]], R], sql: str, params: Params = ()) -> list[R]:
        try:
            return list(self._rows(make, sql, params))
        except sqlite3.Error as exc:
            raise db.translate(exc, self.path) from None

    def _by_ids(self, make: Callable[[tuple[Any, ...]], R], columns: str, table: str, ids: Iterable[int]) -> dict[int, R]:
        """Rows of `table` by id, read in chunks of ids (`make` builds a record with an `id`)."""
        from h2h.store.sqlite.chunks import chunks, marks

        found: dict[int, R] = {}
        for part in chunks(sorted(set(ids))):
            for r in self._rows(make, f"SELECT {columns} FROM {table} WHERE id IN ({marks(part)})", list(part)):
                found[r.id] = r  # type: ignore[attr-defined]
        return found

    def _one(self, make: Callable[[tuple[Any, ...]], R], sql: str, params: Params = ()) -> R | None:
        try:
            return next(self._rows(make, sql, params), None)
        except sqlite3.Error as exc:
            raise db.translate(exc, self.path) from None
