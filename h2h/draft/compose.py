"""Drafting for one conversation: the functions `h2h draft`, `h2h reply` and
`h2h next` share.

    new_draft(store, config, engine, ident)                 compose (knowledge, memory, template or LLM), lint, store
    new_draft(..., another=True)                            a different wording than the current draft
    new_draft(..., source="memory")                         start from one source; pick=Match: from that one
    new_draft(..., snippet="export")                        a saved reply, filled in
    closest(store, config, engine, ident)                   the past answers and entries closest to it
    sources(store, config, engine, ident)                   the sources this conversation has (`f` in h2h next)
    current(store, config, engine, ident)                   the latest stored draft, re-linted
    save_text(store, config, engine, ident, text)           store an edited text (linted)
    edit(store, config, engine, ident)                      open $VISUAL/$EDITOR on the current draft

Every draft is stored (the drafts table), so the next person's draft can avoid
the sentences this one used. The language model, when configured, is called
outside any database transaction, and its failure falls back to templates.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from h2h import clock
from h2h.draft import lint as tone
from h2h.draft import limits, phrases
from h2h.draft.base import DraftRequest, Drafter
# Reading the conversation is context.py; commands reach these names through compose too.
from h2h.draft.context import (ASKING, SOURCES, Context, context, first_name_for, intent_for,  # noqa: F401
                               limit_for_source, reply_language, signature_for, unanswered)
from h2h.draft.mention import has_mention
from h2h.errors import H2HError, UsageError
from h2h.models import Draft, LintFinding
from h2h.textutil import inert


# --- from a body to a draft ------------------------------------------------------------

def with_mention(request: DraftRequest, text: str) -> str:
    """The text, starting with the mention the platform needs unless it already has it."""
    text = text.strip()
    return f"{request.mention} {text}" if request.mention and not has_mention(text, request.mention) else text


def assemble(request: DraftRequest, body: str) -> str:
    """Mention + body + signature, the body cut (never the mention or signature) to fit the limit."""
    tail = f"\n{request.signature}" if request.signature else ""
    return limits.trim(with_mention(request, body), request.limit, reserve=tail) + tail


def findings(request: DraftRequest, text: str) -> tuple[LintFinding, ...]:
    return tone.lint(text, first_name=request.first_name, handle=request.handle, limit=request.limit,
                     platform=request.platform, mention=request.mention, signature=request.signature)


def make(ctx: Context, text: str, *, backend: str, variants: tuple[str, ...] = (), note: str = "",
         edited: bool = False) -> Draft:
    req = ctx.request
    return Draft(conversation=req.conversation, text=text, backend=backend, lang=req.lang, limit=req.limit.max,
                 length=req.limit.count(text), lint=findings(req, text), intent=req.intent, unit=req.limit.unit,
                 opener=req.opener, topic=req.topic.text if req.topic and req.topic.text in text else "", note=note, advice=ctx.advice,
                 variants=variants, edited=edited)


def save(store: Any, draft: Draft) -> Draft:
    now = clock.iso(clock.now())
    with store.transaction():
        draft_id = store.add_draft(conversation=draft.conversation, text=draft.text, backend=draft.backend,
                                   lang=draft.lang, intent=draft.intent, lint=[f.to_json() for f in draft.lint],
                                   edited=draft.edited, variants=draft.variants, note=draft.note, created_at=now)
        if draft.grounding:
            store.set_draft_grounding(draft_id, draft.grounding)
    return draft._replace(id=draft_id, created_at=now)


def drafter_for(config: Any) -> Drafter:
    if config.draft.backend == "openai":
        from h2h.draft.llm import OpenAIDrafter

        return OpenAIDrafter.from_config(config.draft)
    from h2h.draft.templates import TemplateDrafter

    return TemplateDrafter()


def snippet_values(request: DraftRequest) -> dict[str, str]:
    return {"first_name": request.first_name, "name": inert(request.name) or request.first_name,
            "handle": request.handle, "topic": request.topic.text if request.topic else "", "me": request.me,
            "signature": request.signature}


# --- the functions commands call ---------------------------------------------------------

def new_draft(store: Any, config: Any, engine: Any, ident: str, *, another: bool = False,
              snippet: str | None = None, drafter: Drafter | None = None, source: str | None = None,
              pick: Any = None) -> Draft:
    """Compose, lint and store a new draft for conversation `ident`. `source` chooses what it
    starts from: "template", "knowledge", "memory" or "llm" (default: the best there is);
    `pick`, one of `closest`'s matches."""
    from h2h.draft.templates import TemplateDrafter

    if snippet is not None:
        from h2h.draft import snippets

        ctx = context(store, config, engine, ident)
        template = snippets.lookup(config.draft.snippets, snippet)
        text = snippets.render(template, snippet_values(ctx.request), name=snippet)
        return save(store, make(ctx, with_mention(ctx.request, text), backend="snippet"))
    if source is not None and source not in SOURCES:
        raise UsageError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
    if source == "llm" and config.draft.backend != "openai" and drafter is None:
        raise UsageError("no language model is configured",
                         hint='Set [draft] backend = "openai" and [draft.llm] url in the config.')
    if drafter is None:
        drafter = drafter_for(config) if source in (None, "llm") and pick is None else TemplateDrafter()
    ctx = context(store, config, engine, ident, another=another, history=drafter.name != TemplateDrafter.name,
                  ground=True, source=None if source == "llm" else source, pick=pick)
    notes = list(ctx.notes)
    try:
        body = drafter.compose(ctx.request)
    except H2HError as exc:
        if drafter.name == TemplateDrafter.name:
            raise
        notes.append(f"{exc.message}; this is the template draft instead")
        body = TemplateDrafter().compose(ctx.request)
    if body.backend != "openai" and ctx.request.lang not in phrases.available():
        notes.append(f"h2h has no phrases in {ctx.request.lang!r}, so this draft is in English "
                     f"(add $H2H_HOME/drafts/{ctx.request.lang}.toml)")
    notes[:0] = [_source_note(ctx.request, body, source), _register_note(ctx.request, body)]
    grounding = _grounding_json(body.grounding)
    draft = make(ctx, assemble(ctx.request, body.text), backend=body.backend, variants=body.variants,
                 note="; ".join(n for n in notes if n))
    return save(store, draft._replace(grounding=grounding))


def closest(store: Any, config: Any, engine: Any, ident: str, *, limit: int = 5) -> list[Any]:
    """The knowledge entries and past answers closest to what the conversation asks, best first
    (what `h2h draft ID --from-memory` lists), whatever their similarity."""
    return _closest(store, config, engine, ident, limit)[0]


def _closest(store: Any, config: Any, engine: Any, ident: str, limit: int) -> tuple[list[Any], str]:
    from h2h.app import inbox
    from h2h.draft import knowledge, memory

    view = inbox.conversation(store, engine, ident)
    memory.refresh(store, config)
    knowledge.sync(store, config)
    text = "\n".join(m["text"] for m in unanswered(view))
    lang = reply_language(view, config)
    return memory.search(store, config, text, lang, limit=limit, exclude_conversation=view["id"]), lang


def sources(store: Any, config: Any, engine: Any, ident: str) -> list[str]:
    """The sources a draft of this conversation can start from, in the order `h2h next` offers them."""
    found, lang = _closest(store, config, engine, ident, 5)
    out = []
    if any(m.kind == "knowledge" and m.similarity > 0 for m in found):
        out.append("knowledge")
    if any(m.kind == "answer" and m.similarity > 0 and m.lang == lang for m in found):
        out.append("memory")
    out.append("template")
    if config.draft.backend == "openai":
        out.append("llm")
    return out


def _source_note(request: DraftRequest, body: Any, asked: str | None) -> str:
    """Where the words come from, said to the person sending them."""
    from h2h.draft import memory

    if body.backend == "openai":
        return f"written by the language model {memory.cited(body.grounding)}" if body.grounding else ""
    if body.grounding is not None:
        return memory.cited(body.grounding)
    if asked in ("knowledge", "memory"):
        return f"nothing in {'the knowledge file' if asked == 'knowledge' else 'our past answers'} is close enough"
    if request.intent in ASKING + ("chaser",) and asked is None:
        closest = next(iter(request.matches), None)
        if closest is not None:
            return (f"no knowledge entry or past answer matches (closest: \u201c{_short(closest.question)}\u201d, "
                    f"similarity {closest.similarity:.2f})")
        return "no knowledge entry or past answer matches"
    return ""


def _register_note(request: DraftRequest, body: Any) -> str:
    """Our own lines follow their register; an answer we wrote before is used as written, so
    when it says "vous" to someone who says "tu", the person sending it hears so."""
    from h2h.draft import reading

    g = body.grounding
    if body.backend == "openai" or g is None or request.register != "familiar" or g.lang != request.lang:
        return ""
    if not reading.says(g.answer, "polite", request.lang):
        return ""
    said = "“vous”" if request.lang == "fr" else "formally"
    return f"they write casually, and the answer it starts from speaks {said}: adjust it before sending (e)"


def _short(text: str, width: int = 60) -> str:
    from h2h.textutil import truncate

    return truncate(" ".join(text.split()), width)


def _grounding_json(match: Any) -> dict[str, Any] | None:
    if match is None:
        return None
    data = match.to_json()
    data.pop("answer", None)
    return data


def from_row(ctx: Context, row: Any) -> Draft:
    draft = make(ctx, row["text"], backend=row["backend"], variants=tuple(json.loads(row["variants"] or "[]")),
                 note=row["note"] or "", edited=bool(row["edited"]))
    grounding = row["grounding"] if "grounding" in row.keys() else None
    return draft._replace(id=row["id"], created_at=row["created_at"], intent=row["intent"] or draft.intent,
                          lang=row["lang"] or draft.lang, grounding=json.loads(grounding) if grounding else None)


def current(store: Any, config: Any, engine: Any, ident: str) -> Draft | None:
    """The latest stored draft of the conversation, linted again (the limit may have changed)."""
    ctx = context(store, config, engine, ident)
    row = store.latest_draft(ctx.view["id"])
    return from_row(ctx, row) if row is not None else None


def save_text(store: Any, config: Any, engine: Any, ident: str, text: str, *, backend: str = "edited") -> Draft:
    """Store `text` as the conversation's draft, exactly as given (only trailing blanks trimmed)."""
    text = _tidy(text)
    if not text:
        raise UsageError("the draft is empty, so nothing was stored", hint="Write the reply, or leave it as it was.")
    ctx = context(store, config, engine, ident)
    return save(store, make(ctx, text, backend=backend, edited=True))


def edit(store: Any, config: Any, engine: Any, ident: str, *,
         editor: Callable[[str], str] | None = None) -> tuple[Draft, bool]:
    """Open the editor on the current draft (a new one if there is none); returns the draft
    and whether it changed. An unchanged text stores nothing."""
    from h2h.draft.editor import edit_text

    draft = current(store, config, engine, ident) or new_draft(store, config, engine, ident)
    edited = (editor or edit_text)(draft.text)
    if _tidy(edited) == _tidy(draft.text):
        return draft, False
    return save_text(store, config, engine, ident, edited), True


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


