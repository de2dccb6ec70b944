"""The signals engine's version, apart from the engine itself: every command compares it
with the stored one, and only a stale database needs the models loaded."""

from __future__ import annotations

from functools import lru_cache

from h2h.paths import DATA

ENGINE = "linear-7"


@lru_cache(maxsize=1)
def version() -> str:
    """The code's ENGINE and the shipped data's version (first line of every
    signals_<lang>.tsv, the same in each, written by scripts/train_signals.py over all
    the triage data): stored with each message's signals."""
    with DATA.joinpath("signals_en.tsv").open("r", encoding="utf-8") as f:
        first = f.readline()
    data = first.split(":", 1)[1].strip() if first.startswith("# version:") else "unversioned"
    return f"{ENGINE}/{data}"
