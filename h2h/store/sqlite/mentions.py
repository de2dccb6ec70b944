"""Messages: stored by ingest (a batch's rows at once), edited, re-analyzed, and read
back as a conversation's thread, as judging's facts, and as a person's latest."""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping, Sequence

from h2h.models import (Conversation, Mention, MentionState, MessageFacts, RecentMessage, SearchHit,
                        StoredMention, ThreadMessage, Unanswered)
from h2h.store.sqlite import rows
from h2h.store.sqlite.chunks import by_source, chunks, marks
from h2h.store.sqlite.search import SearchQueries
from h2h.store.common import MARK_END, MARK_START, RECENT_MESSAGES, Key, search_words, to_json

_STORED = rows.columns(StoredMention)
_STATE = rows.columns(MentionState)
_FACTS = rows.columns(MessageFacts)
_THREAD = rows.columns(ThreadMessage, "m", {"handle": "p.handle", "name": "p.name", "bot": "p.bot",
                                            "conversation": "c.key"})
_stored, _state, _facts = rows.maker(StoredMention), rows.maker(MentionState), rows.maker(MessageFacts)
_thread, _recent, _unanswered = rows.maker(ThreadMessage), rows.maker(RecentMessage), rows.maker(Unanswered)
_SEARCH_HIT = rows.columns(SearchHit, "m", {
    "key": "c.key", "state": "c.state", "section": "c.section", "snooze_until": "c.snooze_until",
    "handle": "p.handle", "name": "p.name",
    "snippet": f"snippet(mention_search, 0, '{MARK_START}', '{MARK_END}', '…', 16) AS snippet",
    "rank": "bm25(mention_search) AS rank"})
_search_hit = rows.maker(SearchHit)


def fts_query(text: str) -> str:
    """The user's words as an FTS5 query: every word must match (in the text or the author's
    handle or name), each as a prefix; FTS5's own syntax in the input is taken literally."""
    return " ".join('"' + w.replace('"', '""') + '"*' for w in search_words(text))


class MentionQueries(SearchQueries):
    def mention(self, source: str, remote_id: str) -> StoredMention | None:
        return self._one(_stored, f"SELECT {_STORED} FROM mentions WHERE source = ? AND remote_id = ?",
                         (source, remote_id))

    def platform_mention(self, source: str, remote_id: str) -> Mention | None:
        return self._one(rows.platform_mention,
                         f"""SELECT {rows.PLATFORM_MENTION} FROM mentions m JOIN persons p ON p.id = m.person_id
                             WHERE m.source = ? AND m.remote_id = ?""", (source, remote_id))

    def mentions_by_key(self, keys: Iterable[Key]) -> dict[Key, MentionState]:
        found: dict[Key, MentionState] = {}
        for source, part, qs in by_source(keys):
            for m in self._rows(_state, f"SELECT {_STATE} FROM mentions WHERE source = ? AND remote_id IN ({qs})",
                                [source, *part]):
                found[(source, m.remote_id)] = m
        return found

    def next_mention_id(self) -> int:
        return int(self._value("SELECT max(id) FROM mentions") or 0) + 1

    def insert_mentions(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self._many("""INSERT INTO mentions (id, source, remote_id, platform, person_id, conversation_id, role, text,
                                            url, created_at, created_us, in_reply_to, thread, thread_root, to_me,
                                            from_me, lang, raw, signals, evidence, engine, ingested_at)
                      VALUES (:id, :source, :remote_id, :platform, :person_id, :conversation_id, :role, :text, :url,
                              :created_at, :created_us, :in_reply_to, :thread, :thread_root, :to_me, :from_me, :lang,
                              :raw, :signals, :evidence, :engine, :ingested_at)""", rows)

    def update_mention(self, mention_id: int, m: Mention, *, role: str, signals: Any, evidence: Any,
                       engine: str, raw: Any = None) -> None:
        self._q("""UPDATE mentions SET text = ?, url = ?, lang = ?, raw = ?, role = ?, to_me = ?, from_me = ?,
                                      signals = ?, evidence = ?, engine = ? WHERE id = ?""",
                (m.text, m.url, m.lang, to_json(m.raw if raw is None else raw), role, int(m.to_me), int(m.from_me),
                 to_json(signals), to_json(evidence), engine, mention_id))

    def mentions_needing_signals(self, engine: str, limit: int, after: int = 0) -> list[tuple[int, str, str | None]]:
        return self._all(tuple, "SELECT id, text, lang FROM mentions WHERE id > ? AND engine IS NOT ? ORDER BY id LIMIT ?",
                         (after, engine, limit))

    def set_mentions_signals(self, rows: Sequence[tuple[Any, Any, str, int]]) -> None:
        self._many("UPDATE mentions SET signals = ?, evidence = ?, engine = ? WHERE id = ?",
                   [(to_json(s), to_json(e), engine, i) for s, e, engine, i in rows])

    def conversation_messages(self, conv: Conversation) -> list[ThreadMessage]:
        return self._all(_thread, f"""
            SELECT {_THREAD} FROM mentions m JOIN persons p ON p.id = m.person_id
            LEFT JOIN conversations c ON c.id = m.conversation_id
            WHERE m.conversation_id = :id
               OR (m.source = :source AND m.thread_root = :root
                   AND (m.role != 'person' OR (m.conversation_id IS NULL AND m.person_id != :person))
                   AND m.in_reply_to IN (SELECT remote_id FROM mentions WHERE conversation_id = :id AND role = 'person'))
            ORDER BY m.created_at, m.id""", {"id": conv.id, "source": conv.source, "root": conv.thread_root,
                                             "person": conv.person_id})

    def conversations_facts(self, convs: Sequence[Conversation]) -> dict[int, list[MessageFacts]]:
        ids = [c.id for c in convs]
        own: dict[int, list[MessageFacts]] = {i: [] for i in ids}
        for part in chunks(ids):
            for m in self._rows(_facts, f"SELECT {_FACTS} FROM mentions WHERE conversation_id IN ({marks(part)})",
                                list(part)):
                own[m.conversation_id].append(m)  # type: ignore[index]
        # Answers filed elsewhere (another conversation, or none) to one of the person's messages
        # (ours, teammates', other people's); the answer's thread must be the conversation's, as
        # in conversation_messages().
        answered: dict[Key, set[int]] = {}
        for conv in convs:
            for m in own[conv.id]:
                if m.role == "person":
                    answered.setdefault((conv.source, m.remote_id), set()).add(conv.id)
        extra: dict[int, list[MessageFacts]] = {}
        roots = {c.id: (c.thread_root, c.person_id) for c in convs}
        for source, part, qs in by_source(answered):
            # Another person's answer is filed in no conversation (ingest/assign.py): it waits for no one.
            for m in self._rows(_facts, f"SELECT {_FACTS} FROM mentions WHERE source = ? AND in_reply_to IN ({qs}) "
                                        f"AND (role != 'person' OR conversation_id IS NULL)", [source, *part]):
                for conv_id in answered[(source, m.in_reply_to)]:  # type: ignore[index]
                    root, person = roots[conv_id]
                    if (m.thread_root == root and m.conversation_id != conv_id
                            and (m.role != "person" or m.person_id != person)):
                        extra.setdefault(conv_id, []).append(m)
        out: dict[int, list[MessageFacts]] = {}
        for conv_id, found in own.items():
            found = found + extra.get(conv_id, [])
            found.sort(key=lambda m: (m.created_at, m.id))
            out[conv_id] = found
        return out

    def persons_recent(self, person_ids: Iterable[int],
                       limit: int = RECENT_MESSAGES) -> dict[int, list[RecentMessage]]:
        found: dict[int, list[RecentMessage]] = {}
        for part in chunks(sorted(set(person_ids))):
            found.update((pid, []) for pid in part)
            for m in self._rows(_recent, """
                    SELECT j.value, m.id, m.created_at, m.text FROM json_each(?) j
                    JOIN mentions m ON m.id IN (SELECT id FROM mentions WHERE person_id = j.value
                                                ORDER BY created_at DESC, id DESC LIMIT ?)
                    ORDER BY j.value, m.created_at DESC, m.id DESC""", (json.dumps(list(part)), limit)):
                found[m.person_id].append(m)
        return found

    def unanswered_mentions_many(self, convs: Sequence[tuple[int, str | None]]) -> dict[int, list[Unanswered]]:
        found: dict[int, list[Unanswered]] = {conv_id: [] for conv_id, _ in convs}
        for part in chunks(convs):
            for row in self._rows(tuple, """
                    SELECT json_extract(j.value, '$[0]'), m.source, m.remote_id, m.created_at, m.created_us,
                           m.in_reply_to, m.id
                    FROM json_each(?) j JOIN mentions m ON m.conversation_id = json_extract(j.value, '$[0]')
                     AND m.role = 'person' AND (json_extract(j.value, '$[1]') IS NULL
                                                OR m.created_at >= json_extract(j.value, '$[1]'))
                    ORDER BY j.key, m.created_at, m.id""", (json.dumps(list(part)),)):
                found[row[0]].append(_unanswered(row[1:]))
        return found

    def group_messages(self, person_ids: Sequence[int], limit: int) -> list[ThreadMessage]:
        qs = marks(person_ids)
        return self._all(_thread, f"""
            SELECT {_THREAD} FROM mentions m
            JOIN persons p ON p.id = m.person_id
            LEFT JOIN conversations c ON c.id = m.conversation_id
            WHERE m.person_id IN ({qs}) OR (m.role != 'person' AND c.person_id IN ({qs}))
            ORDER BY m.created_at DESC, m.id DESC LIMIT ?""", [*person_ids, *person_ids, limit])

    # --- a thread put back in order once a message that came late arrives (ingest/rehome.py)
    def mentions_rooted_at(self, keys: Iterable[Key]) -> list[StoredMention]:
        found: list[StoredMention] = []
        for source, part, qs in by_source(keys):
            found += self._all(_stored, f"SELECT {_STORED} FROM mentions WHERE source = ? AND thread_root IN ({qs})",
                               [source, *part])
        return sorted(found, key=lambda m: m.id)

    def conversation_mentions(self, conv_id: int) -> list[StoredMention]:
        return self._all(_stored, f"SELECT {_STORED} FROM mentions WHERE conversation_id = ? ORDER BY id", (conv_id,))

    def place_mentions(self, moves: Sequence[tuple[int | None, str, int]]) -> None:
        self._many("UPDATE mentions SET conversation_id = ?, thread_root = ? WHERE id = ?", moves)

    def newest_mention_id(self) -> int:
        return int(self._value("SELECT max(id) FROM mentions") or 0)

    # --- search (the mention_search index, migrations.SEARCH) -------------------
    def search_mentions(self, text: str, *, platform: str | None = None, limit: int = 200) -> list[SearchHit]:
        query = fts_query(text)
        if not query:
            return []
        self.catch_up_search()  # what a killed bulk import left out of the index
        sql = f"""SELECT {_SEARCH_HIT}
                  FROM mention_search s
                  JOIN mentions m ON m.id = s.rowid
                  JOIN persons p ON p.id = m.person_id
                  LEFT JOIN conversations c ON c.id = m.conversation_id
                  WHERE mention_search MATCH ?"""
        params: list[Any] = [query]
        if platform:
            sql, params = sql + " AND m.platform = ?", params + [platform]
        return self._all(_search_hit, sql + " ORDER BY rank, m.created_at DESC LIMIT ?", [*params, limit])
