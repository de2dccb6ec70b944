"""`h2h search`: every message's words and its author's handle and name, in an SQLite FTS5
index of their own (`mention_search`; answer memory has separate tables).

The index holds no copy of the text: its content is a view over mentions and persons, and
triggers keep it in step with both (a new or edited message, a person's new name), giving
FTS5 the old values it needs to remove a row. Mixed into `Store`; all SQL stays in store/.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Mapping, Sequence

Row = sqlite3.Row

MIGRATION = [
    """CREATE VIEW mention_search_rows AS
         SELECT m.id AS id, m.text AS text, p.handle || ' ' || p.name AS who
         FROM mentions m JOIN persons p ON p.id = m.person_id""",
    # remove_diacritics 2: "exporter" finds "exportér", as people type without accents.
    """CREATE VIRTUAL TABLE mention_search USING fts5(text, who, content='mention_search_rows',
         content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER mention_search_insert AFTER INSERT ON mentions BEGIN
         INSERT INTO mention_search (rowid, text, who)
         SELECT new.id, new.text, p.handle || ' ' || p.name FROM persons p WHERE p.id = new.person_id;
       END""",
    """CREATE TRIGGER mention_search_delete AFTER DELETE ON mentions BEGIN
         INSERT INTO mention_search (mention_search, rowid, text, who)
         SELECT 'delete', old.id, old.text, p.handle || ' ' || p.name FROM persons p WHERE p.id = old.person_id;
       END""",
    """CREATE TRIGGER mention_search_update AFTER UPDATE OF text, person_id ON mentions BEGIN
         INSERT INTO mention_search (mention_search, rowid, text, who)
         SELECT 'delete', old.id, old.text, p.handle || ' ' || p.name FROM persons p WHERE p.id = old.person_id;
         INSERT INTO mention_search (rowid, text, who)
         SELECT new.id, new.text, p.handle || ' ' || p.name FROM persons p WHERE p.id = new.person_id;
       END""",
    # The upsert of every fetch touches persons; only a real change of handle or name re-indexes.
    """CREATE TRIGGER mention_search_person AFTER UPDATE OF handle, name ON persons
       WHEN old.handle IS NOT new.handle OR old.name IS NOT new.name BEGIN
         INSERT INTO mention_search (mention_search, rowid, text, who)
         SELECT 'delete', m.id, m.text, old.handle || ' ' || old.name FROM mentions m WHERE m.person_id = old.id;
         INSERT INTO mention_search (rowid, text, who)
         SELECT m.id, m.text, new.handle || ' ' || new.name FROM mentions m WHERE m.person_id = new.id;
       END""",
    "INSERT INTO mention_search (mention_search) VALUES ('rebuild')",
]

# Around each match in `snippet`: private-use characters no post can be confused with
# (inert() keeps them), turned into highlighting or dropped by whoever prints it.
MARK_START, MARK_END = "\ue000", "\ue001"


def fts_query(text: str) -> str:
    """The user's words as an FTS5 query: every word must match (in the text or the author's
    handle or name), each as a prefix; FTS5's own syntax in the input is taken literally."""
    words = [w for w in text.split() if any(c.isalnum() for c in w)]
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words)


class SearchQueries:
    """Methods of `Store` (self._q is Store's query helper)."""

    def _q(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:  # pragma: no cover
        raise NotImplementedError

    def search_mentions(self, query: str, *, platform: str | None = None, limit: int = 200) -> list[Row]:
        """The best-matching messages (bm25), each with its conversation and author."""
        sql = f"""SELECT m.id, m.remote_id, m.source, m.platform, m.role, m.text, m.url, m.created_at,
                         c.key, c.state, c.section, c.snooze_until, p.handle, p.name,
                         snippet(mention_search, 0, '{MARK_START}', '{MARK_END}', '…', 16) AS snippet,
                         bm25(mention_search) AS rank
                  FROM mention_search s
                  JOIN mentions m ON m.id = s.rowid
                  JOIN persons p ON p.id = m.person_id
                  LEFT JOIN conversations c ON c.id = m.conversation_id
                  WHERE mention_search MATCH ?"""
        params: list[Any] = [query]
        if platform:
            sql, params = sql + " AND m.platform = ?", params + [platform]
        return self._q(sql + " ORDER BY rank, m.created_at DESC LIMIT ?", [*params, limit]).fetchall()

    def platform_names(self) -> list[str]:
        return [r[0] for r in self._q("SELECT DISTINCT platform FROM conversations ORDER BY platform")]
