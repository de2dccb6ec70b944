"""Spam that announces itself (a link, money, urgency, asking nothing) goes to noise, in
English and French; a person with a link, a price or a deadline stays a person."""

from __future__ import annotations

import pytest

from h2h.app import inbox
from h2h.ingest.ingest import ingest
from h2h.models import Mention, Person
from h2h.store import Store
from h2h.triage import score
from h2h.triage.engine import Engine
from h2h import clock


def _section(text: str) -> tuple[str, set[str]]:
    engine = Engine()
    who = Person(source="s", remote_id="9", handle="@someone@example.social")
    with Store.open(":memory:") as store:
        ingest(store, [Mention(source="s", platform="mastodon", remote_id="1", author=who, text=text,
                               created_at=clock.now())], engine)
        item = inbox.build_queue(store, engine, limit=None, show_all=True).items[0]
    return item.section, {r.label for r in item.reasons}


@pytest.mark.parametrize("text", [
    "Get 1000 followers cheap!!! Visit http://boost.example now $$$",
    "Gagnez 1000 abonnés pas cher !!! Visitez http://boost.example maintenant €€€",
    "Earn $500 a day from home, start now: http://x.example/join",
    "Promo -50% aujourd'hui seulement sur https://shop.example, dépêchez-vous !",
])
def test_announced_spam_is_noise(text: str) -> None:
    section, labels = _section(text)
    assert section == "noise", labels
    assert not any(label.startswith("asks for help") for label in labels)
    assert any(label.startswith("looks like spam") for label in labels)


@pytest.mark.parametrize("text", [
    "I was charged $30 twice, refund me now! http://imgur.com/x",             # a complaint
    "How much is the pro plan? I need it today, see https://acme.example/pricing",  # a question to us
    "Our release is out today, free for everyone: https://acme.example/blog",  # no selling
    "Cheap trick, that bug. Now fixed? http://acme.example/issues/4",            # asks
])
def test_a_person_with_a_link_a_price_or_a_deadline_is_not_spam(text: str) -> None:
    assert _section(text)[0] != "noise"


def test_the_rule_names_what_gave_it_away() -> None:
    signals = Engine().analyze("Get 1000 followers cheap!!! Visit http://boost.example now $$$")
    assert signals.evidence["spam"] == ("cheap", "now") and signals.spam >= score.THRESHOLD
