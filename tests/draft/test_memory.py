"""Answer memory: every reply we sent is kept with what it answered, and a new
question like one we answered starts from that answer, adapted, and says so."""

from __future__ import annotations

import json
import re

import pytest

from h2h.draft import compose, memory
from h2h.reply import send
from tests.draft.world import CONFIG, World
from tests.clirun import run

TEAM = CONFIG.replace('languages = ["en", "fr"]', 'languages = ["en", "fr"]\nteam = ["@jo@mastodon.social"]')
EXPORT_FR = ("@marie Bonjour Marie ! Réglages → Données → « Tout exporter » : vous obtenez un .zip avec toutes vos "
             "notes en Markdown et les pièces jointes à côté. Dites-nous si ça coince !")
LIMITS_EN = ("@priya Hi Priya! Pro is 600 requests/min, Free is 60, per token. If you hit 429s at ~60, the token "
             "was created before you upgraded: regenerate it under Settings → API.")


def asked_and_answered(w: World, question: str, answer: str, *, handle: str, name: str, lang: str,
                       author: str = "@acme@mastodon.social") -> str:
    ident = w.say(question, handle=handle, name=name, lang=lang)
    row = w.store.conversation(ident)
    message = w.store.conversation_messages(row)[-1].remote_id
    w.say(answer, handle=author, name="Acme", from_me=author.startswith("@acme"), in_reply_to=message, lang=lang,
          to_me=False)
    return ident


def test_our_replies_are_kept_with_the_messages_they_answered() -> None:
    w = World(TEAM)
    w.say("@acme Comment j'exporte toutes mes notes d'un coup ?", lang="fr")
    w.say("@acme et les pièces jointes aussi ?", lang="fr", minutes=5)
    w.say(EXPORT_FR, handle="@acme@mastodon.social", name="Acme", from_me=True, in_reply_to="m2", lang="fr", minutes=10)
    w.say("@bob Yes, it works offline.", handle="@jo@mastodon.social", name="Jo", in_reply_to="m4", to_me=False)
    w.say("Acme Notes 4.3 is out!", handle="@acme@mastodon.social", name="Acme", from_me=True, to_me=False)
    w.say("@acme does it work offline?", handle="@bob@example.social", name="Bob", minutes=1)
    assert memory.refresh(w.store, w.config) == 1            # our announcement answers no one; Bob's came later
    (row,) = w.store._q("SELECT * FROM answers").fetchall()
    assert json.loads(row["answered"]) == ["m1", "m2"]       # both messages it answered, kept with it
    assert "d'un coup" in row["question"] and "pièces jointes aussi" in row["question"]
    assert row["answer"] == EXPORT_FR and row["lang"] == "fr" and row["person"] == "@marie@piaille.fr"
    assert memory.refresh(w.store, w.config) == 0            # each reply once


def test_a_teammates_reply_fetched_later_is_remembered_and_credited() -> None:
    w = World(TEAM)
    ident = w.say("@acme does sync work offline?", handle="@bob@example.social", name="Bob Stone")
    w.say("@bob Yes: every app works offline and syncs when you're back online.", handle="@jo@mastodon.social",
          name="Jo", in_reply_to="m1", to_me=False)
    new = w.say("@acme does the sync still work when I'm offline?", handle="@eve@example.social", name="Eve Adams")
    assert new != ident
    d = compose.new_draft(w.store, w.config, w.engine, new)
    assert d.backend == "memory" and d.source == "memory"
    assert "every app works offline" in d.text and "@bob" not in d.text
    assert re.search(r"from @jo@mastodon\.social's reply to @bob@example\.social on 20 Nov \(similarity [01]\.\d\d\)",
                     d.note), d.note


def test_a_reply_sent_through_h2h_is_remembered() -> None:
    w = World(CONFIG + '\n[sources.masto]\ntype = "memory"\n')
    ident = w.say("@acme how do I export all my notes at once?")
    compose.save_text(w.store, w.config, w.engine, ident,
                      "@marie@piaille.fr Hi Marie, Settings → Data → Export all gives you a zip.\n— Alex, Acme")
    send.mark_posted(w.store, w.config, w.engine, send.plan(w.store, w.config, w.engine, ident))
    memory.refresh(w.store, w.config)
    found = memory.search(w.store, w.config, "how can I export everything in one go?", "en")
    assert found and found[0].kind == "answer" and "Export all gives you a zip" in found[0].answer
    assert found[0].answered == ("m1",)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_new_question_like_one_we_answered_starts_from_that_answer_adapted(lang: str) -> None:
    w = World()
    if lang == "fr":
        asked_and_answered(w, "@acme Comment j'exporte toutes mes notes d'un coup ?", EXPORT_FR,
                           handle="@marie@piaille.fr", name="Marie Dubois", lang="fr")
        new = w.say("@acme comment exporter toutes mes notes d'un seul coup ?", handle="@lea@piaille.fr",
                    name="Léa Morel", lang="fr", minutes=60)
        kept, old = "Réglages → Données → « Tout exporter »", "Marie"
    else:
        asked_and_answered(w, "@acme what are the API rate limits on the Pro plan?", LIMITS_EN,
                           handle="@priya@hachyderm.io", name="Priya Raman", lang="en")
        new = w.say("@acme what's the API rate limit for Pro accounts?", handle="@sam@example.social",
                    name="Sam Okafor", lang="en", minutes=60)
        kept, old = "Pro is 600 requests/min", "Priya"
    d = compose.new_draft(w.store, w.config, w.engine, new)
    assert d.backend == "memory", d.note
    assert kept in d.text
    assert old not in d.text and "@marie " not in d.text and "@priya " not in d.text   # adapted to the new person
    assert ("Léa" if lang == "fr" else "Sam") in d.text
    assert d.text.endswith("\n— Alex, Acme") and d.text.count("— Alex") == 1
    assert re.fullmatch(r"from your reply to @\S+ on 20 Nov \(similarity 0\.\d\d\)", d.note), d.note
    assert d.grounding and d.grounding["kind"] == "answer" and d.grounding["similarity"] >= memory.THRESHOLD
    assert compose.current(w.store, w.config, w.engine, new).grounding == d.grounding   # kept with the draft
    from h2h.cli.reply import source_label     # the card in `h2h next` and `h2h reply` says the same

    assert re.fullmatch(r"from: memory, your reply to @\S+ on 20 Nov \(0\.\d\d\)", source_label(d)), source_label(d)


def test_an_answer_in_another_language_is_not_reused_as_written() -> None:
    w = World()
    asked_and_answered(w, "@acme Comment j'exporte toutes mes notes d'un coup ?", EXPORT_FR,
                       handle="@marie@piaille.fr", name="Marie Dubois", lang="fr")
    new = w.say("@acme how do I export all my notes at once?", handle="@sam@example.social", name="Sam Okafor",
                lang="en", minutes=60)
    d = compose.new_draft(w.store, w.config, w.engine, new)
    assert d.backend == "template" and "Réglages" not in d.text


def test_the_conversations_own_earlier_answer_is_not_offered_again() -> None:
    w = World()
    ident = asked_and_answered(w, "@acme what are the API rate limits on the Pro plan?", LIMITS_EN,
                               handle="@priya@hachyderm.io", name="Priya Raman", lang="en")
    follow = w.say("@acme and what are the rate limits on the Pro plan for search?", handle="@priya@hachyderm.io",
                   name="Priya Raman", lang="en", in_reply_to="m2", minutes=60)
    assert follow == ident
    assert all(m.kind != "answer" for m in compose.closest(w.store, w.config, w.engine, follow))


def test_no_match_is_said(capsys: pytest.CaptureFixture[str]) -> None:
    w = World()
    asked_and_answered(w, "@acme what are the API rate limits on the Pro plan?", LIMITS_EN,
                       handle="@priya@hachyderm.io", name="Priya Raman", lang="en")
    new = w.say("@acme can I record audio inside a note?", handle="@sam@example.social", name="Sam Okafor",
                minutes=60)
    d = compose.new_draft(w.store, w.config, w.engine, new)
    assert d.backend == "template" and "Pro is 600" not in d.text
    assert d.note == "no knowledge entry or past answer matches"


def test_from_memory_lists_the_closest_and_pick_starts_from_one(home, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from h2h.store import open_store

    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(CONFIG)
    store = open_store(home / "h2h.db")
    w = World(CONFIG, store=store)
    asked_and_answered(w, "@acme what are the API rate limits on the Pro plan?", LIMITS_EN,
                       handle="@priya@hachyderm.io", name="Priya Raman", lang="en")
    new = w.say("@acme any rate limit on the API for free accounts?", handle="@sam@example.social",
                name="Sam Okafor", minutes=60)
    store.close()
    listed = run("draft", new, "--from-memory")
    assert listed.code == 0 and listed.out.startswith("1. 0.") and "your reply to @priya@hachyderm.io on " in listed.out
    assert "--pick N" in listed.err
    as_json = run("draft", new, "--from-memory", "--json").json()["data"]["matches"]
    assert as_json[0]["kind"] == "answer" and 0 < as_json[0]["similarity"] <= 1
    picked = run("draft", new, "--from-memory", "--pick", "1", "--json").json()["data"]
    assert picked["source"] == "memory" and "Pro is 600 requests/min" in picked["text"]
    assert run("draft", new, "--from-memory", "--pick", "9").code == 2
    assert run("draft", new, "--pick", "1").code == 2


def test_adapt_drops_the_old_mention_greeting_and_sign_off() -> None:
    m = memory.Match("answer", "answer:1", 0.8, "q", "@thibault Bonjour ! Oui, depuis la 4.3 les tableaux sont "
                     "conservés. Bonnes révisions Thibault ! (Jo, équipe Acme)", "fr", person="@thibault@mamot.fr",
                     person_name="Thibault")
    assert memory.adapt(m, "Léa") == "Oui, depuis la 4.3 les tableaux sont conservés. Bonnes révisions Léa !"


def test_a_long_history_is_indexed_a_batch_at_a_time_without_losing_any() -> None:
    w = World()
    for n in range(5):
        w.say(f"@acme question number {n} about exporting?", handle=f"@p{n}@example.social", name=f"P{n}")
    for n in range(5):
        w.say(f"@p{n} answer number {n}: Settings → Export.", handle="@acme@mastodon.social", name="Acme",
              from_me=True, in_reply_to=f"m{n + 1}", to_me=False)
    assert memory.refresh(w.store, w.config, batch=2, budget_s=0.0) == 2     # out of time after one batch
    assert memory.refresh(w.store, w.config, batch=2, budget_s=0.0) == 2
    assert memory.refresh(w.store, w.config, batch=2, budget_s=60.0) == 1
    answers = [r["answer"] for r in w.store._q("SELECT answer FROM answers ORDER BY id")]
    assert answers == [f"@p{n} answer number {n}: Settings → Export." for n in range(5)]
