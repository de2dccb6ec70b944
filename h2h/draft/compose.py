"""Drafting for one conversation: the functions `h2h draft`, `h2h reply` and
`h2h next` share.

    new_draft(store, config, engine, ident)                 compose (template or LLM), lint, store
    new_draft(..., another=True)                            a different wording than the current draft
    new_draft(..., snippet="export")                        a saved reply, filled in
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
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from h2h import clock
from h2h.draft import lint as tone
from h2h.draft import limits, phrases
from h2h.draft.base import DraftRequest, Drafter, Message
from h2h.draft.mention import has_mention, mention_for
from h2h.draft.topic import topic_of
from h2h.errors import H2HError, UsageError
from h2h.models import Draft, LintFinding
from h2h.textutil import first_name as _first_name
from h2h.textutil import inert

STRONG = 0.5      # a signal this strong decides the intent
WEAK = 0.2        # below this a signal says nothing
TROLL = 0.6       # hostility from which not replying is the advice
RECENT_DRAFTS = 5
TITLES = frozenset({"dr", "mr", "mrs", "ms", "mx", "prof", "m", "mme", "mlle", "sir", "dame"})
# A name starting with one of these is not a first name ("Le Corbeau", "van Dijk"): use it whole.
PARTICLES = frozenset({"le", "la", "les", "de", "du", "des", "da", "di", "van", "von", "der", "den", "el", "al", "the"})


@dataclass(frozen=True)
class Context:
    """A conversation as a drafter sees it, and what the reply must respect."""

    view: Mapping[str, Any]        # inbox.conversation(): what `h2h show` shows
    request: DraftRequest
    in_reply_to: Mapping[str, Any] | None   # the message to answer (the person's latest unanswered)
    advice: str = ""


# --- reading the conversation ---------------------------------------------------------

def unanswered(view: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The person's messages after our last reply (all of theirs if we never replied). Someone
    else's answer (`other`) is no reply of ours."""
    messages = list(view["messages"])
    last_ours = max((i for i, m in enumerate(messages) if m["role"] in ("me", "team")), default=-1)
    after = [m for m in messages[last_ours + 1:] if m["role"] == "person"]
    return after or [m for m in messages if m["role"] == "person"]


def intent_for(section: str, signals: Mapping[str, float]) -> str:
    if section == "careful" or signals.get("toxic", 0.0) >= STRONG:
        return "hostile"
    if section == "noise":
        return "default"
    for name, intent in (("complaint", "problem"), ("question", "question"), ("request", "request")):
        if signals.get(name, 0.0) >= STRONG:
            return intent
    strongest = max(("complaint", "question", "request"), key=lambda k: signals.get(k, 0.0))
    if signals.get(strongest, 0.0) >= WEAK:
        return {"complaint": "problem"}.get(strongest, strongest)
    if section == "thanks" or signals.get("positive", 0.0) >= STRONG:
        return "praise"
    return "default"


def first_name_for(name: str, handle: str) -> str:
    """Their first name when the display name has one, else the handle without @ and domain."""
    words = inert(name).split()
    if len(words) > 1 and words[0].rstrip(".").lower() in TITLES | PARTICLES:
        return inert(name)  # "Dr. Okafor", "Le Corbeau": the whole name
    first = _first_name(name)
    if first:
        return first
    local = inert(handle).strip().lstrip("@").split("@")[0]
    if "." in local and not handle.strip().startswith("@"):
        local = local.split(".")[0]  # alice.bsky.social -> alice
    return local


def signature_for(config: Any) -> str:
    return config.me.signature or (f"— {config.me.name}" if config.me.name else "")


def limit_for_source(store: Any, config: Any, source: str, platform: str) -> limits.Limit:
    table = config.sources[source].table if source in config.sources else None
    return limits.limit_for(platform, table=table, learned=limits.remembered(store, source))


def _language(view: Mapping[str, Any], config: Any) -> str:
    lang = (view.get("lang") or "").lower()
    if lang:
        return lang
    known = phrases.available()
    return next((code for code in config.me.languages if code in known), phrases.FALLBACK)


def _messages(view_messages: Any) -> tuple[Message, ...]:
    return tuple(Message(role=m["role"], author=m["author"]["handle"], text=m["text"], created_at=m["created_at"])
                 for m in view_messages)


def _history(store: Any, view: Mapping[str, Any]) -> tuple[Message, ...]:
    out: list[Message] = []
    for item in view["history"][-3:]:
        conv = store.conversation(item["id"])
        out.extend(Message(role=m["role"], author=m["handle"], text=m["text"], created_at=m["created_at"])
                   for m in store.conversation_messages(conv))
    return tuple(out)


def context(store: Any, config: Any, engine: Any, ident: str, *, another: bool = False,
            history: bool = False) -> Context:
    """Everything a drafter needs for conversation `ident`. `history` also reads the texts of
    the person's earlier conversations (for a language model; templates do not need them)."""
    from h2h.app import inbox

    view = inbox.conversation(store, engine, ident)
    theirs = unanswered(view)
    merged: dict[str, float] = {}
    for m in theirs:
        for name, value in engine.analyze(m["text"], view.get("lang")).values().items():
            merged[name] = max(merged.get(name, 0.0), value)
    intent = intent_for(view["section"], merged)
    person = view["person"]
    lang = _language(view, config)
    language = phrases.load(lang)
    latest = theirs[-1] if theirs else None
    topic = None
    for m in reversed(theirs):
        topic = topic_of(m["text"], language)
        if topic:
            break
    recent = store.recent_draft_variants(exclude=view["id"], limit=RECENT_DRAFTS)
    avoid = set(recent[0]) if recent else set()
    if another:
        mine = store.latest_draft(view["id"])
        if mine is not None:
            avoid |= set(json.loads(mine["variants"] or "[]"))
    opener = "returning" if view["history"] else "first_contact"
    request = DraftRequest(
        conversation=view["id"], source=view["source"], platform=view["platform"], lang=lang, intent=intent,
        opener=opener, handle=person["handle"], name=person["name"] or "",
        first_name=first_name_for(person["name"] or "", person["handle"]), topic=topic,
        thread=_messages(view["messages"]), history=_history(store, view) if history else (),
        me=config.me.name, signature=signature_for(config),
        mention=mention_for(view["platform"], person["handle"], person["name"] or ""),
        limit=limit_for_source(store, config, view["source"], view["platform"]),
        style=getattr(config.draft, "style", "") or "", avoid=frozenset(avoid),
        recent=tuple(i for ids in recent for i in ids), hostility=merged.get("toxic", 0.0))
    advice = ""
    if intent == "hostile" and request.hostility >= TROLL:
        advice = ("This reads as an insult, not a problem to solve: often the best answer is none "
                  f"(`h2h ignore {view['id']}`). If you answer, one calm line is enough.")
    elif view["section"] == "noise":
        advice = "This looks automated, like spam, or our own post: it usually needs no reply."
    return Context(view=view, request=request, in_reply_to=latest, advice=advice)


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
              snippet: str | None = None, drafter: Drafter | None = None) -> Draft:
    """Compose, lint and store a new draft for conversation `ident`."""
    from h2h.draft.templates import TemplateDrafter

    if snippet is not None:
        from h2h.draft import snippets

        ctx = context(store, config, engine, ident)
        template = snippets.lookup(config.draft.snippets, snippet)
        text = snippets.render(template, snippet_values(ctx.request), name=snippet)
        return save(store, make(ctx, with_mention(ctx.request, text), backend="snippet"))
    drafter = drafter or drafter_for(config)
    ctx = context(store, config, engine, ident, another=another, history=drafter.name != TemplateDrafter.name)
    note = ""
    try:
        body = drafter.compose(ctx.request)
    except H2HError as exc:
        if drafter.name == TemplateDrafter.name:
            raise
        note = f"{exc.message}; this is the template draft instead"
        body = TemplateDrafter().compose(ctx.request)
    if body.backend == TemplateDrafter.name and ctx.request.lang not in phrases.available():
        note = (note + "; " if note else "") + (f"h2h has no phrases in {ctx.request.lang!r}, so this draft is in "
                                                 f"English (add $H2H_HOME/drafts/{ctx.request.lang}.toml)")
    return save(store, make(ctx, assemble(ctx.request, body.text), backend=body.backend, variants=body.variants,
                            note=note))


def from_row(ctx: Context, row: Any) -> Draft:
    draft = make(ctx, row["text"], backend=row["backend"], variants=tuple(json.loads(row["variants"] or "[]")),
                 note=row["note"] or "", edited=bool(row["edited"]))
    return draft._replace(id=row["id"], created_at=row["created_at"], intent=row["intent"] or draft.intent,
                   lang=row["lang"] or draft.lang)


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


