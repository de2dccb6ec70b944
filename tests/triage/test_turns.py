"""What a message does in its conversation: closes it, chases an answer, moves it to private messages."""

from __future__ import annotations

import pytest

from h2h.triage import turns
from h2h.triage.text import fold, tokens
from h2h.triage.features import extract


def toks(text: str) -> list[str]:
    return tokens(fold(text))


@pytest.mark.parametrize("text", ["ok 👍", "@brand Awesome, thanks", "Ok thanks.", "Just sent it.", "I dmed you guys",
                                  "thank you so much for the quick reply!", "merci beaucoup, bonne journée",
                                  "ok merci, c'est réglé", "d'accord, ça marche 👌"])
def test_closings(text: str) -> None:
    assert turns.closing(toks(text))


@pytest.mark.parametrize("text", ["thanks for nothing", "ok but it is still broken", "thanks, why is it down?",
                                  "I did", "Yes.", "merci pour la panne", "ok, toujours pas de réseau", "",
                                  "thanks " * 20])
def test_not_closings(text: str) -> None:
    assert turns.closing(toks(text)) == ()


@pytest.mark.parametrize(("text", "words"), [("any update on my refund?", "any update"),
                                             ("Hello??? anyone there?", "hello"),
                                             ("still waiting for a reply", "still waiting"),
                                             ("toujours rien ?", "toujours rien"),
                                             ("des nouvelles de mon dossier ?", "des nouvelles")])
def test_chasers(text: str, words: str) -> None:
    assert turns.chaser(toks(text)) == words


@pytest.mark.parametrize("text", ["my refund never arrived", "hello, how do I export?", "bonjour, j'ai une question"])
def test_not_chasers(text: str) -> None:
    assert turns.chaser(toks(text)) is None


@pytest.mark.parametrize(("text", "private"), [("Please send us a DM with your order number", True),
                                               ("Can you send us a direct message?", True),
                                               ("Écrivez-nous en MP", True), ("envoyez-nous un message privé", True),
                                               ("We're sorry to hear that", False), ("Your flight is at 5 pm", False)])
def test_moving_to_private_messages(text: str, private: bool) -> None:
    assert bool(turns.private(extract(text).words)) is private
