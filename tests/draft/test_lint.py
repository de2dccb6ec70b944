"""Tone lint: each rule in English and French, with the phrase named, its span,
and a human alternative."""

from __future__ import annotations

import pytest

from h2h.draft import limits
from h2h.draft.lint import CODES, blocking, lint

NAME = dict(first_name="Marie", handle="@marie@piaille.fr")


def codes(text: str, **kw: object) -> list[str]:
    return [f.code for f in lint(text, **{**NAME, **kw})]  # type: ignore[arg-type]


@pytest.mark.parametrize("code,text,phrase", [
    ("apology", "Hi Marie, we apologize for any inconvenience caused by the outage.", "we apologize for any inconvenience"),
    ("apology", "Bonjour Marie, nous nous excusons pour la gêne occasionnée.", "nous nous excusons pour la gêne occasionnée"),
    ("valued_customer", "Dear valued customer, Marie, your export is ready.", "valued customer"),
    ("valued_customer", "Cher client, Marie, votre export est prêt.", "Cher client"),
    ("policy", "Hi Marie, per our policy refunds take 30 days.", "per our policy"),
    ("policy", "Bonjour Marie, conformément à notre politique, le remboursement prend 30 jours.", "conformément à notre politique"),
    ("ticket", "Hi Marie, your ticket #48213 has been escalated to the relevant team.", "your ticket"),
    ("ticket", "Bonjour Marie, votre demande a été transmise au service concerné.", "a été transmise au service"),
    ("ticket", "Hi Marie, don't hesitate to reach out if you need anything.", "don't hesitate to reach out"),
    ("jargon", "Hi Marie, let's circle back on this going forward.", "circle back"),
    ("jargon", "Bonjour Marie, ce bug peut impacter vos exports.", "impacter"),
])
def test_phrase_rules_name_the_phrase_and_suggest(code: str, text: str, phrase: str) -> None:
    found = [f for f in lint(text, **NAME) if f.code == code]
    assert found, text
    f = found[0]
    assert f.span is not None and text[f.span[0]:f.span[1]].lower() == phrase.lower()
    assert f'"{text[f.span[0]:f.span[1]]}"' in f.message
    assert len(f.message) > len(phrase) + 20        # says why and what to write instead


def test_jargon_suggests_the_plain_word() -> None:
    f = next(f for f in lint("Hi Marie, we will leverage the new API.", **NAME) if f.code == "jargon")
    assert 'say "use"' in f.message


def test_the_longest_phrase_is_reported_once() -> None:
    found = [f for f in lint("Hi Marie, we apologize for any inconvenience caused.", **NAME) if f.code == "apology"]
    assert len(found) == 1


def test_rules_of_every_language_run_on_every_text() -> None:
    assert "apology" in codes("Bonjour Marie, sorry for the inconvenience, je regarde.")


def test_all_caps_words_but_not_acronyms() -> None:
    found = [f for f in lint("Hi Marie, this is VERY IMPORTANT: the API and the PDF export work.", **NAME)
             if f.code == "all_caps"]
    assert len(found) == 1
    assert "VERY IMPORTANT" in found[0].message and "Very important" in found[0].message
    assert "all_caps" not in codes("Hi Marie, the API returns JSON over HTTPS, see the FAQ.")
    assert "all_caps" not in codes("Hi Marie, ping @ACME_TEAM or see https://EXAMPLE.COM/PATH")


def test_a_reply_in_capitals_is_shouting() -> None:
    found = [f for f in lint("HI MARIE WE FIXED IT PLEASE UPDATE NOW", **NAME) if f.code == "all_caps"]
    assert found and found[0].span == (0, len("HI MARIE WE FIXED IT PLEASE UPDATE NOW"))


def test_walls_of_text() -> None:
    wall = "Hi Marie, " + " ".join(["the export works like this and then"] * 15) + "."
    assert "wall_of_text" in codes(wall)
    split = "Hi Marie,\n\n" + "\n\n".join(["The export works like this. Then it is done."] * 8)
    assert "wall_of_text" not in codes(split)
    long_sentence = "Hi Marie, " + " ".join(["word"] * 50) + "."
    assert "wall_of_text" in codes(long_sentence)


def test_no_name() -> None:
    assert "no_name" in codes("Thanks for writing, we will look into it.")
    assert "no_name" not in codes("Thanks Marie, we will look into it.")
    assert "no_name" not in codes("thanks marie, looking into it.")          # the handle, when there is no name
    assert "no_name" in codes("@marie@piaille.fr thanks, looking into it.")  # a mention is not a greeting
    assert "no_name" not in codes("Thanks, looking into it.", first_name="", handle="")


def test_a_link_only_answer() -> None:
    assert "link_only" in codes("@marie@piaille.fr https://docs.example.com/export\n— Alex",
                                mention="@marie@piaille.fr", signature="— Alex")
    assert "link_only" in codes("Hi Marie, https://docs.example.com/export")
    assert "link_only" not in codes("Hi Marie, export is under Settings > Data; details at https://docs.example.com/export")


@pytest.mark.parametrize("text,placeholder", [
    ("Hi {first_name}, thanks!", "{first_name}"),
    ("Hi Marie, see {{link}}", "{{link}}"),
    ("Hi Marie, the answer is [ANSWER HERE].", "[ANSWER HERE]"),
    ("Hi Marie, TODO explain the export.", "TODO"),
    ("Bonjour Marie, voir <lien>.", "<lien>"),
])
def test_unresolved_placeholders_block_sending(text: str, placeholder: str) -> None:
    found = lint(text, **NAME)
    ph = [f for f in found if f.code == "placeholder"]
    assert ph and text[ph[0].span[0]:ph[0].span[1]] == placeholder
    assert blocking(found)


def test_over_the_limit_and_the_missing_mention() -> None:
    masto = limits.PLATFORMS["mastodon"]
    found = lint("Hi Marie, " + "a" * 600, limit=masto, platform="mastodon", **NAME)
    over = next(f for f in found if f.code == "over_limit")
    assert "610 of 500" in over.message
    assert "no_mention" in codes("Hi Marie, thanks!", platform="mastodon", mention="@marie@piaille.fr")
    assert "no_mention" not in codes("@marie@piaille.fr Hi Marie, thanks!", platform="mastodon",
                                     mention="@marie@piaille.fr")


def test_a_human_reply_is_clean() -> None:
    text = ("@marie@piaille.fr Hi Marie,\nSorry the export failed on 4.3.1: it's a bug with non-ASCII file names. "
            "I'm fixing it today and will tell you here when the update is out.\n— Alex, Acme")
    assert lint(text, platform="mastodon", mention="@marie@piaille.fr", limit=limits.PLATFORMS["mastodon"],
                signature="— Alex, Acme", **NAME) == ()
    fr = ("Bonjour Marie,\nDésolé pour l'export raté : c'est un bug avec les noms de fichiers accentués. "
          "Je corrige ça aujourd'hui et je vous préviens ici.\n— Alex")
    assert lint(fr, **NAME) == ()


def test_every_code_is_tested() -> None:
    tested = {"placeholder", "over_limit", "no_mention", "apology", "valued_customer", "policy", "ticket", "jargon",
              "all_caps", "wall_of_text", "no_name", "link_only"}
    assert tested == set(CODES)
