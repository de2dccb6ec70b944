"""The statements of ingest's batches: grouping a batch's messages into
conversations (ingest/assign.py) and re-judging many conversations at once
(ingest/judge.py), a handful of statements per batch instead of a handful per message.

Each answers exactly what the one-row query beside it in queries.py or people.py
answers, rows in the same order.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterable, Mapping, Sequence

from h2h.store.chunks import by_source as _by_source
from h2h.store.chunks import chunks as _chunks
from h2h.store.chunks import marks as _marks

Row = sqlite3.Row

RECENT_MESSAGES = 50  # what a person's behaviour is judged on: their latest messages

# What re-judging reads of a conversation's messages (the rows of Store.conversation_messages),
# plus what tells which conversation a reply from elsewhere belongs to.
_FACTS = ("id, conversation_id, role, created_at, to_me, lang, signals, evidence, text, "
          "remote_id, source, thread_root, in_reply_to, person_id, created_us")


class BatchQueries:
    def _q(self, sql: str, params: Any = ()) -> sqlite3.Cursor:  # provided by Store
        raise NotImplementedError

    def _many(self, sql: str, rows: Iterable[Sequence[Any] | Mapping[str, Any]]) -> None:  # provided by Store
        raise NotImplementedError

    def data_version(self) -> int:
        """Changes whenever another connection commits (what this one wrote does not change it)."""
        return self._q("PRAGMA data_version").fetchone()[0]

    def next_mention_id(self) -> int:
        """The id SQLite gives the next message inserted without one: the largest plus one."""
        return (self._q("SELECT max(id) FROM mentions").fetchone()[0] or 0) + 1

    # --- grouping ------------------------------------------------------------------
    def next_conversation_id(self) -> int:
        """The id SQLite gives the next conversation inserted without one: the largest plus one."""
        return (self._q("SELECT max(id) FROM conversations").fetchone()[0] or 0) + 1

    def latest_standalone_many(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Row | None]:
        """latest_standalone() of each (source, person id)."""
        found: dict[tuple[str, int], Row | None] = {}
        for source, part, _ in _by_source(keys):
            found.update(((source, pid), None) for pid in part)
            for row in self._q("""SELECT c.* FROM json_each(?) j JOIN conversations c ON c.id =
                                    (SELECT id FROM conversations WHERE source = ? AND person_id = j.value
                                     AND standalone = 1 ORDER BY last_at DESC, id DESC LIMIT 1)""",
                               (json.dumps(list(part)), source)):
                found[(source, row["person_id"])] = row
        return found

    def find_conversations(self, keys: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str, int], Row | None]:
        """find_conversation() of each (source, thread root, person id)."""
        wanted = set(keys)
        found: dict[tuple[str, str, int], Row | None] = dict.fromkeys(wanted)
        for source, part, marks in _by_source((source, root) for source, root, _ in wanted):
            for row in self._q(f"SELECT * FROM conversations WHERE source = ? AND thread_root IN ({marks})",
                               [source, *part]):
                key = (source, row["thread_root"], row["person_id"])
                if key in found:
                    found[key] = row
        return found

    def insert_conversations(self, convs: Sequence[Mapping[str, Any]]) -> None:
        """New conversations with the ids they were given (next_conversation_id() onwards), in
        order; each gets its key as create_conversation() would give it."""
        from h2h.store.queries import conversation_key

        def key(c: Mapping[str, Any], length: int = 8) -> str:
            return conversation_key(c["source"], c["thread_root"], c["person_remote_id"], length)

        firsts = [key(c) for c in convs]
        taken: set[str] = set()
        for part in _chunks(firsts):
            taken.update(r[0] for r in self._q(f"SELECT key FROM conversations WHERE key IN ({_marks(part)})",
                                               list(part)))
        rows = []
        for c, k in zip(convs, firsts):
            length = 8
            while k in taken or (length > 8 and self._q("SELECT 1 FROM conversations WHERE key = ?", (k,)).fetchone()):
                length += 2  # vanishingly rare; a longer key stays stable for this conversation
                k = key(c, length)
            taken.add(k)
            rows.append((c["id"], k, c["source"], c["platform"], c["person_id"], c["thread_root"], c["standalone"],
                         c["first_at"], c["first_at"]))
        self._many("""INSERT INTO conversations (id, key, source, platform, person_id, thread_root, standalone,
                                                 first_at, last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows)

    # --- re-judging -----------------------------------------------------------------
    def conversations_facts(self, convs: Sequence[Row]) -> dict[int, list[Row]]:
        """The rows conversation_messages() gives for each conversation, with fewer columns: its
        messages, and answers elsewhere in its thread to its person's messages (ours, teammates',
        other people's); oldest first (created_at, then id)."""
        ids = [c["id"] for c in convs]
        own: dict[int, list[Row]] = {i: [] for i in ids}
        for part in _chunks(ids):
            for row in self._q(f"SELECT {_FACTS} FROM mentions WHERE conversation_id IN ({_marks(part)})", list(part)):
                own[row["conversation_id"]].append(row)
        # Answers filed elsewhere (another conversation, or none) to one of the person's messages;
        # the answer's thread must be the conversation's, as in conversation_messages().
        answered: dict[tuple[str, str], set[int]] = {}
        for conv in convs:
            for row in own[conv["id"]]:
                if row["role"] == "person":
                    answered.setdefault((conv["source"], row["remote_id"]), set()).add(conv["id"])
        extra: dict[int, list[Row]] = {}
        roots = {c["id"]: (c["thread_root"], c["person_id"]) for c in convs}
        for source, part, marks in _by_source(answered):
            # Another person's answer is filed in no conversation (ingest/assign.py): it waits for no one.
            for row in self._q(f"SELECT {_FACTS} FROM mentions WHERE source = ? AND in_reply_to IN ({marks}) "
                               f"AND (role != 'person' OR conversation_id IS NULL)", [source, *part]):
                for conv_id in answered[(source, row["in_reply_to"])]:
                    root, person = roots[conv_id]
                    if (row["thread_root"] == root and row["conversation_id"] != conv_id
                            and (row["role"] != "person" or row["person_id"] != person)):
                        extra.setdefault(conv_id, []).append(row)
        out: dict[int, list[Row]] = {}
        for conv_id, rows in own.items():
            rows = rows + extra.get(conv_id, [])
            rows.sort(key=lambda r: (r["created_at"], r["id"]))
            out[conv_id] = rows
        return out

    def persons_recent(self, person_ids: Iterable[int], limit: int = RECENT_MESSAGES) -> dict[int, list[Row]]:
        """person_recent() of each person: their latest messages, newest first (with their ids)."""
        found: dict[int, list[Row]] = {}
        for part in _chunks(sorted(set(person_ids))):
            found.update((pid, []) for pid in part)
            rows = self._q(
                """SELECT j.value AS person_id, m.id, m.created_at, m.text FROM json_each(?) j
                   JOIN mentions m ON m.id IN (SELECT id FROM mentions WHERE person_id = j.value
                                               ORDER BY created_at DESC, id DESC LIMIT ?)
                   ORDER BY j.value, m.created_at DESC, m.id DESC""", (json.dumps(list(part)), limit))
            for row in rows:
                found[row["person_id"]].append(row)
        return found

    def conversations_before(self, queries: Sequence[tuple[int, str]]) -> list[int]:
        """For each (person id, time): that identity's conversations begun earlier, counted
        from the index alone (previous_conversations() for a person linked to no one)."""
        counts: list[int] = []
        for part in _chunks(queries):
            rows = self._q("""SELECT (SELECT count(*) FROM conversations
                                      WHERE person_id = j.value ->> 0 AND first_at < j.value ->> 1)
                              FROM json_each(?) j ORDER BY j.key""", (json.dumps(list(part)),))
            counts.extend(r[0] for r in rows)
        return counts

    def linked_among(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these identities belong to a group of linked identities (as member or root)."""
        found: set[tuple[str, str]] = set()
        for source, part, marks in _by_source(keys):
            for row in self._q(f"""SELECT source, remote_id FROM person_links WHERE source = ? AND remote_id IN ({marks})
                                   UNION SELECT root_source, root_remote_id FROM person_links
                                   WHERE root_source = ? AND root_remote_id IN ({marks})""",
                               [source, *part, source, *part]):
                found.add((row[0], row[1]))
        return found

    def save_conversations(self, changes: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        """save_conversation() for each (id, changed columns): one statement per set of columns."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for conv_id, values in changes:
            groups.setdefault(tuple(values), []).append({**values, "_id": conv_id})
        for cols, rows in groups.items():
            self._many(f"UPDATE conversations SET {', '.join(f'{k} = :{k}' for k in cols)} WHERE id = :_id", rows)
