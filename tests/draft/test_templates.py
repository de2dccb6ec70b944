"""The template drafter: each rule of a reply that fits the person and the moment,
in English and French, within the platform's limit, and never the same sentence
over and over."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from h2h.draft import compose, limits, phrases
from h2h.draft.base import DraftRequest, Part
from h2h.draft.lint import lint
from h2h.draft.memory import Match
from h2h.draft.templates import TemplateDrafter, pick, promise, sentences, times, waited
from h2h.draft.topic import Topic
from tests.draft.world import World

DAY = 86400.0
TOPIC = {"en": Topic("exporting your notes", "verb"), "fr": Topic("exporter vos notes", "verb")}
ANSWER = {"en": "Settings → Data → Export all gives you a zip of Markdown files.",
          "fr": "Réglages → Données → Tout exporter vous donne un zip de fichiers Markdown."}


def request(**kw: object) -> DraftRequest:
    base = DraftRequest(conversation="abcd1234", source="masto", platform="mastodon", lang="en", intent="question",
                        opener="", handle="@marie@piaille.fr", name="Marie Dubois", first_name="Marie", topic=None,
                        thread=(), history=(), me="Alex", signature="— Alex, Acme", mention="@marie@piaille.fr",
                        limit=limits.PLATFORMS["mastodon"])
    return replace(base, **kw)  # type: ignore[arg-type]


def knowledge(lang: str, answer: str | None = None, link: str = "https://acme.example/help/export") -> Match:
    return Match("knowledge", "kb:export", 0.9, "How do I export?", answer or ANSWER[lang], lang, link=link,
                 origin="faq.md:1")


def part(lang: str, intent: str = "question", *, match: Match | None = None, topic: bool = True) -> Part:
    return Part("how do I export my notes?", intent, TOPIC[lang] if topic else None, match)


def write(**kw: object) -> str:
    return TemplateDrafter().compose(request(**kw)).text


def body_of(text: str) -> str:
    return "\n".join(text.split("\n")[1:])   # without the greeting line


def said_in(draft_text: str) -> set[str]:
    """The sentences of a stored draft, without its greeting line and signature."""
    return set(sentences("\n".join(draft_text.split("\n")[1:-1])))


LANGS = pytest.mark.parametrize("lang", ["en", "fr"])
TONE = ("placeholder", "apology", "valued_customer", "policy", "ticket", "jargon", "all_caps")


# --- intent -------------------------------------------------------------------------------

@LANGS
def test_a_question_we_know_gets_the_answer_and_its_link(lang: str) -> None:
    b = TemplateDrafter().compose(request(lang=lang, parts=(part(lang, match=knowledge(lang)),)))
    assert ANSWER[lang] in b.text and "https://acme.example/help/export" in b.text
    assert b.backend == "knowledge" and b.grounding is not None
    assert "?" not in body_of(b.text)                  # an answer, not more questions


@LANGS
def test_a_question_we_do_not_know_gets_an_honest_promise(lang: str) -> None:
    text = write(lang=lang, parts=(part(lang),), sla_s=4 * 3600)
    asking = {"en": "team", "fr": "équipe"}[lang]
    when = {"en": "within 4 hours", "fr": "d'ici 4 heures"}[lang]
    assert asking in text and when in text
    assert TOPIC[lang].text in text


@LANGS
def test_a_problem_gets_one_line_of_empathy_and_one_next_step(lang: str) -> None:
    b = TemplateDrafter().compose(request(lang=lang, intent="problem", parts=(part(lang, "problem"),)))
    said = sentences(body_of(b.text))
    sorry = {"en": "sorry", "fr": "désolé"}[lang]
    assert sum(sorry in s for s in said) == 1
    assert sum("?" in s for s in said) == 1            # one question: the one detail we need
    assert any(v.startswith(f"{lang}:problem.ask_version_device") for v in b.variants)


@LANGS
def test_a_problem_never_asks_for_what_they_already_said(lang: str) -> None:
    only_device = TemplateDrafter().compose(request(lang=lang, intent="problem", parts=(part(lang, "problem"),),
                                                    given=frozenset({"version"})))
    assert any(v.startswith(f"{lang}:problem.ask_device") for v in only_device.variants)
    everything = TemplateDrafter().compose(request(lang=lang, intent="problem", parts=(part(lang, "problem"),),
                                                   given=frozenset({"version", "device", "log"})))
    assert "?" not in body_of(everything.text)
    assert any(v.startswith(f"{lang}:problem.passed") for v in everything.variants)


@LANGS
def test_a_known_problem_gets_the_fix(lang: str) -> None:
    b = TemplateDrafter().compose(request(lang=lang, intent="problem",
                                          parts=(part(lang, "problem", match=knowledge(lang)),)))
    assert ANSWER[lang] in b.text and b.backend == "knowledge"
    assert "?" not in body_of(b.text)


@LANGS
def test_praise_gets_thanks_and_no_pitch(lang: str) -> None:
    for n in range(8):
        text = write(lang=lang, intent="praise", opener="first_contact", conversation=f"c{n}",
                     parts=(Part("love it", "praise"),), waited_s=3 * DAY, sla_s=3600)
        said = sentences(body_of(text))
        assert len(said) == 1 and re.search(r"thank|merci", said[0])
        assert not re.search(r"try|check out|upgrade|pro plan|essayez|découvrez|welcome|bienvenue|sorry|désolé",
                             said[0])


@LANGS
def test_a_chaser_gets_an_apology_for_the_wait_and_the_status(lang: str) -> None:
    b = TemplateDrafter().compose(request(lang=lang, intent="chaser", chaser=True, need="question", wrote=2,
                                          waited_s=2 * DAY, parts=(part(lang),)))
    said = sentences(body_of(b.text))
    assert re.search(r"sorry|désolé", said[0])
    assert re.search({"en": r"twice", "fr": r"deux fois"}[lang], said[0])
    assert any(v.startswith(f"{lang}:chaser.") for v in b.variants)
    known = TemplateDrafter().compose(request(lang=lang, intent="chaser", chaser=True, wrote=2, waited_s=2 * DAY,
                                              parts=(part(lang, match=knowledge(lang)),)))
    assert ANSWER[lang] in known.text


@LANGS
def test_hostility_gets_one_calm_line(lang: str) -> None:
    text = write(lang=lang, intent="hostile", parts=(Part("you idiots", "hostile"),), waited_s=3 * DAY)
    assert "\n" not in text and "Marie" in text and len(sentences(text)) <= 2


# --- who they are --------------------------------------------------------------------------

@LANGS
def test_only_a_first_contact_is_welcomed(lang: str) -> None:
    welcome = {"en": r"welcome|nice to meet|glad you found|good to meet|great to have|reaching us",
               "fr": r"bienvenue|connaissance|trouvés|écrire|passé par ici"}[lang]
    for n in range(6):
        first = TemplateDrafter().compose(request(lang=lang, opener="first_contact", conversation=f"c{n}",
                                                  parts=(part(lang),)))
        assert any(":opener.first_contact." in v for v in first.variants)
        back = TemplateDrafter().compose(request(lang=lang, opener="returning", conversation=f"c{n}",
                                                 parts=(part(lang),)))
        assert any(":opener.returning." in v for v in back.variants)
        assert not re.search(welcome, back.text, re.I)


@LANGS
def test_a_vip_is_never_welcomed_and_hears_back_within_the_hour(lang: str) -> None:
    for n in range(5):
        b = TemplateDrafter().compose(request(lang=lang, opener="first_contact", vip=True, conversation=f"c{n}",
                                              parts=(part(lang, match=knowledge(lang)),)))
        assert not any(":opener.first_contact." in v for v in b.variants)
        assert any(":opener.vip." in v for v in b.variants)
        assert {"en": "within the hour", "fr": "dans l'heure"}[lang] in b.text


@LANGS
def test_a_wait_past_the_sla_gets_an_apology_saying_how_long(lang: str) -> None:
    late = write(lang=lang, opener="returning", parts=(part(lang),), waited_s=3 * DAY + 3600, sla_s=4 * 3600)
    assert re.search({"en": r"sorry.*3 days|3 days.*sorry", "fr": r"désolé.*3 jours|3 jours.*désolé"}[lang],
                     late, re.I)
    soon = write(lang=lang, opener="returning", parts=(part(lang),), waited_s=3600, sla_s=4 * 3600)
    assert not re.search(r"sorry for the wait|waited|attente|attendre", soon, re.I)


@LANGS
def test_someone_who_wrote_several_times_hears_it(lang: str) -> None:
    text = write(lang=lang, opener="returning", parts=(part(lang),), waited_s=2 * DAY, wrote=3, wrote_elsewhere=2)
    assert {"en": "three times", "fr": "trois fois"}[lang] in text
    # Two messages saying one thing, under the SLA: no "you had to write twice".
    calm = write(lang=lang, opener="returning", parts=(part(lang),), waited_s=600, wrote=2)
    assert not re.search(r"twice|deux fois", calm)


def test_french_says_tu_to_someone_who_says_tu_and_vous_otherwise() -> None:
    tu = " ".join(write(lang="fr", register="familiar", intent="problem", conversation=f"c{n}",
                        parts=(part("fr", "problem"),)) for n in range(6))
    vous = " ".join(write(lang="fr", register="polite", intent="problem", conversation=f"c{n}",
                          parts=(part("fr", "problem"),)) for n in range(6))
    assert re.search(r"\b(?:tu|te|t'|toi|ton|ta|tes|utilises)\b", tu) and not re.search(r"\b(?:vous|votre)\b", tu)
    assert re.search(r"\bvous\b", vous) and not re.search(r"\b(?:tu|toi|utilises)\b", vous)
    assert any(tu.count(g) for g in ("Salut Marie", "Hello Marie"))


def test_english_greets_a_casual_person_casually() -> None:
    casual = {write(register="familiar", conversation=f"c{n}", parts=(part("en"),)).split("\n")[0] for n in range(8)}
    polite = {write(register="polite", conversation=f"c{n}", parts=(part("en"),)).split("\n")[0] for n in range(8)}
    assert all(g.startswith(("Hey", "Hi Marie!")) for g in casual)
    assert all(g.startswith(("Hi Marie,", "Hello Marie,")) for g in polite)


@LANGS
def test_someone_who_wrote_about_us_not_to_us_hears_from_the_team_without_promises(lang: str) -> None:
    text = write(lang=lang, addressed=False, parts=(part(lang),), waited_s=3 * DAY)
    assert re.search(r"team|équipe", text) and "Alex" in text or "team" in text or "équipe" in text
    assert not re.search(r"sorry|désolé|within|d'ici", text, re.I)


@LANGS
def test_a_question_to_others_we_cannot_answer_gets_an_offer_not_an_invitation_to_ask(lang: str) -> None:
    texts = {write(lang=lang, addressed=False, parts=(part(lang, topic=False),), conversation=f"c{n}")
             for n in range(6)}
    for text in texts:
        assert re.search(r"developers|développeurs", text) and not re.search(r"within|d'ici", text)
        assert not re.search(r"if you have a question|si vous avez une question", text, re.I)


# --- the platform's limit --------------------------------------------------------------------

@LANGS
def test_a_long_answer_is_shortened_by_sentences_keeping_the_link(lang: str) -> None:
    long = " ".join([ANSWER[lang]] + [f"Detail number {n} of the answer, said in a sentence." for n in range(12)])
    req = request(lang=lang, platform="bluesky", mention="", limit=limits.PLATFORMS["bluesky"], opener="first_contact",
                  parts=(part(lang, match=knowledge(lang, long)),), waited_s=3 * DAY)
    text = compose.assemble(req, TemplateDrafter().compose(req).text)
    assert limits.PLATFORMS["bluesky"].fits(text)
    assert ANSWER[lang] in text and "https://acme.example/help/export" in text
    assert text.endswith("\n— Alex, Acme") and not text.rstrip("— Alex, Acme").endswith("…")


def test_words_for_waits_counts_and_promises() -> None:
    en, fr = phrases.load("en").words, phrases.load("fr").words
    assert [waited(s, en) for s in (120, 3600, 5 * 3600 + 1800, DAY + 3600, 4 * DAY + 5 * 3600, 20 * DAY)] == \
        ["2 minutes", "an hour", "5 hours", "25 hours", "4 days", "2 weeks"]
    assert waited(2 * DAY, fr) == "2 jours" and waited(3600, fr) == "une heure"
    assert [times(n, en) for n in (1, 2, 3)] == ["once", "twice", "three times"]
    assert times(3, fr) == "trois fois"
    assert promise(request(sla_s=4 * 3600), en) == "within 4 hours"
    assert promise(request(sla_s=24 * 3600), fr) == "d'ici demain"
    assert promise(request(vip=True), en) == "within the hour"


# --- variety -----------------------------------------------------------------------------------

def test_pick_never_reuses_what_the_previous_person_got() -> None:
    lines = phrases.load("en").intents["question"].plain
    for seed in ("a", "b", "c", "d"):
        first = pick(lines, seed)
        second = pick(lines, seed, avoid=frozenset({first.id}))
        assert second.id != first.id


def test_a_sentence_already_used_twice_lately_is_not_used_a_third_time() -> None:
    first = write(parts=(part("en"),), opener="first_contact")
    seen = {s: 2 for s in sentences(first)}
    second = write(parts=(part("en"),), opener="first_contact", seen=seen)
    assert not set(sentences(second)) & {s for s in seen if s != "hi marie," and s != "hello marie,"}


def test_every_line_reads_as_a_person_in_both_registers() -> None:
    """No shipped line trips the tone lint or leaves a placeholder, whatever fills it."""
    values = {"first_name": "Marie", "topic": "the export", "answer": "It is under Settings.", "link":
              "https://acme.example/x", "waited": "3 days", "times": "twice", "promise": "within 4 hours", "me": "Alex"}
    for language in phrases.all_languages():
        pools = [language.greeting, language.familiar_greeting, *language.openers.values(),
                 *language.closing.values(), *language.also.values()]
        for intent in language.intents.values():
            pools += [intent.topic, intent.noun, intent.plain, intent.next, intent.answer, intent.cite,
                      intent.ask_version_device, intent.ask_version, intent.ask_device, intent.passed,
                      intent.calm_topic, intent.calm]
        for line in (line for pool in pools for line in pool if line.text):
            for said in {line.text, line.said("familiar")}:
                text = said.format_map(values)
                tone = [f for f in lint(text) if f.code in TONE]
                assert not tone, (line.id, text, tone)


# --- through the store: what `h2h draft` does ----------------------------------------------------

def test_two_people_in_a_row_never_get_the_same_sentence() -> None:
    w = World()
    people = [(f"@p{n}@example.social", f"Person{n} Test") for n in range(12)]
    ids = [w.say("how do I export my notes?", handle=h, name=n) for h, n in people]
    drafts = [compose.new_draft(w.store, w.config, w.engine, i) for i in ids]
    for a, b in zip(drafts, drafts[1:]):
        assert not set(a.variants) & set(b.variants)
        assert not said_in(a.text) & said_in(b.text), (a.text, b.text)


def test_no_sentence_more_than_twice_across_many_people() -> None:
    w = World()
    ids = [w.say(text, handle=f"@p{n}@example.social", name=f"P{n} Test")
           for n, text in enumerate(["how do I export my notes?", "the sync is broken since the update",
                                     "thank you, love the app!", "can I share a notebook?"] * 5)]
    counts: dict[str, int] = {}
    for i in ids:
        d = compose.new_draft(w.store, w.config, w.engine, i)
        for s in said_in(d.text):
            counts[s] = counts.get(s, 0) + 1
    assert max(counts.values()) <= 2, sorted(counts.items(), key=lambda kv: -kv[1])[:3]


def test_the_same_conversation_drafts_the_same_text_when_nothing_else_happened() -> None:
    w = World()
    ident = w.say("how do I export my notes?")
    a = compose.new_draft(w.store, w.config, w.engine, ident)
    b = compose.new_draft(w.store, w.config, w.engine, ident)
    assert a.text == b.text and a.id != b.id


@LANGS
def test_another_offers_at_least_three_different_wordings(lang: str) -> None:
    w = World()
    text = {"en": "how do I export my notes?", "fr": "comment j'exporte mes notes ?"}[lang]
    ident = w.say(text, lang=lang)
    texts = [compose.new_draft(w.store, w.config, w.engine, ident).text]
    texts += [compose.new_draft(w.store, w.config, w.engine, ident, another=True).text for _ in range(2)]
    assert len(set(texts)) == 3, texts


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
    assert "Marie" in d.text and d.text.endswith("\n— Alex, Acme") and d.text.count("— Alex, Acme") == 1
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
    ("hard takes only", "hxrdtake.bsky.social", "hxrdtake"),    # a motto, not a name
    ("marie", "@marie@piaille.fr", "marie"),
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
    assert compose.intent_for("reply", {"request": 0.6}) == "request"
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
    text = text.replace('lines = ["Hi {first_name},", "Hello {first_name},", "Hi {first_name},"]',
                        'lines = ["Hola {first_name},"]')
    (home / "drafts" / "es.toml").write_text(text, encoding="utf-8")
    phrases.reset()
    try:
        w = World()
        ident = w.say("¿Cómo exporto mis notas?", lang="es")
        d = compose.new_draft(w.store, w.config, w.engine, ident)
        assert "Hola Marie," in d.text and d.variants[0].startswith("es:") and "es.toml" not in d.note
    finally:
        phrases.reset()


def test_an_older_language_file_without_the_new_slots_still_drafts(home) -> None:  # type: ignore[no-untyped-def]
    """A user's file written before chasers, registers and knowledge: the new slots are optional."""
    (home / "drafts").mkdir(parents=True)
    intents = "".join(f'[intent.{i}]\nplain = ["Line for {i}."]\n' for i in phrases.INTENTS)
    (home / "drafts" / "it.toml").write_text('[greeting]\nlines = ["Ciao {first_name},"]\n'
                                             '[opener.first_contact]\nlines = ["Benvenuta!"]\n'
                                             '[opener.returning]\nlines = ["Bentornata!"]\n' + intents)
    phrases.reset()
    try:
        text = write(lang="it", intent="chaser", chaser=True, waited_s=3 * DAY, parts=(part("en"),))
        assert text.startswith("Ciao Marie,") and "Line for question." in text
    finally:
        phrases.reset()


def test_a_broken_language_file_is_a_config_error(home) -> None:  # type: ignore[no-untyped-def]
    from h2h.errors import ConfigError

    (home / "drafts").mkdir(parents=True)
    (home / "drafts" / "de.toml").write_text('[greeting]\nlines = "Hallo"\n[topic]\npatterns = [{ re = "(" }]\n'
                                             '[reading]\nproblem = ["("]\n[opener.late]\nlines = [{ tu = "x" }]\n')
    phrases.reset()
    try:
        with pytest.raises(ConfigError) as err:
            phrases.load("de")
        text = str(err.value) + " ".join(f"{k} {v}" for k, v in err.value.problems)
        assert "greeting.lines" in text and "intent.question" in text
        assert "regular expression" in text and "reading.problem" in text and "opener.late.lines[0]" in text
    finally:
        phrases.reset()


def test_hostile_input_makes_a_clean_draft() -> None:
    w = World()
    ident = w.say("\x1b]0;pwn\x07how do I \u202eexport\u202c my [bold red]notes[/bold red]?\x1b[2J",
                  name="\x1b[31mMarie\x1b[0m Dubois")
    d = compose.new_draft(w.store, w.config, w.engine, ident)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", d.text)
    assert "Marie" in d.text
