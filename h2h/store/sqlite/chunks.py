"""Lists of keys cut for `IN (...)` lists: under SQLite's host-parameter limit, and short
enough for the planner to keep using the index."""

from __future__ import annotations

from typing import Any, Hashable, Iterable, Iterator, Sequence, TypeVar

K = TypeVar("K", bound=Hashable)


def chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def marks(part: Sequence[Any]) -> str:
    return ",".join("?" * len(part))


def by_source(keys: Iterable[tuple[str, K]]) -> Iterator[tuple[str, Sequence[K], str]]:
    """(source, a part of its ids, that part's `?` marks) for distinct (source, id) keys:
    the identity columns of every table are (source, remote_id)."""
    grouped: dict[str, list[K]] = {}
    for source, ident in set(keys):
        grouped.setdefault(source, []).append(ident)
    for source, ids in grouped.items():
        for part in chunks(ids):
            yield source, part, marks(part)
