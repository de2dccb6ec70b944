"""Who wrote it: roles, handles, and the hints that an account is a machine or a brand."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from h2h.triage import handles, people

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def recent(texts: list[str], every: timedelta = timedelta(hours=3)) -> list[dict[str, str]]:
    """Newest first, as the store returns them."""
    rows = [{"created_at": (T0 - i * every).isoformat().replace("+00:00", "Z"), "text": t} for i, t in enumerate(texts)]
    return rows


@pytest.mark.parametrize(("handle", "platform", "from_me", "role"), [
    ("@Acme@Mastodon.Social", "mastodon", False, "me"),
    ("acme.bsky.social", "bluesky", False, "me"),
    ("@jo@mastodon.social", "mastodon", False, "team"),
    ("@stranger@mastodon.social", "mastodon", False, "person"),
    ("@acme@other.example", "mastodon", False, "person"),
    ("@whoever", "mastodon", True, "me"),
    ("acme", "github", False, "me"),
    ("@acme", "github", False, "me"),
    ("acme", "hackernews", False, "person"),     # "github:acme" is ours on GitHub only
    (" @ACME", "github", False, "person"),       # not a handle GitHub gives anyone
    ("acme.bsky.social", "rss", False, "person"),
    ("jo", "discourse", False, "team"),          # by source name
    ("jo", "lemmy", False, "person"),
])
def test_role(handle: str, platform: str, from_me: bool, role: str) -> None:
    me = handles.account_set(["@acme@mastodon.social", "acme.bsky.social", "GitHub:acme"])
    team = handles.account_set(["@jo@mastodon.social", "forum:jo"])
    source = "forum" if platform == "discourse" else platform[:3]
    assert handles.role(handle, from_me, me, team, source=source, platform=platform) == role


@pytest.mark.parametrize(("texts", "every", "hint"), [
    (["new post: https://e.x/1"] * 0 + [f"item {i} https://e.x/{i}" for i in range(25)], timedelta(minutes=30),
     "posts in a day"),
    (["la messagerie privée n'est plus disponible, retrouvez-nous sur messenger @u{}".format(i) for i in range(6)],
     timedelta(days=2), "same text"),
    (["we moved! find us on our new site @u{}".format(i) for i in range(6)], timedelta(days=2), "same text"),
    ([f"https://e.x/{i}" for i in range(5)], timedelta(days=1), "only links"),
])
def test_behaviour_that_no_person_shows(texts: list[str], every: timedelta, hint: str) -> None:
    assert any(hint in h for h in people.behaviour_hints(recent(texts, every)))


def test_a_feed_is_never_judged_by_its_posting_rate() -> None:
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa " \
        "quebec romeo sierra tango uniform victor whiskey xray yankee".split()
    busy = recent([f"{w} talks about acme" for w in words], timedelta(minutes=30))
    assert any("posts in a day" in h for h in people.behaviour_hints(busy, platform="mastodon"))
    assert people.behaviour_hints(busy, platform="rss") == []
    links = recent([f"https://e.x/{i}" for i in range(5)], timedelta(minutes=30))
    assert people.behaviour_hints(links, platform="rss") == ["posts only links"]  # what it posts still counts


@pytest.mark.parametrize("texts", [
    ["any update?", "any update?", "any update?"],                      # impatient, not a machine
    ["des nouvelles ?", "des nouvelles ?", "des nouvelles ?", "allo ?"],
    ["look https://e.x/1", "my screenshot https://e.x/2", "ok"],
    [f"message {i}" for i in range(12)],                                  # a chatty person, spread over days
])
def test_people_are_not_taken_for_machines(texts: list[str]) -> None:
    assert people.behaviour_hints(recent(texts)) == []


@pytest.mark.parametrize(("handle", "name", "brand"), [
    ("@UniversFreebox", "", True),
    ("techcrunch_news", "TechCrunch News", True),
    ("@acme_support", "Acme Support", True),
    ("@LeMondeActu", "", True),
    ("@marie@piaille.fr", "Marie Dubois", False),
    ("@newsome", "Ann Newsome", False),
    ("kiwi_dev", "", False),
])
def test_brand_and_media_accounts(handle: str, name: str, brand: bool) -> None:
    assert bool(people.brand_hints(handle, name)) is brand


@pytest.mark.parametrize(("handle", "name", "bot"), [
    ("@releasebot@botsin.space", "Release Bot", True),
    ("dependabot[bot]", "", True),
    ("@noreply", "", True),
    ("@abbott@mastodon.social", "Jane Abbott", False),
])
def test_bot_names(handle: str, name: str, bot: bool) -> None:
    assert bool(people.bot_hints(handle, name)) is bot


@pytest.mark.parametrize(("text", "n"), [
    ("@a @b @c @d hello", 4), ("@acme hi @acme", 1), ("mail me at jo@example.com", 0), ("salut @acme et @jo", 2),
])
def test_addressees(text: str, n: int) -> None:
    assert people.addressees(text) == n
