"""Language detection chooses among the configured languages only."""

from __future__ import annotations

import pytest

from h2h.triage import lang

CASES = [
    ("en", "how do I export my notes?"),
    ("en", "thanks, that fixed it"),
    ("en", "the app keeps crashing"),
    ("fr", "comment j'exporte mes notes ?"),
    ("fr", "merci, ça marche"),
    ("fr", "ca marche plus depuis hier"),
    ("fr", "l'appli plante sans arret"),
    ("es", "¿cómo exporto mis notas?"),
    ("de", "wie exportiere ich meine Notizen?"),
]


@pytest.mark.parametrize(("expected", "text"), CASES)
def test_detects_among_configured_languages(expected: str, text: str) -> None:
    assert lang.detect(text, ["en", "fr", "es", "de"]) == expected


def test_only_configured_languages_are_answered() -> None:
    assert lang.detect("wie exportiere ich meine Notizen?", ["en", "fr"]) in ("en", "fr")
    assert lang.detect("how do I export my notes?", ["fr"]) == "fr"


@pytest.mark.parametrize("text", ["", "👍", "?!", "https://example.com", "@acme", "12 34"])
def test_nothing_to_judge_by(text: str) -> None:
    assert lang.detect(text, ["en", "fr"]) is None


def test_unknown_configured_languages_are_ignored() -> None:
    assert lang.detect("merci beaucoup pour votre aide", ["xx", "fr", "en"]) == "fr"
    assert lang.detect("merci beaucoup", ["xx"]) is None


def test_many_languages_have_a_profile() -> None:
    assert {"en", "fr", "es", "de", "it", "pt", "nl", "ja", "ru"} <= lang.known()
