"""Platform limits, counted in what people see: grapheme clusters, X's weights,
Mastodon's URL and mention rules; trimming never breaks a character."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from h2h.draft import limits
from h2h import length
from h2h.draft.limits import Limit

FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466"   # 👨‍👩‍👧‍👦: 7 code points, 25 bytes
FLAG = "\U0001F1EB\U0001F1F7"                                           # 🇫🇷
THUMB_DARK = "\U0001F44D\U0001F3FF"                                      # 👍🏿
E_COMBINING = "e\u0301"                                                 # é as e + combining acute
KEYCAP = "1\ufe0f\u20e3"                                                # 1️⃣


@pytest.mark.parametrize("text,expected", [
    ("hello", 5),
    (E_COMBINING * 3, 3),
    (FAMILY, 1),
    (FLAG + FLAG, 2),
    (THUMB_DARK, 1),
    (KEYCAP, 1),
    ("漢字かなカナ", 6),
    ("\u1100\u1161\u11a8", 1),            # Hangul jamo L+V+T: one syllable
    ("Zoe\u0308 " + FAMILY + "!", 6),
])
def test_graphemes_are_what_people_see(text: str, expected: int) -> None:
    assert limits.count(text, limits.GRAPHEMES) == expected
    assert "".join(length.graphemes(text)) == text


def test_bluesky_counts_300_graphemes_and_caps_bytes() -> None:
    bsky = limits.PLATFORMS["bluesky"]
    assert bsky.fits("a" * 300) and not bsky.fits("a" * 301)
    assert bsky.fits(E_COMBINING * 300)          # 600 code points, 300 characters
    assert bsky.fits("漢" * 300)                  # 900 bytes
    assert not bsky.fits("漢" * 301)
    assert bsky.fits(FAMILY * 120)                  # 25 bytes each: 3000 bytes, just in
    assert bsky.count(FAMILY * 121) == 121 and not bsky.fits(FAMILY * 121)   # 3025 bytes: over the other cap


def test_x_weighted_length() -> None:
    x = limits.PLATFORMS["x"]
    assert x.count("a" * 280) == 280 and x.fits("a" * 280) and not x.fits("a" * 281)
    assert x.count("漢" * 140) == 280 and not x.fits("漢" * 141)       # CJK weighs 2
    assert x.count(FAMILY) == 2 and x.count(FLAG) == 2 and x.count(THUMB_DARK) == 2   # any emoji sequence: 2
    assert x.fits(FAMILY * 140) and not x.fits(FAMILY * 141)
    assert x.count(E_COMBINING) == 1                                     # NFC first: é
    assert x.count("café\u2019s") == 6                                   # general punctuation weighs 1
    assert x.count("see https://example.com/" + "a" * 100) == 4 + 23   # a URL is 23


def test_mastodon_counts_urls_as_23_and_remote_mentions_by_username() -> None:
    m = limits.PLATFORMS["mastodon"]
    assert m.count("@marie@piaille.fr hi") == len("@marie hi")
    assert m.count("read https://example.com/" + "x" * 200) == len("read ") + 23
    assert m.count(FAMILY * 3) == 3
    assert m.max == 500


def test_github_has_no_limit_a_reply_can_reach() -> None:
    assert limits.PLATFORMS["github"].max is None
    assert limits.PLATFORMS["github"].fits("a" * 100_000)


def test_where_a_limit_comes_from() -> None:
    assert limits.limit_for("mastodon").max == 500
    assert limits.limit_for("mastodon", learned=1000).max == 1000
    configured = limits.limit_for("mastodon", table={"limit": 5000}, learned=1000)
    assert configured.max == 5000 and configured.unit == limits.MASTODON
    assert limits.limit_for("bluesky", table={"limit": 200}).max_bytes == 3000
    assert limits.limit_for("somewhere-new").max is None


def test_a_source_reports_its_limit() -> None:
    class Reports:
        limit = 1500

    class Broken:
        @property
        def limit(self) -> int:
            raise RuntimeError("instance unreachable")

    class Silent:
        pass

    assert limits.reported_limit(Reports()) == 1500
    assert limits.reported_limit(Broken()) is None
    assert limits.reported_limit(Silent()) is None


def test_trim_keeps_clusters_whole() -> None:
    text = (FAMILY + " ") * 20
    cut = limits.trim(text, Limit(9))
    assert Limit(9).fits(cut)
    assert cut.endswith(limits.ELLIPSIS)
    assert set(length.graphemes(cut[:-1].replace(" ", ""))) == {FAMILY}


def test_trim_prefers_a_sentence_end() -> None:
    text = "The first sentence is rather long. The second one is short."
    assert limits.trim(text, Limit(40)) == "The first sentence is rather long."
    assert limits.trim(text, Limit(500)) == text


def test_trim_cuts_at_a_word_with_an_ellipsis() -> None:
    cut = limits.trim("one two three four five six seven", Limit(16))
    assert cut == "one two three…"


def test_trim_leaves_room_for_what_follows() -> None:
    tail = "\n— Alex"
    cut = limits.trim("word " * 100, Limit(50), reserve=tail)
    assert Limit(50).fits(cut + tail)


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=0, max_size=120), st.integers(min_value=1, max_value=60),
       st.sampled_from(limits.UNITS))
def test_trim_always_fits_and_is_a_prefix(text: str, n: int, unit: str) -> None:
    limit = Limit(n, unit)
    cut = limits.trim(text, limit)
    assert limit.fits(cut) or cut == ""
    body = cut[:-1] if cut.endswith(limits.ELLIPSIS) and not text.startswith(cut) else cut
    assert text.startswith(body) or body == ""
