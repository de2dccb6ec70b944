"""Reading a message before replying, in English and French: what it wants, what it
already told us, how it is written, whether it chases us."""

from __future__ import annotations

import pytest

from h2h.draft import reading
from h2h.triage.engine import Engine
from tests.draft.world import World

ENGINE = World().engine


def intent(text: str, section: str = "reply", addressed: bool = True, engine: Engine = ENGINE) -> str:
    return reading.intent_of(section, engine.analyze(text).values(), text, addressed=addressed)


@pytest.mark.parametrize("text,expected", [
    # A question about something is not a problem with it (the complaint signal fires on "sync offline").
    ("does sync work offline at all? who wins when I land?", "question"),
    ("est-ce que la synchro fonctionne hors ligne ? Je pars en train demain", "question"),
    ("is the Team plan billed per seat or flat? Pricing page says from $6 but not from what", "question"),
    ("Vous faites un tarif étudiant ? Le Pro c'est un peu raide pour moi", "question"),
    ("my notes vanished after the 4.3.1 update. Are they still on the server??", "problem"),
    ("Depuis la mise à jour, ça ne marche plus : la synchro tourne en boucle", "problem"),
    ("dark mode keeps resetting to light every time I reopen the app", "problem"),
    ("Plantage au démarrage sous Windows 11 depuis la 4.3.1", "problem"),
    ("thank you, this app is wonderful, it saved my thesis", "praise"),
    ("Merci pour la réponse rapide du support hier, problème réglé en 20 minutes", "praise"),
])
def test_the_intent_of_a_message(text: str, expected: str) -> None:
    assert intent(text) == expected


def test_a_request_to_someone_else_is_not_a_request_to_us() -> None:
    text = "Show HN: turn an export into a plain Markdown vault"
    assert intent(text, addressed=True) == "request"
    assert intent(text, addressed=False) == "default"


def test_hostility_and_noise_come_from_the_section_first() -> None:
    assert intent("does it work offline?", section="careful") == "hostile"
    assert intent("does it work offline?", section="noise") == "default"


@pytest.mark.parametrize("text", [
    "any news on the home-screen widget? It was coming soon months ago",
    "I asked here on Monday and emailed support three times. Six days of silence.",
    "Still no answer to my question from last week",
    "Des nouvelles pour le widget ? Toujours pas de réponse",
    "J'ai écrit lundi et toujours rien",
])
def test_a_chaser(text: str) -> None:
    assert reading.chasing([text])


def test_a_plain_question_is_no_chaser() -> None:
    assert not reading.chasing(["how do I export my notes?", "comment j'exporte mes notes ?"])


@pytest.mark.parametrize("text,facts", [
    ("Crashes on start since 4.3.1 on Windows 11, crash.log attached", {"version", "device", "log"}),
    ("Plantage sous Windows 11 depuis la 4.3.1, le fichier crash.log est joint", {"version", "device", "log"}),
    ("**Steps to reproduce** 1. Create a note", {"steps"}),
    ("it doesn't work", set()),
    ("webhooks never fire, Pro plan, web app", {"version", "device"}),   # the web app has no version to give
])
def test_what_they_already_told_us(text: str, facts: set[str]) -> None:
    assert reading.given([text]) == facts


@pytest.mark.parametrize("texts,lang,register", [
    (["Salut ! Est-ce qu'on peut partager un carnet ?"], "fr", "familiar"),
    (["tu sais si la synchro marche hors ligne ?"], "fr", "familiar"),
    (["Bonjour, vous faites un tarif étudiant ?"], "fr", "polite"),
    (["Salut, vous avez une appli Linux ?"], "fr", "polite"),            # "vous" wins
    (["re-bonjour 🙂 est-ce que la synchro fonctionne ?"], "fr", "polite"),   # an emoji is not "tu"
    (["hey, quick one: is it per seat? 🙃"], "en", "familiar"),
    (["Could you please tell me how billing works? Kind regards"], "en", "polite"),
    (["is there a Linux build yet?"], "en", "polite"),
])
def test_the_register_they_write_in(texts: list[str], lang: str, register: str) -> None:
    assert reading.register_of(texts, lang) == register
