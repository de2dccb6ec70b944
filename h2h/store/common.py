"""What every backend shares: conversation ids (the same in every database for the same
conversation, so a note or a script that names one keeps working), values in their
stored JSON form, and the numbers the protocol's defaults name.

JSON columns (raw platform data, signals, evidence, reasons, rate limits) are encoded
once; ingest encodes in worker processes, and a store does not encode again what
arrives already `Encoded`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from h2h.digest import sha1

Key = tuple[str, str]  # (source, remote_id): the identity of a person or a message
RECENT_MESSAGES = 50   # what a person's behaviour is judged on: their latest messages

B32 = "abcdefghijklmnopqrstuvwxyz234567"


def conversation_key(source: str, thread_root: str, person_remote_id: str, length: int = 8) -> str:
    digest = sha1(f"{source}\0{thread_root}\0{person_remote_id}".encode("utf-8", "replace")).digest()
    bits = int.from_bytes(digest, "big")
    return "".join(B32[(bits >> (155 - 5 * i)) & 31] for i in range(length))


def is_key_prefix(text: str) -> bool:
    """Whether `text` can begin a conversation id (4 characters at least: fewer match too many)."""
    return len(text) >= 4 and all(c in B32 for c in text)


# Around each match in a search hit's snippet: private-use characters no post can be
# confused with (inert() keeps them), turned into highlighting or dropped by whoever prints it.
MARK_START, MARK_END = "\ue000", "\ue001"


def search_words(text: str) -> list[str]:
    """The words of a search that can match: those with a letter or a digit."""
    return [w for w in text.split() if any(c.isalnum() for c in w)]


_SURROGATE = re.compile("[\ud800-\udfff]")

# json.dumps with options builds an encoder at every call: a third of the cost of a small value.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
_ENCODE_ASCII = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), default=str).encode


class Encoded(str):
    """A value already in its stored JSON form (encoded once, possibly in another process)."""


def to_json(value: Any) -> str | None:
    """The stored JSON text of a value (None stays None, an Encoded value stays as it is)."""
    if value is None or isinstance(value, Encoded):
        return value
    text: str = _ENCODE(value)
    if _SURROGATE.search(text):
        # A lone surrogate (a platform's broken JSON, kept in raw) cannot be stored as
        # UTF-8; escaped as \udxxx it can, and reads back as the same value.
        return str(_ENCODE_ASCII(value))
    return text


def encode(value: Any) -> Encoded | None:
    """The stored JSON form of a value, marked so the store does not encode it again."""
    text = to_json(value)
    return None if text is None else Encoded(text)
