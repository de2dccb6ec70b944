"""X's weighted length, checked against twitter-text's own conformance cases
(twitter/twitter-text conformance/tests/validate.yml, WeightedTweetsCounterTest and the
emoji-discount cases, config v3). Texts are rebuilt here with explicit escapes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from h2h.length import MAX_WEIGHTED, fits, weighted_length

X = "xxxxxxxxxx-"
CJK = "故人西辞黄鹤楼，烟花三月下扬州。"                      # 16 CJK characters
KANA = "あいうえおかきくけこ"
FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466"

CONFORMANCE = [
    ("Hi http://test.co", 26),
    ("http://test.co", 23),
    ("285 chars-" + X * 25, 285),
    ("285 chars- http://www.twitter.com/jack " + X * 24, 299),
    (X * 24 + " http://www.twitter.com/jack ", 289),
    ("https://www.twitter.com/aloha " * 10, 240),
    (CJK * 10, 320),
    ("the" + CJK * 10, 323),
    ("A\u0301B", 2),                                        # NFC: Á is one character
    ("A\ufb2c", 4),                                         # NFC: שּׁ becomes three
    ("\U0001F637\U0001F47E\U0001F621\U0001F525\U0001F4A9", 10),
    ("randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com", 68),  # 64-char label: not a link
    (FAMILY * 140, 280),
    ("Unicode 10.0 emoji: \U0001F92A; \U0001F9D5; \U0001F9D5\U0001F3FE; "
     "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", 34),
    ("Unicode 9.0 emoji: \U0001F920; \U0001F483; \U0001F483\U0001F3FE", 29),
    ("ABC\u202a\uffffABC\ufffe", 12),
    ("\u2066\u202ahttp://foobar.\u067e\u0627\u06a9\u0633\u062a\u0627\u0646/\u202c\u2069", 31),
    (KANA * 12 + " http://" + KANA * 5 + "あいう.com", 358),      # host over 63 octets punycoded: not a link
    (KANA * 12 + " http://" + KANA * 5 + "あい.com", 264),
    ("Long label: https://" + "somesuperlongurl" * 5 + ".com/foo https://validurl.com", 12 + 8 + 80 + 8 + 1 + 23),  # an 80-char label: text
    ("Test https://test.com test https://test.com test.com test", 86),
]


@pytest.mark.parametrize(("text", "expected"), CONFORMANCE)
def test_conformance(text: str, expected: int) -> None:
    assert weighted_length(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("acme.io is great", 16),       # name.ccTLD alone is not linked...
    ("see acme.io/docs", 27),       # ...with a path it is
    ("docs.acme.io", 23),
    ("t.co", 23),
    ("Next.js and setup.py", 20),
    ("Merci ! Ça marche… 👍🏽", 22),   # the ellipsis weighs 2, the thumb and its tone 2
])
def test_everyday_replies(text: str, expected: int) -> None:
    assert weighted_length(text) == expected


def test_fits() -> None:
    assert fits("x" * MAX_WEIGHTED) and not fits("x" * (MAX_WEIGHTED + 1)) and not fits("")
    assert fits("故" * 140) and not fits("故" * 141)


# Text with no link and no emoji: each code point weighs 1 or 2 by its range, nothing else.
_PLAIN = st.text(alphabet=st.characters(blacklist_characters=".:/",
                                        blacklist_categories=("So", "Sk", "Cs", "Mn", "Me", "Mc", "Cf")), max_size=300)


@given(_PLAIN)
def test_plain_text_weighs_its_code_points(text: str) -> None:
    import unicodedata

    light = ((0, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
    normal = unicodedata.normalize("NFC", text)
    expected = sum(1 if any(lo <= ord(ch) <= hi for lo, hi in light) else 2 for ch in normal)
    assert weighted_length(text) == expected


@given(st.text(max_size=200), st.text(max_size=200))
def test_never_undercounts_a_join(a: str, b: str) -> None:
    # Joining with a space never makes the whole lighter than its parts (no lost characters).
    assert weighted_length(a + " " + b) >= max(weighted_length(a), weighted_length(b)) - 23
