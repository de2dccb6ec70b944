"""The template drafter: every intent in English and French, personal, signed,
within the platform's limit, and never the same sentence twice in a row."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from h2h.draft import compose, limits, phrases
from h2h.draft.base import DraftRequest
from h2h.draft.templates import TemplateDrafter, pick
from h2h.draft.topic import Topic
from tests.draft.world import World

INTENTS = ("question", "problem", "request", "praise", "hostile", "default")


def request(**kw: object) -> DraftRequest:
    base = DraftRequest(conversation="abcd1234", source="masto", platform="mastodon", lang="en", intent="question",
                        opener="", handle="@marie@piaille.fr", name="Marie Dubois", first_name="Marie", topic=None,
                        thread=(), history=(), me="Alex", signature="— Alex, Acme", mention="@marie@piaille.fr",
                        limit=limits.PLATFORMS["mastodon"])
    return replace(base, **kw)  # type: ignore[arg-type]


def lines_of(lang: str, intent: str) -> set[str]:
    i = phrases.load(lang).intents[intent]
    return {line.text for line in (*i.topic, *i.noun, *i.plain, *i.next) if line.text}


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("intent", INTENTS)
def test_each_intent_in_each_language(lang: str, intent: str) -> None:
    topic = Topic("exporting your notes" if lang == "en" else "exporter vos notes", "verb")
    body = TemplateDrafter().compose(request(lang=lang, intent=intent, topic=topic))
    assert body.backend == "template" and body.text
    assert body.variants and all(v.startswith(f"{lang}:") for v in body.variants)
    assert any(v.startswith(f"{lang}:{intent}.") for v in body.variants)
    assert "Marie" in body.text                       # by name, hostile included
    assert "{" not in body.text and "}" not in body.text
    if intent == "hostile":
        assert "\n" not in body.text                  # one calm line, no greeting
        assert len(re.findall(r"[.!?]", body.text)) <= 3
    else:
        greeting = body.text.split("\n")[0]
        assert greeting in {g.text.format(first_name="Marie") for g in phrases.load(lang).greeting}
    if intent in ("question", "problem", "request"):
        assert topic.text in body.text                # a reference to what they asked


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("opener", ["first_contact", "returning"])
def test_first_contact_and_returning_person(lang: str, opener: str) -> None:
    body = TemplateDrafter().compose(request(lang=lang, opener=opener))
    ids = [v for v in body.variants if v.startswith(f"{lang}:opener.{opener}.")]
    assert len(ids) == 1
    welcome = {line.text for line in phrases.load(lang).openers[opener]}
    assert any(w in body.text for w in welcome)


def test_no_welcome_for_praise_or_hostility() -> None:
    for intent in ("praise", "hostile"):
        body = TemplateDrafter().compose(request(intent=intent, opener="first_contact"))
        assert not any(".opener." in v for v in body.variants)


def test_a_noun_topic_may_use_noun_only_lines_in_french() -> None:
    seen = set()
    for n in range(40):
        body = TemplateDrafter().compose(request(lang="fr", intent="question", conversation=f"c{n}",
                                                 topic=Topic("la synchro", "noun")))
        seen.update(v for v in body.variants if v.startswith("fr:question."))
        assert "la synchro" in body.text
    assert any(".noun." in v for v in seen) and any(".topic." in v for v in seen)
    for n in range(20):
        body = TemplateDrafter().compose(request(lang="fr", intent="question", conversation=f"c{n}",
                                                 topic=Topic("exporter vos notes", "verb")))
        assert not any(".noun." in v for v in body.variants)   # "sur exporter" would be wrong


def test_an_unknown_language_falls_back_to_english() -> None:
    body = TemplateDrafter().compose(request(lang="xx"))
    assert all(v.startswith("en:") for v in body.variants)


def test_pick_never_reuses_what_the_previous_person_got() -> None:
    lines = phrases.load("en").intents["question"].plain
    for seed in ("a", "b", "c", "d"):
        first = pick(lines, seed)
        second = pick(lines, seed, avoid=frozenset({first.id}))
        assert second.id != first.id


def test_pick_prefers_lines_not_used_lately() -> None:
    lines = phrases.load("en").greeting     # four lines
    recent = (lines[0].id, lines[1].id, lines[2].id)
    assert pick(lines, "x", recent=recent).id == lines[3].id
    # Every line used lately: the one used longest ago.
    recent = (lines[3].id, lines[0].id, lines[1].id, lines[2].id)
    assert pick(lines, "x", recent=recent).id == lines[2].id


# --- through the store: what `h2h draft` does --------------------------------------------

def sentences(text: str) -> set[str]:
    body = "\n".join(text.split("\n")[1:-1])          # without greeting line and signature
    return {s.strip() for s in re.split(r"(?<=[.!?])\s+", body) if s.strip()}


def test_two_people_in_a_row_never_get_the_same_sentence() -> None:
    w = World()
    people = [(f"@p{n}@example.social", f"Person{n} Test") for n in range(12)]
    ids = [w.say("how do I export my notes?", handle=h, name=n) for h, n in people]
    drafts = [compose.new_draft(w.store, w.config, w.engine, i) for i in ids]
    for a, b in zip(drafts, drafts[1:]):
        assert not set(a.variants) & set(b.variants)
        assert not sentences(a.text) & sentences(b.text), (a.text, b.text)


def test_the_same_conversation_drafts_the_same_text_when_nothing_else_happened() -> None:
    w = World()
    ident = w.say("how do I export my notes?")
    a = compose.new_draft(w.store, w.config, w.engine, ident)
    b = compose.new_draft(w.store, w.config, w.engine, ident)
    assert a.text == b.text and a.id != b.id


def test_another_variant_changes_the_wording() -> None:
    w = World()
    ident = w.say("how do I export my notes?")
    a = compose.new_draft(w.store, w.config, w.engine, ident)
    b = compose.new_draft(w.store, w.config, w.engine, ident, another=True)
    assert a.text != b.text
    assert not set(a.variants) & set(b.variants)


@pytest.mark.parametrize("text,lang,intent,topic", [
    ("@acme how do I export a single notebook as PDF?", "en", "question", "exporting a single notebook as PDF"),
    ("@acme Comment j'exporte toutes mes notes d'un coup ?", "fr", "question", "exporter toutes vos notes d'un coup"),
    ("@acme thank you, this app is wonderful, love it", "en", "praise", ""),
    ("@acme merci, l'appli est géniale, bravo à toute l'équipe", "fr", "praise", ""),
])
def test_drafts_from_real_messages(text: str, lang: str, intent: str, topic: str) -> None:
    w = World()
    ident = w.say(text, lang=lang)
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    assert (d.lang, d.intent, d.backend, d.opener) == (lang, intent, "template", "first_contact")
    assert d.text.startswith("@marie@piaille.fr ")          # Mastodon notifies only whom a post mentions
    assert "Marie" in d.text and d.text.endswith("\n— Alex, Acme")
    assert d.topic == topic
    assert d.limit == 500 and d.length == limits.count(d.text, limits.MASTODON) and d.unit == "mastodon"
    assert not d.lint, d.lint


def test_a_returning_person_is_greeted_as_one() -> None:
    w = World()
    first = w.say("how do I export my notes?")
    w.say("@marie here is how: Settings > Export", handle="@acme@mastodon.social", name="Acme", from_me=True,
          in_reply_to="m1")
    second = w.say("and can I import them back?", minutes=600)
    assert first != second
    d = compose.new_draft(w.store, w.config, w.engine, second)
    assert d.opener == "returning"


@pytest.mark.parametrize("name,handle,expected", [
    ("Marie Dubois", "@marie@piaille.fr", "Marie"),
    ("", "@marie@piaille.fr", "marie"),
    ("🦊🦊", "@fox@example.social", "fox"),
    ("", "alice.bsky.social", "alice"),
    ("Dr. Okafor", "@sokafor@infosec.exchange", "Dr. Okafor"),
    ("Le Corbeau", "@lecorbeau@mamot.fr", "Le Corbeau"),
    ("", "octocat", "octocat"),
])
def test_first_name_else_the_handle(name: str, handle: str, expected: str) -> None:
    assert compose.first_name_for(name, handle) == expected


@pytest.mark.parametrize("platform,handle,mention", [
    ("mastodon", "@marie@piaille.fr", "@marie@piaille.fr"),
    ("bluesky", "marie.bsky.social", ""),
    ("github", "marie", ""),
    ("x", "marie", ""),
    ("stackexchange", "marie", "@MarieDubois"),
])
def test_the_mention_each_platform_needs(platform: str, handle: str, mention: str) -> None:
    w = World()
    ident = w.say("how do I export my notes?", platform=platform, handle=handle, name="Marie Dubois",
                  source=platform)
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    first_word = d.text.split(" ")[0]
    assert first_word == mention if mention else not first_word.startswith("@")
    assert "Marie" in d.text


def test_a_long_body_is_trimmed_to_the_limit_keeping_mention_and_signature() -> None:
    req = request(platform="x", mention="", limit=limits.PLATFORMS["x"])
    body = "Hi Marie,\n" + "漢字のテキスト。" * 60
    text = compose.assemble(req, body)
    assert limits.PLATFORMS["x"].fits(text)
    assert text.startswith("Hi Marie,") and text.endswith("\n— Alex, Acme")
    masto = request()
    text = compose.assemble(masto, "Hi Marie, " + "word " * 200)
    assert text.startswith("@marie@piaille.fr Hi Marie,") and limits.PLATFORMS["mastodon"].fits(text)


def test_intent_from_section_and_signals() -> None:
    assert compose.intent_for("careful", {}) == "hostile"
    assert compose.intent_for("reply", {"toxic": 0.9, "question": 0.9}) == "hostile"
    assert compose.intent_for("reply", {"complaint": 0.8, "question": 0.9}) == "problem"
    assert compose.intent_for("reply", {"question": 0.8, "request": 0.6}) == "question"
    assert compose.intent_for("reply", {"request": 0.6}) == "request"
    assert compose.intent_for("reply", {"question": 0.3, "complaint": 0.25}) == "question"
    assert compose.intent_for("thanks", {"positive": 0.9}) == "praise"
    assert compose.intent_for("reply", {}) == "default"
    assert compose.intent_for("noise", {"question": 0.9}) == "default"


def test_hostility_gets_the_advice_not_to_reply() -> None:
    w = World()
    ident = w.say("@acme you idiots, clown company, garbage product, scam")
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    assert d.intent == "hostile"
    assert "\n" in d.text and d.text.count("\n") == 1          # one line, then the signature
    assert "ignore" in d.advice


def test_a_language_without_phrases_says_so() -> None:
    w = World()
    ident = w.say("¿Cómo exporto mis notas?", lang="es")
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    assert d.lang == "es" and all(v.startswith("en:") for v in d.variants)
    assert "es.toml" in d.note


def test_a_language_added_as_a_data_file(home) -> None:   # type: ignore[no-untyped-def]
    from importlib.resources import files

    (home / "drafts").mkdir(parents=True)
    text = files("h2h").joinpath("data/drafts/en.toml").read_text(encoding="utf-8")
    text = text.replace('"Hi {first_name},", "Hello {first_name},", "Hey {first_name},", "Hi {first_name}!"',
                        '"Hola {first_name},"')
    (home / "drafts" / "es.toml").write_text(text, encoding="utf-8")
    phrases.reset()
    try:
        w = World()
        ident = w.say("¿Cómo exporto mis notas?", lang="es")
        d = compose.new_draft(w.store, w.config, w.engine, ident)
        assert "Hola Marie," in d.text and d.variants[0].startswith("es:") and not d.note
    finally:
        phrases.reset()


def test_a_broken_language_file_is_a_config_error(home) -> None:  # type: ignore[no-untyped-def]
    from h2h.errors import ConfigError

    (home / "drafts").mkdir(parents=True)
    (home / "drafts" / "de.toml").write_text('[greeting]\nlines = "Hallo"\n[topic]\npatterns = [{ re = "(" }]\n')
    phrases.reset()
    try:
        with pytest.raises(ConfigError) as err:
            phrases.load("de")
        assert "greeting.lines" in str(err.value) and "intent.question" in str(err.value)
        assert "regular expression" in str(err.value)
    finally:
        phrases.reset()


def test_hostile_input_makes_a_clean_draft() -> None:
    w = World()
    ident = w.say("\x1b]0;pwn\x07how do I \u202eexport\u202c my [bold red]notes[/bold red]?\x1b[2J",
                  name="\x1b[31mMarie\x1b[0m Dubois")
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", d.text)
    assert "Marie" in d.text
