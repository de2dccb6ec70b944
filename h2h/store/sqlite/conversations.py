"""Conversations: found and created by ingest's grouping, saved by judging, ranked by
the queue, and the record of the user's decisions on them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

from h2h.errors import NotFound, UsageError
from h2h.models import Action, Conversation, QueueCandidate, QueueRow
from h2h.store.sqlite import rows
from h2h.store.sqlite.base import Base
from h2h.store.sqlite.chunks import by_source, chunks, marks
from h2h.store.sqlite.people import GROUP_IDS, group_ids_many
from h2h.store.common import conversation_key, is_key_prefix, to_json

if TYPE_CHECKING:
    from h2h.store.protocol import Placed

_CONV = rows.columns(Conversation)
_C_CONV = rows.CONVERSATION
_CANDIDATE = rows.columns(QueueCandidate, "c")
_conv, _candidate, _action = rows.maker(Conversation), rows.maker(QueueCandidate), rows.maker(Action)


def _narrowed(source: str | None, since: str | None) -> tuple[str, list[Any]]:
    """The queue's filters (`--source`, `--since`) as SQL on conversations `c`, and their values."""
    sql, params = "", list[Any]()
    if source:
        sql, params = sql + " AND c.source = ?", params + [source]
    if since:
        sql, params = sql + " AND c.last_at > ?", params + [since]
    return sql, params


class ConversationQueries(Base):
    def conversation(self, ident: str) -> Conversation:
        ident = ident.strip().lower()
        found = self._one(_conv, f"SELECT {_CONV} FROM conversations WHERE key = ?", (ident,))
        if found is not None:
            return found
        if is_key_prefix(ident):
            near = self._all(_conv, f"SELECT {_CONV} FROM conversations WHERE key >= ? AND key < ? LIMIT 6",
                             (ident, ident + "\x7f"))
            if len(near) == 1:
                return near[0]
            if len(near) > 1:
                raise UsageError(f"{ident!r} matches several conversations: " + ", ".join(c.key for c in near[:5]),
                                 hint="Type more characters of the id.")
        raise NotFound(f"no conversation {ident!r}")

    def conversation_by_id(self, conv_id: int) -> Conversation:
        found = self._one(_conv, f"SELECT {_CONV} FROM conversations WHERE id = ?", (conv_id,))
        if found is None:
            raise NotFound(f"no conversation {conv_id}")
        return found

    def conversations_by_ids(self, ids: Iterable[int]) -> dict[int, Conversation]:
        return self._by_ids(_conv, _CONV, "conversations", ids)

    def conversation_ids(self, after: int = 0, limit: int = 1000) -> list[int]:
        return [r[0] for r in self._q("SELECT id FROM conversations WHERE id > ? ORDER BY id LIMIT ?", (after, limit))]

    def has_source(self, source: str) -> bool:
        return self._value("SELECT 1 FROM conversations WHERE source = ? LIMIT 1", (source,)) is not None

    def source_names(self) -> list[str]:
        return [r[0] for r in self._q("SELECT DISTINCT source FROM conversations ORDER BY source")]

    def platform_names(self) -> list[str]:
        return [r[0] for r in self._q("SELECT DISTINCT platform FROM conversations ORDER BY platform")]

    def find_conversation(self, source: str, thread_root: str, person_id: int) -> Conversation | None:
        return self._one(_conv, f"SELECT {_CONV} FROM conversations WHERE source = ? AND thread_root = ? "
                                f"AND person_id = ?", (source, thread_root, person_id))

    def find_conversations(self, keys: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str, int], Conversation | None]:
        wanted = set(keys)
        found: dict[tuple[str, str, int], Conversation | None] = dict.fromkeys(wanted)
        for source, part, qs in by_source((source, root) for source, root, _ in wanted):
            for c in self._rows(_conv, f"SELECT {_CONV} FROM conversations WHERE source = ? AND thread_root IN ({qs})",
                                [source, *part]):
                key = (source, c.thread_root, c.person_id)
                if key in found:
                    found[key] = c
        return found

    def latest_standalone(self, source: str, person_id: int) -> Conversation | None:
        return self._one(_conv, f"""SELECT {_CONV} FROM conversations WHERE source = ? AND person_id = ?
                                    AND standalone = 1 ORDER BY last_at DESC, id DESC LIMIT 1""", (source, person_id))

    def latest_standalone_many(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Conversation | None]:
        found: dict[tuple[str, int], Conversation | None] = {}
        for source, part, _ in by_source(keys):
            found.update(((source, pid), None) for pid in part)
            for c in self._rows(_conv, f"""SELECT {_C_CONV} FROM json_each(?) j JOIN conversations c ON c.id =
                                            (SELECT id FROM conversations WHERE source = ? AND person_id = j.value
                                             AND standalone = 1 ORDER BY last_at DESC, id DESC LIMIT 1)""",
                                (json.dumps(list(part)), source)):
                found[(source, c.person_id)] = c
        return found

    def thread_conversations(self, source: str, thread_root: str) -> list[Conversation]:
        return self._all(_conv, f"SELECT {_CONV} FROM conversations WHERE source = ? AND thread_root = ? "
                                f"ORDER BY last_at DESC", (source, thread_root))

    def person_conversations(self, person_id: int) -> list[Conversation]:
        return self._all(_conv, f"SELECT {_CONV} FROM conversations WHERE person_id IN ({GROUP_IDS}) ORDER BY first_at",
                         {"pid": person_id})

    def conversations_rooted_at(self, keys: Iterable[tuple[str, str]]) -> list[Conversation]:
        found: list[Conversation] = []
        for source, part, qs in by_source(keys):
            found += self._all(_conv, f"SELECT {_CONV} FROM conversations WHERE source = ? AND thread_root IN ({qs}) "
                                      f"ORDER BY id", [source, *part])
        return found

    def delete_conversations(self, ids: Sequence[int]) -> None:
        for part in chunks(list(ids)):
            self._q(f"DELETE FROM conversations WHERE id IN ({marks(part)})", list(part))

    def group_conversations(self, person_ids: Sequence[int]) -> list[Conversation]:
        return self._all(_conv, f"SELECT {_CONV} FROM conversations WHERE person_id IN ({marks(person_ids)}) "
                                f"ORDER BY first_at, id", list(person_ids))

    def next_conversation_id(self) -> int:
        return int(self._value("SELECT max(id) FROM conversations") or 0) + 1

    def insert_conversations(self, convs: Sequence[tuple[Conversation, str]]) -> None:
        def key(c: Conversation, person: str, length: int = 8) -> str:
            return conversation_key(c.source, c.thread_root, person, length)

        firsts = [key(c, person) for c, person in convs]
        taken: set[str] = set()
        for part in chunks(firsts):
            taken.update(r[0] for r in self._q(f"SELECT key FROM conversations WHERE key IN ({marks(part)})", list(part)))
        values = []
        for (c, person), k in zip(convs, firsts):
            length = 8
            while k in taken or (length > 8 and self._value("SELECT 1 FROM conversations WHERE key = ?", (k,))):
                length += 2  # vanishingly rare; a longer key stays stable for this conversation
                k = key(c, person, length)
            taken.add(k)
            values.append((c.id, k, c.source, c.platform, c.person_id, c.thread_root, int(c.standalone),
                           c.first_at, c.first_at))
        self._many("""INSERT INTO conversations (id, key, source, platform, person_id, thread_root, standalone,
                                                 first_at, last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", values)

    def save_conversation(self, conv_id: int, values: Mapping[str, Any]) -> None:
        self.save_conversations([(conv_id, values)])

    def save_conversations(self, changes: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for conv_id, values in changes:
            groups.setdefault(tuple(values), []).append({**values, "_id": conv_id})
        for cols, params in groups.items():
            unknown = set(cols) - set(Conversation._fields)
            if unknown:
                raise ValueError(f"conversations have no columns {sorted(unknown)}")
            self._many(f"UPDATE conversations SET {', '.join(f'{k} = :{k}' for k in cols)} WHERE id = :_id", params)

    def previous_conversations(self, person_id: int, before: str) -> int:
        return int(self._value(f"SELECT count(*) FROM conversations WHERE person_id IN ({GROUP_IDS}) "
                               f"AND first_at < :before", {"pid": person_id, "before": before}))

    def conversations_before(self, queries: Sequence[tuple[int, str]]) -> list[int]:
        counts: list[int] = []
        for part in chunks(queries):
            found = self._q("""SELECT (SELECT count(*) FROM conversations
                                       WHERE person_id = j.value ->> 0 AND first_at < j.value ->> 1)
                               FROM json_each(?) j ORDER BY j.key""", (json.dumps(list(part)),))
            counts.extend(r[0] for r in found)
        return counts

    # --- the queue ---------------------------------------------------------------
    def queue_scan(self, section: str, *, source: str | None = None,
                   since: str | None = None) -> Iterator[QueueCandidate]:
        extra, params = _narrowed(source, since)
        return self._rows(_candidate, f"SELECT {_CANDIDATE} FROM conversations c WHERE c.active = 1 AND c.section = ?"
                                      f"{extra} ORDER BY c.base_score DESC", [section, *params])

    def put_away(self, state: str, now: str, *, source: str | None = None, since: str | None = None,
                 limit: int | None = None) -> list[QueueCandidate]:
        sql = f"SELECT {_CANDIDATE} FROM conversations c WHERE c.state = ?"
        params: list[Any] = [state]
        if state == "snoozed":
            sql, params = sql + " AND c.snooze_until > ?", params + [now]
        extra, more = _narrowed(source, since)
        sql = sql + extra + " ORDER BY COALESCE(c.state_mark, c.last_at) DESC, c.id DESC"
        if limit:
            sql, more = sql + " LIMIT ?", more + [limit]
        return self._all(_candidate, sql, [*params, *more])

    def section_conversations_of(self, section: str, person_ids: Sequence[int], *, source: str | None = None,
                                 since: str | None = None) -> list[QueueCandidate]:
        if not person_ids:
            return []
        extra, params = _narrowed(source, since)
        return self._all(_candidate, f"""SELECT {_CANDIDATE} FROM conversations c
                                         WHERE c.person_id IN ({marks(person_ids)}) AND c.active = 1
                                         AND c.section = ?{extra}""", [*person_ids, section, *params])

    # The index walk per identity stops after `most` + 2 rows: enough to tell "more than
    # `most`" apart, and a bot with thousands of open conversations costs no more than anyone.
    # Neither noise nor hostility counts: a troll's insults elsewhere are not someone chasing us.
    _WAITING = """SELECT j.value, (SELECT count(*) FROM (SELECT 1 FROM conversations
                                                       WHERE person_id = j.value AND active = 1
                                                         AND section NOT IN ('noise', 'careful') LIMIT ?))
                  FROM json_each(?) j"""
    _EARLIEST_OTHER = """SELECT min(COALESCE(waiting_since, last_at)) FROM conversations
                         WHERE person_id IN ({}) AND active = 1 AND section NOT IN ('noise', 'careful')
                           AND id != ?"""

    def waiting_elsewhere(self, convs: Sequence[Placed], most: int = 100) -> dict[int, tuple[int, str | None]]:
        """Counted in the conversations_waiting index alone."""
        groups = group_ids_many(self, sorted({c.person_id for c in convs}))
        waiting = dict(self._q(self._WAITING, (most + 2, json.dumps(sorted({m for g in groups.values() for m in g})))))
        out: dict[int, tuple[int, str | None]] = {}
        for conv in convs:
            members = groups[conv.person_id]
            n = sum(waiting[m] for m in members) - (conv.active == 1 and conv.section not in ("noise", "careful"))
            if n <= 0:
                continue
            since = None
            if n == 1:  # which one is worth saying: the person waits longer there, or wrote there since
                since = self._value(self._EARLIEST_OTHER.format(marks(members)), [*members, conv.id])
            out[conv.id] = (min(n, most + 1), since)
        return out

    def queue_details(self, conv_ids: Sequence[int]) -> dict[int, QueueRow]:
        if not conv_ids:
            return {}
        found = self._all(rows.queue_row, f"""
            SELECT {rows.QUEUE_ROW}
            FROM conversations c
            JOIN persons p ON p.id = c.person_id
            LEFT JOIN person_links l ON l.source = p.source AND l.remote_id = p.remote_id
            LEFT JOIN mentions m ON m.id = c.latest_mention_id
            WHERE c.id IN ({marks(conv_ids)})""", list(conv_ids))
        return {r.conversation.id: r for r in found}

    def count_active(self, section: str, now: str, source: str | None = None, since: str | None = None) -> int:
        """Without filters, counted as all active ones (read from the queue index alone) minus
        those still snoozed (a small partial index): with a million conversations, reading
        each row to look at its state took seconds."""
        if source or since:
            extra, params = _narrowed(source, since)
            return int(self._value("""SELECT count(*) FROM conversations c WHERE c.active = 1 AND c.section = ?
                                      AND (c.state = 'open' OR c.snooze_until <= ?)""" + extra,
                                   [section, now, *params]))
        return int(self._value(
            """SELECT (SELECT count(*) FROM conversations WHERE active = 1 AND section = :section)
                    - (SELECT count(*) FROM conversations WHERE state = 'snoozed' AND section = :section
                       AND active = 1 AND (snooze_until > :now OR snooze_until IS NULL))""",
            {"section": section, "now": now}))

    # --- the user's record -------------------------------------------------------
    def record_action(self, conversation: str, action: str, at: str, until: str | None = None,
                      detail: Mapping[str, Any] | None = None) -> None:
        self._q("INSERT INTO actions (conversation, action, at, until, detail) VALUES (?, ?, ?, ?, ?)",
                (conversation, action, at, until, to_json(detail)))

    def last_undoable_action(self, actions: Sequence[str]) -> Action | None:
        return self._one(_action, f"""SELECT {rows.columns(Action, "a")} FROM actions a
                                      WHERE a.action IN ({marks(actions)})
                                      AND json_extract(a.detail, '$.before') IS NOT NULL
                                      AND NOT EXISTS (SELECT 1 FROM actions u WHERE u.action = 'undo'
                                                      AND json_extract(u.detail, '$.undid') = a.id)
                                      ORDER BY a.id DESC LIMIT 1""", list(actions))

    def actions(self, conversation: str) -> list[Action]:
        return self._all(_action, f"SELECT {rows.columns(Action)} FROM actions WHERE conversation = ? ORDER BY at, id",
                         (conversation,))
