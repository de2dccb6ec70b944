"""Text hygiene shared by every layer: make stored text valid, make shown text inert.

Post text is hostile until proven otherwise: it may carry terminal escape
sequences, bidi overrides, zero-width characters or rich markup. Stored text is
kept as sent (minus what UTF-8 cannot hold); shown text goes through `inert()`.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")

# ESC-introduced sequences (CSI, OSC, DCS, SOS, PM, APC and two-byte escapes),
# their 8-bit C1 forms, and any remaining C0/C1 control except tab and newline.
_ESCAPE_SEQ = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"                     # CSI ... final
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC/DCS/SOS/PM/APC ... terminator
    r"|\x1b[ -/]*[0-~]?"                            # other ESC sequences
    r"|\x9b[0-?]*[ -/]*[@-~]"                       # 8-bit CSI
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x9c)?"  # 8-bit OSC/DCS/...
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidi embeddings/overrides/isolates and marks, zero-width and invisible formatting.
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")
_LINE_BREAKS = re.compile("[\r\n\u2028\u2029\x85\x0b\x0c]+")
_SPACES = re.compile(r"[ \t]+")


def valid_text(value: str) -> str:
    """Text that UTF-8 (and so SQLite) can hold: lone surrogates become U+FFFD."""
    return _SURROGATE.sub("\ufffd", value)


def inert(value: str, *, keep_newlines: bool = False) -> str:
    """Text safe to print on a terminal: no escape sequences, controls or invisible marks."""
    text = valid_text(value)
    text = _ESCAPE_SEQ.sub("", text)
    if not keep_newlines:
        text = _LINE_BREAKS.sub(" ", text)
    else:
        text = text.replace("\r\n", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _CONTROLS.sub(lambda m: "" if m.group() not in "\n\t" else m.group(), text)
    text = _INVISIBLE.sub("", text)
    return text if keep_newlines else _SPACES.sub(" ", text).strip()


def truncate(value: str, width: int) -> str:
    if len(value) <= width:
        return value
    return value[: max(0, width - 1)].rstrip() + "…"


def first_name(name: str) -> str:
    """'Marie Curie' -> 'Marie'; '' when the name is empty or looks like a handle."""
    words = [w for w in re.split(r"\s+", inert(name)) if w]
    if not words:
        return ""
    word = words[0].strip(".,;:!?\"'()[]{}")
    if not word or word.startswith("@") or any(ch.isdigit() for ch in word) or not word[0].isalpha():
        return ""
    return word
