"""People across platforms: finding a person by handle, linking identities that
are one human, and the flags (VIP, muted, note) of a linked group.

A group is named by its root identity `(source, remote_id)`; every other member
has a row in `person_links` pointing at the root. An identity with no row is
its own root, so a database without links behaves exactly as before.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Sequence

from h2h import clock
from h2h.store.chunks import chunks as _chunks
from h2h.store.chunks import marks as _marks

Row = sqlite3.Row

# For each asked person (`pid`), the id of every identity in their group, their own included.
_GROUPS = """
    WITH r AS (SELECT p.id AS pid, COALESCE(l.root_source, p.source) AS s, COALESCE(l.root_remote_id, p.remote_id) AS rid
               FROM persons p LEFT JOIN person_links l ON l.source = p.source AND l.remote_id = p.remote_id
               WHERE p.id {asked})
    SELECT {columns} FROM persons p JOIN r ON p.source = r.s AND p.remote_id = r.rid
    UNION
    SELECT {columns} FROM person_links l JOIN r ON l.root_source = r.s AND l.root_remote_id = r.rid
                JOIN persons p ON p.source = l.source AND p.remote_id = l.remote_id"""
# The ids of every identity in the group of person :pid (itself included).
GROUP_IDS = _GROUPS.format(asked="= :pid", columns="p.id")


class PeopleQueries:
    def _q(self, sql: str, params: Any = ()) -> sqlite3.Cursor:  # provided by Store
        raise NotImplementedError

    def persons_by_handle(self, handle: str, source: str | None = None) -> list[Row]:
        """Exact handle (case-insensitive, with or without a leading @); failing that,
        `alice` also finds `@alice@any.instance`."""
        bare = handle.strip().lstrip("@")
        extra, params = "", [bare, "@" + bare]
        if source:
            extra, params = " AND source = ?", params + [source]
        rows = self._q(f"""SELECT * FROM persons WHERE (handle = ? COLLATE NOCASE OR handle = ? COLLATE NOCASE)
                           {extra} ORDER BY id""", params).fetchall()
        if rows or "@" in bare:
            return rows
        return self._q(f"SELECT * FROM persons WHERE handle LIKE ? ESCAPE '\\' {extra} ORDER BY id",
                       ["@" + _like(bare) + "@%"] + params[2:]).fetchall()

    def person_group_ids(self, person_id: int) -> list[int]:
        return sorted(r[0] for r in self._q(GROUP_IDS, {"pid": person_id}))

    def person_group_ids_many(self, person_ids: Sequence[int]) -> dict[int, list[int]]:
        """person_group_ids() of each, in one statement per 500."""
        found: dict[int, list[int]] = {pid: [] for pid in person_ids}
        if self._q("SELECT 1 FROM person_links LIMIT 1").fetchone() is None:
            return {pid: [pid] for pid in found}  # no one linked (most databases): each their own group
        for part in _chunks(list(found)):
            for pid, member in self._q(_GROUPS.format(asked=f"IN ({_marks(part)})", columns="r.pid, p.id"), part):
                found[pid].append(member)
        return {pid: sorted(members) for pid, members in found.items()}

    def person_group(self, person_id: int) -> list[Row]:
        return self._q(f"SELECT * FROM persons WHERE id IN ({GROUP_IDS}) ORDER BY first_seen, id",
                       {"pid": person_id}).fetchall()

    def person_root(self, source: str, remote_id: str) -> tuple[str, str]:
        row = self._q("SELECT root_source, root_remote_id FROM person_links WHERE source = ? AND remote_id = ?",
                      (source, remote_id)).fetchone()
        return (row[0], row[1]) if row else (source, remote_id)

    def link_roots(self, root: tuple[str, str], other: tuple[str, str]) -> None:
        """Merge group `other` into group `root` (both given by their root identity)."""
        now = clock.iso(clock.now())
        self._q("UPDATE person_links SET root_source = ?, root_remote_id = ? WHERE root_source = ? AND root_remote_id = ?",
                (*root, *other))
        self._q("""INSERT INTO person_links (source, remote_id, root_source, root_remote_id, linked_at)
                   VALUES (?, ?, ?, ?, ?)""", (*other, *root, now))

    def unlink_identity(self, source: str, remote_id: str) -> None:
        """Take one identity out of its group; if it was the root, the earliest linked member takes over."""
        if self._q("DELETE FROM person_links WHERE source = ? AND remote_id = ?", (source, remote_id)).rowcount:
            return
        members = self._q("""SELECT source, remote_id FROM person_links WHERE root_source = ? AND root_remote_id = ?
                             ORDER BY linked_at, source, remote_id""", (source, remote_id)).fetchall()
        if not members:
            return
        heir = (members[0][0], members[0][1])
        self._q("DELETE FROM person_links WHERE source = ? AND remote_id = ?", heir)
        self._q("UPDATE person_links SET root_source = ?, root_remote_id = ? WHERE root_source = ? AND root_remote_id = ?",
                (*heir, source, remote_id))

    def group_flags(self, person_id: int) -> dict[str, Any]:
        """The flags of a person's whole group: VIP or muted if any identity is; the notes, joined;
        and every identity's handle (the config's `vip` and `muted` name handles)."""
        rows = self._q(f"""SELECT p.handle, f.vip, f.muted, f.note FROM persons p LEFT JOIN person_flags f
                             ON f.source = p.source AND f.remote_id = p.remote_id
                           WHERE p.id IN ({GROUP_IDS}) ORDER BY f.updated_at, p.id""", {"pid": person_id}).fetchall()
        notes: list[str] = []
        for r in rows:
            if r["note"] and r["note"] not in notes:
                notes.append(r["note"])
        return {"vip": any(r["vip"] for r in rows), "muted": any(r["muted"] for r in rows),
                "note": "; ".join(notes) or None, "handles": [r["handle"] for r in rows]}

    def group_conversations(self, person_ids: Sequence[int]) -> list[Row]:
        marks = _marks(person_ids)
        return self._q(f"""SELECT c.*, p.handle, p.name FROM conversations c JOIN persons p ON p.id = c.person_id
                           WHERE c.person_id IN ({marks}) ORDER BY c.first_at, c.id""", list(person_ids)).fetchall()

    def group_messages(self, person_ids: Sequence[int], limit: int) -> list[Row]:
        """The group's own messages and our replies to them, newest first."""
        marks = _marks(person_ids)
        return self._q(
            f"""SELECT m.*, p.handle, c.key AS conversation FROM mentions m
                JOIN persons p ON p.id = m.person_id
                LEFT JOIN conversations c ON c.id = m.conversation_id
                WHERE m.person_id IN ({marks})
                   OR (m.role != 'person' AND c.person_id IN ({marks}))
                ORDER BY m.created_at DESC, m.id DESC LIMIT ?""",
            [*person_ids, *person_ids, limit]).fetchall()


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
