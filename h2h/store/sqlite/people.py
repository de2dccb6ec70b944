"""People across platforms: identities as seen, finding one by handle, linking
identities that are one human, and the flags (VIP, muted, note) of a linked group.

A group is named by its root identity `(source, remote_id)`; every other member
has a row in `person_links` pointing at the root. An identity with no row is
its own root, so a database without links behaves exactly as before.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from h2h import clock
from h2h.errors import NotFound
from h2h.models import Flags, Identity, Person
from h2h.store.sqlite import rows
from h2h.store.sqlite.base import Base
from h2h.store.sqlite.chunks import by_source, chunks, marks
from h2h.store.common import Key, to_json

_IDENTITY = rows.columns(Identity)
_identity = rows.maker(Identity)

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

_UPSERT = """INSERT INTO persons (source, remote_id, platform, handle, name, url, bot, followers,
                                  created_at, raw, first_seen, last_seen)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (source, remote_id) DO UPDATE SET
               handle = excluded.handle,
               name = CASE WHEN excluded.name != '' THEN excluded.name ELSE persons.name END,
               url = COALESCE(excluded.url, persons.url),
               bot = COALESCE(excluded.bot, persons.bot),
               followers = COALESCE(excluded.followers, persons.followers),
               created_at = COALESCE(excluded.created_at, persons.created_at),
               raw = COALESCE(excluded.raw, persons.raw),
               first_seen = MIN(persons.first_seen, excluded.first_seen),
               last_seen = MAX(persons.last_seen, excluded.last_seen)"""


def group_ids_many(q: Base, person_ids: Sequence[int]) -> dict[int, list[int]]:
    """person_group_ids() of each, in one statement per 500."""
    found: dict[int, list[int]] = {pid: [] for pid in person_ids}
    if q._value("SELECT 1 FROM person_links LIMIT 1") is None:
        return {pid: [pid] for pid in found}  # no one linked (most databases): each their own group
    for part in chunks(list(found)):
        for pid, member in q._q(_GROUPS.format(asked=f"IN ({marks(part)})", columns="r.pid, p.id"), part):
            found[pid].append(member)
    return {pid: sorted(members) for pid, members in found.items()}


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class PeopleQueries(Base):
    def upsert_persons(self, items: Sequence[tuple[Person, str, str, Any]]) -> None:
        self._many(_UPSERT, [(p.source, p.remote_id, platform, p.handle, p.name, p.url,
                              None if p.bot is None else int(p.bot), p.followers,
                              clock.iso(p.created_at) if p.created_at else None, to_json(raw), seen, seen)
                             for p, platform, seen, raw in items])

    def person_ids(self, keys: Iterable[Key]) -> dict[Key, int]:
        found: dict[Key, int] = {}
        for source, part, qs in by_source(keys):
            for remote_id, pid in self._q(f"SELECT remote_id, id FROM persons WHERE source = ? "
                                          f"AND remote_id IN ({qs})", [source, *part]):
                found[(source, remote_id)] = pid
        return found

    def person(self, person_id: int) -> Identity:
        found = self._one(_identity, f"SELECT {_IDENTITY} FROM persons WHERE id = ?", (person_id,))
        if found is None:
            raise NotFound(f"no person {person_id}")
        return found

    def persons_by_ids(self, ids: Iterable[int]) -> dict[int, Identity]:
        return self._by_ids(_identity, _IDENTITY, "persons", ids)

    def persons_by_handle(self, handle: str, source: str | None = None) -> list[Identity]:
        bare = handle.strip().lstrip("@")
        extra, params = "", [bare, "@" + bare]
        if source:
            extra, params = " AND source = ?", params + [source]
        found = self._all(_identity, f"""SELECT {_IDENTITY} FROM persons
                                         WHERE (handle = ? COLLATE NOCASE OR handle = ? COLLATE NOCASE) {extra}
                                         ORDER BY id""", params)
        if found or "@" in bare:
            return found
        return self._all(_identity, f"SELECT {_IDENTITY} FROM persons WHERE handle LIKE ? ESCAPE '\\' {extra} ORDER BY id",
                         ["@" + _like(bare) + "@%"] + params[2:])

    def person_group(self, person_id: int) -> list[Identity]:
        return self._all(_identity, f"SELECT {_IDENTITY} FROM persons WHERE id IN ({GROUP_IDS}) ORDER BY first_seen, id",
                         {"pid": person_id})

    def person_group_ids(self, person_id: int) -> list[int]:
        return sorted(r[0] for r in self._q(GROUP_IDS, {"pid": person_id}))

    def person_group_ids_many(self, person_ids: Sequence[int]) -> dict[int, list[int]]:
        return group_ids_many(self, person_ids)

    def person_root(self, source: str, remote_id: str) -> Key:
        row = self._q("SELECT root_source, root_remote_id FROM person_links WHERE source = ? AND remote_id = ?",
                      (source, remote_id)).fetchone()
        return (row[0], row[1]) if row else (source, remote_id)

    def linked_among(self, keys: Iterable[Key]) -> set[Key]:
        found: set[Key] = set()
        for source, part, qs in by_source(keys):
            for row in self._q(f"""SELECT source, remote_id FROM person_links WHERE source = ? AND remote_id IN ({qs})
                                   UNION SELECT root_source, root_remote_id FROM person_links
                                   WHERE root_source = ? AND root_remote_id IN ({qs})""",
                               [source, *part, source, *part]):
                found.add((row[0], row[1]))
        return found

    def link_roots(self, root: Key, other: Key) -> None:
        now = clock.iso(clock.now())
        self._q("UPDATE person_links SET root_source = ?, root_remote_id = ? WHERE root_source = ? AND root_remote_id = ?",
                (*root, *other))
        self._q("""INSERT INTO person_links (source, remote_id, root_source, root_remote_id, linked_at)
                   VALUES (?, ?, ?, ?, ?)""", (*other, *root, now))

    def unlink_identity(self, source: str, remote_id: str) -> None:
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

    def group_flags(self, person_id: int) -> Flags:
        found = self._q(f"""SELECT p.handle, f.vip, f.muted, f.note FROM persons p LEFT JOIN person_flags f
                              ON f.source = p.source AND f.remote_id = p.remote_id
                            WHERE p.id IN ({GROUP_IDS}) ORDER BY f.updated_at, p.id""", {"pid": person_id}).fetchall()
        notes: list[str] = []
        for _, _, _, note in found:
            if note and note not in notes:
                notes.append(note)
        return Flags(vip=any(r[1] for r in found), muted=any(r[2] for r in found), note="; ".join(notes) or None,
                     handles=tuple(r[0] for r in found))

    def person_flags_many(self, keys: Iterable[Key]) -> dict[Key, Flags]:
        found: dict[Key, Flags] = {}
        for source, part, qs in by_source(keys):
            for remote_id, vip, muted, note in self._q(
                    f"SELECT remote_id, vip, muted, note FROM person_flags WHERE source = ? AND remote_id IN ({qs})",
                    [source, *part]):
                found[(source, remote_id)] = Flags(bool(vip), bool(muted), note)
        return found

    def set_person_flags(self, source: str, remote_id: str, *, vip: bool | None = None,
                         muted: bool | None = None, note: str | None = None) -> None:
        now = clock.iso(clock.now())
        self._q("""INSERT INTO person_flags (source, remote_id, vip, muted, note, updated_at)
                   VALUES (?, ?, COALESCE(?, 0), COALESCE(?, 0), ?, ?)
                   ON CONFLICT (source, remote_id) DO UPDATE SET
                     vip = COALESCE(?, vip), muted = COALESCE(?, muted),
                     note = COALESCE(?, note), updated_at = excluded.updated_at""",
                (source, remote_id, vip, muted, note, now, vip, muted, note))
