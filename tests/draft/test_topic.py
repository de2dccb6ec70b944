"""What they asked about, named the way a reply would name it, from our side."""

from __future__ import annotations

import pytest

from h2h.draft import phrases
from h2h.draft.topic import topic_of


@pytest.mark.parametrize("lang,text,expected,form", [
    ("en", "@acme how do I export a single notebook as PDF? the button is greyed out", "exporting a single notebook as PDF", "verb"),
    ("en", "is there a way to pin a note to the top of a notebook? I keep scrolling", "pinning a note to the top", "verb"),
    ("en", "Hi! Is there a way to import from Evernote (.enex), or do I have to copy it by hand?", "importing from Evernote", "verb"),
    ("en", "what are the API rate limits on the Pro plan? I keep getting 429s", "the API rate limits", "noun"),
    ("en", "quick one: is the Team plan billed per seat or flat?", "the Team plan", "noun"),
    ("en", "my notes vanished after the 4.3.1 update. Sidebar says 0 notes", "your notes", "noun"),
    ("en", "also, dark mode keeps resetting to light every time I reopen the app", "dark mode", "noun"),
    ("en", "Could you please add a dark theme to the web app?", "adding a dark theme", "verb"),
    ("en", "can you help me with the calendar sync?", "the calendar sync", "noun"),
    ("en", "Who can I talk to today about raising the seat limit?", "raising the seat limit", "noun"),
    ("fr", "Bonjour ! Comment j'exporte toutes mes notes d'un coup ? Je ne trouve que l'export note par note 😕", "exporter toutes vos notes d'un coup", "verb"),
    ("fr", "Est-ce qu'on peut partager un carnet avec quelqu'un qui n'a pas de compte ?", "partager un carnet avec quelqu'un", "verb"),
    ("fr", "Bonjour, vous faites un tarif étudiant ? Le Pro c'est un peu raide", "le tarif étudiant", "noun"),
    ("fr", "y a-t-il un raccourci clavier pour créer une note rapide depuis n'importe où ?", "le raccourci clavier", "noun"),
    ("fr", "Depuis la mise à jour, ça ne marche plus : la synchro tourne en boucle", "la synchro", "noun"),
    ("fr", "Comment je me connecte à mon compte depuis la tablette ?", "vous connecter à votre compte", "verb"),
    ("fr", "est-ce qu'il existe une option pour exporter en PDF ?", "exporter en PDF", "verb"),
    ("fr", "Vous avez une option hors ligne ?", "l'option", "noun"),
])
def test_the_topic_is_a_short_phrase_from_our_side(lang: str, text: str, expected: str, form: str) -> None:
    topic = topic_of(text, phrases.load(lang))
    assert topic is not None, text
    assert (topic.text, topic.form) == (expected, form)


@pytest.mark.parametrize("lang,text", [
    ("en", "lol you people"),
    ("en", "🎉🎉🎉 tags + bulk export 🔥🔥🔥"),
    ("en", "Thanks, that fixed it!"),
    ("fr", "Merci pour la réponse rapide du support hier"),
    ("en", ""),
])
def test_no_topic_rather_than_a_wrong_one(lang: str, text: str) -> None:
    assert topic_of(text, phrases.load(lang)) is None


def test_links_mentions_and_markup_never_become_the_topic() -> None:
    topic = topic_of("@acme.bsky.social how do I share https://acme.example/n/1 with [bold]my team[/bold]?",
                     phrases.load("en"))
    assert topic is not None
    assert "http" not in topic.text and "@" not in topic.text and "[" not in topic.text


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

WORDS = st.sampled_from(["how", "do", "I", "export", "my", "notes", "comment", "j'exporte", "mes", "la", "synchro",
                         "is", "there", "a", "way", "to", "?", "!", ",", "https://x.example/a", "@bob@x.social",
                         "ne", "marche", "plus", "est-ce", "qu'on", "peut", "partager", "🎉", "\u202e", "\x1b[31m"])


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=30), st.sampled_from(["en", "fr"]))
def test_any_text_gives_a_short_clean_topic_or_none(words: list[str], lang: str) -> None:
    topic = topic_of(" ".join(words), phrases.load(lang))
    if topic is not None:
        assert topic.text.strip() and len(topic.text.split()) <= phrases.load(lang).topic.max_words + 2
        assert "http" not in topic.text and "@" not in topic.text and "\x1b" not in topic.text
        assert "\u202e" not in topic.text and "?" not in topic.text
