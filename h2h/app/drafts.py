"""A conversation's drafts: every one is kept, the latest is the current one; `h2h draft ID
--history` lists them and `--restore N` makes an earlier one current again (as a new row, so
the history itself is never rewritten)."""

from typing import Any

from h2h.draft import compose
from h2h.errors import NotFound
from h2h.models import Draft


def history(store: Any, config: Any, engine: Any, ident: str) -> dict[str, Any]:
    key = store.conversation(ident)["key"]
    rows = store.drafts_of(key)
    return {"conversation": key, "current": rows[-1]["id"] if rows else None,
            "drafts": [{"id": r["id"], "created_at": r["created_at"], "backend": r["backend"],
                        "edited": bool(r["edited"]), "lang": r["lang"], "text": r["text"]} for r in rows]}


def restore(store: Any, config: Any, engine: Any, ident: str, draft_id: int) -> Draft:
    ctx = compose.context(store, config, engine, ident)
    row = store.draft(draft_id)
    if row is None or row["conversation"] != ctx.view["id"]:
        raise NotFound(f"conversation {ctx.view['id']} has no draft {draft_id}",
                       hint=f"`h2h draft {ctx.view['id']} --history` lists its drafts.")
    restored = compose.from_row(ctx, row)
    return compose.save(store, restored._replace(id=None, created_at=None))
