"""The default drafter: short, personal templates in the person's language.

Offline, deterministic and instant. It greets the person by name, reacts to
what they said, and is signed by a human. Wording is ours (no third-party text).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from h2h.models import Draft
from h2h.textutil import first_name, inert, truncate

PHRASES: dict[str, dict[str, list[str]]] = {
    "en": {
        "greet": ["Hi {name},", "Hello {name},", "Hey {name},"],
        "welcome": ["Welcome, and thanks for reaching out!", "Glad you found us, and thanks for writing."],
        "returning": ["Good to hear from you again.", "Nice to see you back."],
        "question": ["Good question about {topic}. Here is what I know:", "About {topic}: let me answer that properly.",
                     "Thanks for asking about {topic}. Short answer:"],
        "problem": ["Sorry {topic} is giving you trouble. I'm looking into it now.",
                    "That sounds frustrating. Could you tell me a bit more about {topic} so I can help?",
                    "Thanks for flagging {topic}. I'll dig in and get back to you."],
        "request": ["Happy to help with {topic}.", "Sure, let's sort out {topic} together."],
        "praise": ["Thank you, that made my day!", "Thanks a lot, really glad it helps.", "That's kind of you, thank you!"],
        "hostile": ["I hear you're unhappy. If you tell me what went wrong, I'll do my best to fix it."],
        "default": ["Thanks for the mention!", "Thanks for writing, what can I do for you?"],
    },
    "fr": {
        "greet": ["Bonjour {name},", "Salut {name},", "Hello {name},"],
        "welcome": ["Bienvenue, et merci de nous avoir écrit !", "Ravi que vous nous ayez trouvés, merci pour votre message."],
        "returning": ["Content de vous relire.", "Ravi de vous revoir par ici."],
        "question": ["Bonne question sur {topic}. Voici ce que je sais :", "Pour {topic}, je vous réponds tout de suite :",
                     "Merci de demander pour {topic}. En bref :"],
        "problem": ["Désolé que {topic} vous pose problème. Je regarde ça maintenant.",
                    "C'est frustrant, je comprends. Pouvez-vous m'en dire un peu plus sur {topic} ?",
                    "Merci de signaler {topic}. Je m'en occupe et je reviens vers vous."],
        "request": ["Avec plaisir pour {topic}.", "Bien sûr, regardons {topic} ensemble."],
        "praise": ["Merci beaucoup, ça fait plaisir !", "Merci, ravi que ça vous serve !", "C'est gentil, merci !"],
        "hostile": ["Je comprends que vous soyez mécontent. Dites-moi ce qui n'a pas marché et je ferai de mon mieux pour arranger ça."],
        "default": ["Merci pour la mention !", "Merci pour votre message, que puis-je faire pour vous ?"],
    },
}
TOPIC_FALLBACK = {"en": "this", "fr": "ça"}
LIMITS = {"mastodon": 500, "bluesky": 300, "x": 280, "twitter": 280}
NEEDS_MENTION = {"mastodon", "bluesky", "x", "twitter"}


@dataclass(frozen=True)
class DraftContext:
    conversation: str
    platform: str
    handle: str
    name: str
    lang: str | None
    intent: str                 # question, problem, request, praise, hostile, default
    first_contact: bool
    topic: str                  # a few words of what they said
    me_name: str
    signature: str = ""
    limit: int | None = None


def intent_for(section: str, signals: dict[str, float]) -> str:
    if section == "careful":
        return "hostile"
    if section == "thanks":
        return "praise"
    ranked = sorted(("question", "complaint", "request"), key=lambda k: -signals.get(k, 0.0))
    top = ranked[0]
    if signals.get(top, 0.0) < 0.2:
        return "default"
    return "problem" if top == "complaint" else top


def _pick(options: list[str], seed: str) -> str:
    digest = int(hashlib.sha1(seed.encode("utf-8", "replace")).hexdigest(), 16)
    return options[digest % len(options)]


def draft(ctx: DraftContext) -> Draft:
    lang = ctx.lang if ctx.lang in PHRASES else "en"
    phrases = PHRASES[lang]
    name = first_name(ctx.name) or inert(ctx.handle).lstrip("@").split("@")[0] or ""
    topic = ctx.topic or TOPIC_FALLBACK[lang]
    seed = ctx.conversation
    parts = []
    if ctx.platform in NEEDS_MENTION and ctx.handle:
        parts.append(inert(ctx.handle) if ctx.handle.startswith("@") else "@" + inert(ctx.handle))
    parts.append(_pick(phrases["greet"], seed + "g").format(name=name))
    body = []
    if ctx.first_contact and ctx.intent != "hostile":
        body.append(_pick(phrases["welcome"], seed + "w"))
    body.append(_pick(phrases[ctx.intent if ctx.intent in phrases else "default"], seed + "i").format(topic=topic))
    sign = ctx.signature or (f"— {ctx.me_name}" if ctx.me_name else "")
    text = " ".join(parts) + "\n" + " ".join(body) + ("\n" + sign if sign else "")
    limit = ctx.limit or LIMITS.get(ctx.platform)
    if limit and len(text) > limit:
        text = truncate(text, limit)
    return Draft(conversation=ctx.conversation, text=text, backend="template", lang=lang, limit=limit,
                 length=len(text), intent=ctx.intent)


def topic_of(text: str, words: int = 6) -> str:
    """The first few words of what they said, quoted, or '' if nothing useful."""
    import re

    cleaned = re.sub(r"https?://\S+|(?<!\w)@[\w.@-]+|#", " ", inert(text))
    tokens = [t for t in cleaned.split() if t]
    if not tokens:
        return ""
    snippet = " ".join(tokens[:words]).rstrip(".,;:!?")
    return f"“{snippet}{'…' if len(tokens) > words else ''}”"
