"""Answer memory and the knowledge file, searched with SQLite's FTS5 (BM25).

Two kinds of documents, each a row and its terms in an FTS5 table of the same
rowid: `answers`, our replies (sent through h2h or fetched from our accounts)
with the messages they answered, and `knowledge`, the entries of the user's
knowledge file. Both are derived: answers from the mentions table, knowledge
from the file, which is read again when its digest changes. The store keeps
terms as given (h2h/draft/terms.py makes them); it ranks with bm25() and gives
back what a caller needs to judge how close a document is.

Mixed into `Store`; all SQL stays in store/.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterable, Mapping, Sequence

Row = sqlite3.Row

_FTS = "USING fts5(question, answer, tokenize = 'unicode61 remove_diacritics 2')"

MIGRATION = [
    """CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        mention_id INTEGER NOT NULL UNIQUE,
        source TEXT NOT NULL,
        platform TEXT NOT NULL,
        conversation TEXT,
        lang TEXT,
        role TEXT NOT NULL,
        author TEXT NOT NULL,
        person TEXT NOT NULL,
        person_name TEXT NOT NULL DEFAULT '',
        answered TEXT NOT NULL DEFAULT '[]',
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        url TEXT,
        created_at TEXT NOT NULL)""",
    f"CREATE VIRTUAL TABLE answers_fts {_FTS}",
    "CREATE VIRTUAL TABLE answers_vocab USING fts5vocab(answers_fts, 'col')",
    """CREATE TABLE knowledge (
        id INTEGER PRIMARY KEY,
        entry TEXT NOT NULL,
        lang TEXT NOT NULL,
        question TEXT NOT NULL,
        also TEXT NOT NULL DEFAULT '',
        answer TEXT NOT NULL,
        link TEXT,
        origin TEXT NOT NULL,
        line INTEGER NOT NULL)""",
    "CREATE INDEX knowledge_entry ON knowledge (entry, lang)",
    f"CREATE VIRTUAL TABLE knowledge_fts {_FTS}",
    "CREATE VIRTUAL TABLE knowledge_vocab USING fts5vocab(knowledge_fts, 'col')",
    # Which knowledge entry or past answer a draft starts from (JSON), shown again with it.
    "ALTER TABLE drafts ADD COLUMN grounding TEXT",
]

_TABLES = {"answers": ("answers", "answers_fts", "answers_vocab"),
           "knowledge": ("knowledge", "knowledge_fts", "knowledge_vocab")}


def _match(terms: Iterable[str]) -> str:
    """An FTS5 query matching any of the terms (each quoted: terms are data, not syntax)."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in dict.fromkeys(terms) if t)


class MemoryQueries:
    """Methods of `Store` (self._q and self._many are Store's query helpers)."""

    def _q(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:  # pragma: no cover
        raise NotImplementedError

    def _many(self, sql: str, rows: Iterable[Sequence[Any] | Mapping[str, Any]]) -> None:  # pragma: no cover
        raise NotImplementedError

    # --- what to index -----------------------------------------------------------
    def our_messages_after(self, after_id: int, limit: int = 500) -> list[Row]:
        """Our messages (ours and the team's) after mention `after_id`, oldest first, with the
        conversation of the message each answers."""
        return self._q(
            """SELECT m.*, p.handle AS author_handle, p.name AS author_name, q.conversation_id AS answered_conversation
               FROM mentions m JOIN persons p ON p.id = m.person_id
               LEFT JOIN mentions q ON q.source = m.source AND q.remote_id = m.in_reply_to AND q.role = 'person'
               WHERE m.id > ? AND m.role IN ('me', 'team') ORDER BY m.id LIMIT ?""", (after_id, limit)).fetchall()

    def indexed_answers_upto(self) -> int:
        row = self._q("SELECT value FROM meta WHERE key = 'answers_upto'").fetchone()
        return int(row[0]) if row and row[0] else 0

    def set_indexed_answers_upto(self, mention_id: int) -> None:
        self._q("""INSERT INTO meta (key, value) VALUES ('answers_upto', ?)
                   ON CONFLICT (key) DO UPDATE SET value = excluded.value""", (str(mention_id),))

    def add_answer(self, values: Mapping[str, Any], question_terms: Sequence[str], answer_terms: Sequence[str]) -> int:
        """One of our replies and what it answered; again for the same mention replaces it."""
        old = self._q("SELECT id FROM answers WHERE mention_id = ?", (values["mention_id"],)).fetchone()
        if old is not None:
            self._q("DELETE FROM answers_fts WHERE rowid = ?", (old[0],))
            self._q("DELETE FROM answers WHERE id = ?", (old[0],))
        row_id = self._q(
            """INSERT INTO answers (mention_id, source, platform, conversation, lang, role, author, person, person_name,
                                    answered, question, answer, url, created_at)
               VALUES (:mention_id, :source, :platform, :conversation, :lang, :role, :author, :person, :person_name,
                       :answered, :question, :answer, :url, :created_at) RETURNING id""",
            {**values, "answered": json.dumps(list(values.get("answered", ())))}).fetchone()[0]
        self._q("INSERT INTO answers_fts (rowid, question, answer) VALUES (?, ?, ?)",
                (row_id, " ".join(question_terms), " ".join(answer_terms)))
        return row_id

    # --- the knowledge file ---------------------------------------------------------
    def knowledge_digest(self) -> str | None:
        row = self._q("SELECT value FROM meta WHERE key = 'knowledge_digest'").fetchone()
        return row[0] if row else None

    def replace_knowledge(self, entries: Sequence[tuple[Mapping[str, Any], Sequence[str], Sequence[str]]],
                          digest: str) -> None:
        """The whole knowledge file at once: (entry, question terms, answer terms) each."""
        self._q("DELETE FROM knowledge_fts")
        self._q("DELETE FROM knowledge")
        for values, question_terms, answer_terms in entries:
            row_id = self._q(
                """INSERT INTO knowledge (entry, lang, question, also, answer, link, origin, line)
                   VALUES (:entry, :lang, :question, :also, :answer, :link, :origin, :line) RETURNING id""",
                values).fetchone()[0]
            self._q("INSERT INTO knowledge_fts (rowid, question, answer) VALUES (?, ?, ?)",
                    (row_id, " ".join(question_terms), " ".join(answer_terms)))
        self._q("""INSERT INTO meta (key, value) VALUES ('knowledge_digest', ?)
                   ON CONFLICT (key) DO UPDATE SET value = excluded.value""", (digest,))

    def knowledge_entries(self) -> list[Row]:
        return self._q("SELECT * FROM knowledge ORDER BY origin, line").fetchall()

    # --- searching ---------------------------------------------------------------------
    def search(self, kind: str, terms: Sequence[str], *, limit: int = 20, weights: tuple[float, float] = (1.0, 0.3),
               where: str = "", params: Sequence[Any] = ()) -> list[Row]:
        """The documents of `kind` ("answers" or "knowledge") sharing a term with `terms`, best
        BM25 first; each row has the document's columns, `rank` (lower is better, as FTS5 has
        it) and `q_terms`/`a_terms`, its indexed terms."""
        table, fts, _vocab = _TABLES[kind]
        query = _match(terms)
        if not query:
            return []
        extra = f" AND {where}" if where else ""
        return self._q(
            f"""SELECT d.*, bm25({fts}, ?, ?) AS rank, {fts}.question AS q_terms, {fts}.answer AS a_terms
                FROM {fts} JOIN {table} d ON d.id = {fts}.rowid
                WHERE {fts} MATCH ?{extra} ORDER BY rank LIMIT ?""",
            (weights[0], weights[1], query, *params, limit)).fetchall()

    def term_counts(self, kind: str, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        """How many documents of `kind` there are, and in how many of their questions each term occurs."""
        table, _fts, vocab = _TABLES[kind]
        wanted = sorted(set(terms))
        total = self._q(f"SELECT count(*) FROM {table}").fetchone()[0]
        if not wanted:
            return total, {}
        marks = ", ".join("?" for _ in wanted)
        rows = self._q(f"SELECT term, doc FROM {vocab} WHERE col = 'question' AND term IN ({marks})", wanted)
        return total, {r[0]: r[1] for r in rows}

    # --- what earlier drafts said (for variety) ----------------------------------------------
    def recent_draft_texts(self, *, exclude: str | None = None, limit: int = 60) -> list[str]:
        """The latest draft of each of the `limit` conversations drafted most recently, but `exclude`."""
        return [r[0] for r in self._q(
            """SELECT text FROM drafts WHERE id IN (
                   SELECT max(id) FROM drafts WHERE conversation IS NOT ? GROUP BY conversation
                   ORDER BY max(id) DESC LIMIT ?)""", (exclude, limit))]

    def draft_variants_of(self, conversation: str) -> list[list[str]]:
        """The template lines of every draft of a conversation, oldest first."""
        return [json.loads(r[0]) for r in self._q(
            "SELECT variants FROM drafts WHERE conversation = ? AND variants != '[]' ORDER BY id", (conversation,))]

    def set_draft_grounding(self, draft_id: int, grounding: Mapping[str, Any] | None) -> None:
        self._q("UPDATE drafts SET grounding = ? WHERE id = ?",
                (json.dumps(dict(grounding), ensure_ascii=False) if grounding else None, draft_id))

    def knowledge_translation(self, entry: str, lang: str) -> Row | None:
        return self._q("SELECT * FROM knowledge WHERE entry = ? AND lang = ? ORDER BY id LIMIT 1",
                       (entry, lang)).fetchone()
