"""Property tests: whatever bytes arrive, the import parser answers (a mention, a bad
line with a message, or a blank) and never raises; whatever text is shown, it is
inert; whatever is printed as JSON reads back as the same value."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from h2h.cli.render import dumps, shown
from h2h.models import Mention
from h2h.sources.jsonl import BadLine, parse_line
from h2h.textutil import inert
from tests.hostile.corpus import FORBIDDEN

# Text biased towards what breaks terminals and parsers.
NASTY = st.sampled_from(["\x1b", "[", "]", "\x07", "\x9b", "\x9d", "\u202e", "\u2066", "\u200b", "\ufeff",
                         "\ud800", "\udfff", "\r", "\n", "\u2028", "\x00", "\x7f", "{", "}", "\\", '"', "é",
                         "👩‍👩‍👧", "[bold]", "\x1b]52;c;", "\x1b[31m", "\x1b]8;;", "\x1bP"])
TEXT = st.lists(st.one_of(st.text(max_size=8), NASTY), max_size=30).map("".join)
JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), TEXT),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)),
    max_leaves=20)
FIELDS = ["id", "text", "created_at", "author", "source", "platform", "url", "in_reply_to", "thread", "to_me",
          "from_me", "lang"]
RECORD = st.dictionaries(st.sampled_from(FIELDS), JSONISH, min_size=3).map(
    lambda d: {**d, "author": d.get("author", {"id": "a"}), "id": d.get("id", "x"), "text": d.get("text", "t"),
               "created_at": d.get("created_at", "2026-01-01T00:00:00Z")})


def _check(result: object) -> None:
    assert result is None or isinstance(result, (Mention, BadLine))
    if isinstance(result, BadLine):
        assert result.message
    if isinstance(result, Mention):
        for value in (result.text, result.remote_id, result.source, result.author.handle, result.author.name):
            value.encode("utf-8")  # storable as UTF-8


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes(raw: bytes) -> None:
    _check(parse_line(1, raw))


@settings(max_examples=250, deadline=None)
@given(RECORD)
def test_any_record_shape(record: dict) -> None:
    raw = json.dumps(record, allow_nan=True).encode("utf-8", "surrogatepass")
    _check(parse_line(1, raw))


@settings(max_examples=250, deadline=None)
@given(TEXT)
def test_inert_leaves_nothing_active(text: str) -> None:
    for out in (inert(text), inert(text, keep_newlines=True), shown(text, limit=50)):
        assert FORBIDDEN.search(out) is None


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


@settings(max_examples=200, deadline=None)
@given(JSONISH)
def test_json_output_is_inert_and_faithful(value: object) -> None:
    out = dumps({"data": value})
    assert FORBIDDEN.search(out) is None
    out.encode("utf-8")
    # Strict JSON: NaN and Infinity (no JSON numbers) are printed as null, everything else as it is.
    back = json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} printed"))["data"]
    assert json.dumps(back, sort_keys=True) == json.dumps(_finite(value), sort_keys=True)
