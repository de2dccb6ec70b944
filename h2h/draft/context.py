"""A conversation as a drafter sees it: who the person is, what each unanswered
message asks, what we already know that answers it, and what the reply must
respect (the platform's limit and mention, the lines used lately).

    context(store, config, engine, ident, ground=True)   everything a drafter needs (compose.new_draft)
    context(store, config, engine, ident)                the same without searching (re-linting a draft)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from h2h import clock
from h2h.draft import limits, phrases
from h2h.draft.base import DraftRequest, Message
from h2h.draft.mention import mention_for
from h2h.draft.topic import topic_of
from h2h.textutil import first_name as _first_name
from h2h.textutil import inert

STRONG = 0.5      # a signal this strong decides the intent
WEAK = 0.2        # below this a signal says nothing
TROLL = 0.6       # hostility from which not replying is the advice
RECENT_DRAFTS = 5
RECENT_TEXTS = 60   # the drafts whose sentences a new draft avoids repeating a third time
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
    notes: tuple[str, ...] = ()    # for the person drafting (e.g. the knowledge file is missing)


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
    if first and not (len(words) > 1 and first.islower()):   # "hard takes only" is a motto, not a name
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


def reply_language(view: Mapping[str, Any], config: Any) -> str:
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


ASKING = ("question", "problem", "request")
SOURCES = ("template", "knowledge", "memory", "llm")


def _grounding(store: Any, config: Any, text: str, lang: str, conversation: str, source: str | None,
               intent: str = "question") -> Any:
    """The knowledge entry or past answer to answer `text` from: the best one above the
    threshold, or with `source` the closest of that kind whatever its similarity."""
    from h2h.draft import memory

    if source == "template":
        return None
    kinds = {"knowledge": ("knowledge",), "memory": ("answers",)}.get(source or "", ("knowledge", "answers"))
    found = memory.search(store, config, text, lang, kinds=kinds, exclude_conversation=conversation)
    usable = [m for m in found if m.kind == "knowledge" or m.lang == lang]   # a past answer is reused as written
    if source in ("knowledge", "memory"):
        return usable[0] if usable else None
    threshold = memory.PROBLEM_THRESHOLD if intent == "problem" else memory.THRESHOLD
    from h2h.draft import reading

    return memory.best(usable, max(threshold, memory.WISH_THRESHOLD) if reading.says(text, "wish") else threshold)


def _adapted(store: Any, match: Any, lang: str, first_name: str) -> Any:
    """A past answer adapted to the new person (a knowledge entry comes in the reply's language
    from the search already)."""
    from h2h.draft import memory

    if match is None:
        return None
    if match.kind == "answer":
        return match._replace(answer=memory.adapt(match, first_name))
    return match


def _seen(store: Any, conversation: str) -> dict[str, int]:
    from h2h.draft.templates import sentences

    counts: dict[str, int] = {}
    for text in store.recent_draft_texts(exclude=conversation, limit=RECENT_TEXTS):
        for sentence in set(sentences("\n".join(text.split("\n")[:-1]) or text)):  # the signature aside
            counts[sentence] = counts.get(sentence, 0) + 1
    return counts


def _elsewhere(store: Any, view: Mapping[str, Any]) -> tuple[int, float, list[str]]:
    """The person's other open conversations: how many messages of theirs wait there, the
    longest wait, and those that started before this one (then this one chases them)."""
    first = view["messages"][0]["created_at"] if view["messages"] else ""
    now = clock.now()
    messages, longest, earlier = 0, 0.0, []
    for h in view["history"]:
        if h["state"] not in ("open", "snoozed") or h["section"] != "reply":
            continue
        conv = store.conversation(h["id"])
        messages += conv["unanswered"] or 0
        since = conv["waiting_since"] or conv["last_at"]
        if since:
            longest = max(longest, (now - clock.from_iso(since)).total_seconds())
        if h["first_at"] < first:
            earlier.append(h["id"])
    return messages, longest, earlier


def _unanswered_texts(store: Any, engine: Any, key: str) -> list[str]:
    from h2h.app import inbox

    return [m["text"] for m in unanswered(inbox.conversation(store, engine, key))]


def context(store: Any, config: Any, engine: Any, ident: str, *, another: bool = False,
            history: bool = False, ground: bool = False, source: str | None = None, pick: Any = None) -> Context:
    """Everything a drafter needs for conversation `ident`. `history` also reads the texts of
    the person's earlier conversations (for a language model; templates do not need them).
    `ground` searches our knowledge and past answers for what they asked (a new draft does;
    re-linting a stored one does not need to); `source` ("template", "knowledge", "memory")
    chooses what the draft starts from; `pick`, a match from `closest`, imposes it."""
    from h2h.app import inbox
    from h2h.draft import knowledge, memory, reading
    from h2h.draft.base import Part

    view = inbox.conversation(store, engine, ident)
    conv = store.conversation(view["id"])
    knowledge_note = ""
    if ground:
        memory.refresh(store, config)
        _problems, knowledge_note = knowledge.sync(store, config)
    else:
        source = "template"
    addressed_by = {m["remote_id"]: bool(m["to_me"]) for m in store.conversation_messages(conv)}
    theirs = unanswered(view)
    lang = reply_language(view, config)
    language = phrases.load(lang)
    mine = [m["text"] for m in view["messages"] if m["role"] == "person"]
    register = reading.register_of(mine, lang)
    person = view["person"]
    first = first_name_for(person["name"] or "", person["handle"])
    merged: dict[str, float] = {}
    parts: list[Any] = []
    for m in theirs:
        signals = engine.analyze(m["text"], view.get("lang")).values()
        for name, value in signals.items():
            merged[name] = max(merged.get(name, 0.0), value)
        intent = reading.intent_of(view["section"], signals, m["text"], addressed=addressed_by.get(m["id"], True))
        match = _grounding(store, config, m["text"], lang, view["id"], source, intent) if intent in ASKING else None
        topic = topic_of(m["text"], language, register, questions_only=intent == "question")
        parts.append(Part(m["text"], intent, topic, match))
    parts = _what_to_answer(parts)
    elsewhere, longest, earlier = _elsewhere(store, view)
    if parts and parts[0].intent in ASKING and parts[0].match is None and (len(theirs) > 1 or earlier):
        # Their messages together, and those of the conversation this one chases: the same question.
        together = "\n".join([m["text"] for m in theirs] + [t for key in earlier for t in _unanswered_texts(store,
                                                                                                         engine, key)])
        parts[0] = parts[0]._replace(match=_grounding(store, config, together, lang, view["id"], source,
                                                      parts[0].intent))
    if pick is not None and parts:
        parts[0] = parts[0]._replace(match=pick)
    parts = [p._replace(match=_adapted(store, p.match, lang, first)) for p in parts]
    intent = intent_for(view["section"], merged) if not parts else \
        ("hostile" if any(p.intent == "hostile" for p in parts) else parts[0].intent)
    chaser = intent in ASKING and (reading.chasing(m["text"] for m in theirs) or bool(earlier))
    avoid: set[str] = set()
    recent = store.recent_draft_variants(exclude=view["id"], limit=RECENT_DRAFTS)
    if recent:
        avoid |= set(recent[0])
    if another:
        for ids in store.draft_variants_of(view["id"]):
            avoid |= set(ids)
    primary_text = "\n".join(p.text for p in parts[:1]) or "\n".join(m["text"] for m in theirs)
    matches = tuple(memory.search(store, config, primary_text, lang, exclude_conversation=view["id"])) \
        if intent in ASKING and source != "template" else ()
    request = DraftRequest(
        conversation=view["id"], source=view["source"], platform=view["platform"], lang=lang,
        intent="chaser" if chaser else intent,
        opener="returning" if view["history"] or any(m["role"] in ("me", "team") for m in view["messages"]) else "first_contact",
        handle=person["handle"], name=person["name"] or "", first_name=first,
        topic=parts[0].topic if parts else None, thread=_messages(view["messages"]),
        history=_history(store, view) if history else (), me=config.me.name, signature=signature_for(config),
        mention=mention_for(view["platform"], person["handle"], person["name"] or ""),
        limit=limit_for_source(store, config, view["source"], view["platform"]),
        style=getattr(config.draft, "style", "") or "", avoid=frozenset(avoid),
        recent=tuple(i for ids in recent for i in ids), hostility=merged.get("toxic", 0.0),
        vip=bool(person["vip"]), addressed=any(addressed_by.get(m["id"], True) for m in theirs) if theirs else True,
        register=register, waited_s=max(float(view["waiting_s"]), longest), sla_s=engine.sla_s,
        wrote=len(theirs) + elsewhere, wrote_elsewhere=elsewhere, chaser=chaser, need=intent if chaser else "",
        given=reading.given(mine), parts=tuple(parts), matches=matches, seen=_seen(store, view["id"]))
    advice = ""
    if intent == "hostile" and request.hostility >= TROLL:
        advice = ("This reads as an insult, not a problem to solve: often the best answer is none "
                  f"(`h2h ignore {view['id']}`). If you answer, one calm line is enough.")
    elif view["section"] == "noise":
        advice = "This looks automated, like spam, or our own post: it usually needs no reply."
    return Context(view=view, request=request, in_reply_to=theirs[-1] if theirs else None, advice=advice,
                   notes=(knowledge_note,) if knowledge_note else ())


def _what_to_answer(parts: list[Any]) -> list[Any]:
    """The main thing first (the first message that asks something), then at most one other
    thing they asked that is not the same (another topic, another answer)."""
    if not parts:
        return parts
    asking = [p for p in parts if p.intent in ASKING]
    if not asking:
        return [parts[-1]]
    main, rest = asking[0], asking[1:]
    others = [p for p in rest if p.topic and (p.match is None or main.match is None or p.match.ref != main.match.ref)
              and (not main.topic or p.topic.text != main.topic.text)]
    return [main, *others[:1]]
