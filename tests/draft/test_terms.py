"""Search terms: the same words for what we index and what we look for, in English and French."""

from __future__ import annotations

import pytest

from h2h.draft.terms import fold, guess_lang, names, stem, terms


def test_accents_case_and_elisions() -> None:
    assert fold("Réglages Œuvre ÉTÉ") == "reglages oeuvre ete"
    assert terms("l'export d'Évernote", "fr") == terms("export evernote", "fr")


@pytest.mark.parametrize("a,b,lang", [
    ("exporting", "export", "en"), ("shared", "share", "en"), ("notebooks", "notebook", "en"),
    ("integration", "integrate", "en"), ("settings", "setting", "en"),
    ("exporter", "exporte", "fr"), ("partagé", "partager", "fr"), ("notes", "note", "fr"),
    ("synchronisation", "synchroniser", "fr"), ("journaux", "journal", "fr"),
])
def test_light_stems_meet(a: str, b: str, lang: str) -> None:
    assert stem(fold(a), lang) == stem(fold(b), lang)


def test_words_that_mean_the_same_meet_across_languages() -> None:
    assert terms("la synchro hors ligne", "fr") == terms("sync offline", "en") == ["sync", "offline"]
    assert terms("débité deux fois", "fr") == terms("charged twice", "en")
    assert terms("mot de passe oublié", "fr")[0] == terms("forgot password", "en")[-1] == "password"


def test_a_variant_matches_only_whole() -> None:
    """"read only" is a term; "read" alone is not "read only" (nor "view" alone "view only")."""
    assert terms("who can read my notes", "en") == ["read", "not"]
    assert terms("a read-only link", "en") == ["readonly", "link"]


def test_stop_words_and_our_own_names_say_nothing() -> None:
    ours = names("acme notes", "@acme@mastodon.social", "acme.bsky.social")
    assert terms("Hi! Is there a way to do this with Acme Notes?", "en", stop=ours) == []
    # "notes" alone is a word of the question, only "Acme Notes" together is our name.
    assert terms("how do I export my notes from Acme?", "en", stop=ours) == ["export", "not"]


def test_mentions_links_and_lone_digits_are_left_out() -> None:
    assert terms("@acme look https://x.example/a?b=1 version 4.3.1 u/acme_team", "en") == ["look", "version"]


def test_guess_lang() -> None:
    assert guess_lang("comment est-ce que je peux exporter mes notes ?") == "fr"
    assert guess_lang("how can I export my notes?") == "en"
