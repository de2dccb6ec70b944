"""Drafts: every text composed or edited for a conversation, newest last."""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping, Sequence

from h2h.models import StoredDraft
from h2h.store.sqlite import rows
from h2h.store.sqlite.base import Base

_DRAFT = rows.columns(StoredDraft)
_draft = rows.maker(StoredDraft)


class DraftQueries(Base):
    def add_draft(self, *, conversation: str, text: str, backend: str, lang: str | None, intent: str,
                  lint: Iterable[Mapping[str, Any]], edited: bool, variants: Sequence[str] = (),
                  note: str | None = None, created_at: str) -> int:
        return int(self._value(
            """INSERT INTO drafts (conversation, text, backend, lang, intent, lint, edited, variants, note, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            (conversation, text, backend, lang, intent, json.dumps(list(lint), ensure_ascii=False), int(edited),
             json.dumps(list(variants)), note or None, created_at)))

    def draft(self, draft_id: int) -> StoredDraft | None:
        return self._one(_draft, f"SELECT {_DRAFT} FROM drafts WHERE id = ?", (draft_id,))

    def drafts_of(self, conversation: str) -> list[StoredDraft]:
        return self._all(_draft, f"SELECT {_DRAFT} FROM drafts WHERE conversation = ? ORDER BY id", (conversation,))

    def latest_draft(self, conversation: str) -> StoredDraft | None:
        return self._one(_draft, f"SELECT {_DRAFT} FROM drafts WHERE conversation = ? ORDER BY id DESC LIMIT 1",
                         (conversation,))

    def recent_draft_variants(self, *, exclude: str | None = None, limit: int = 10) -> list[list[str]]:
        found = self._q("""SELECT variants FROM drafts WHERE conversation IS NOT ? AND variants != '[]'
                           ORDER BY id DESC LIMIT ?""", (exclude, limit)).fetchall()
        return [json.loads(r[0]) for r in found]
