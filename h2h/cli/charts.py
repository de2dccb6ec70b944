"""Bars and sparklines made of block characters, as rich Text (plain text in a pipe)."""

from __future__ import annotations

from typing import Sequence

from rich.text import Text

_EIGHTHS = " ▏▎▍▌▋▊▉█"
_SPARK = "▁▂▃▄▅▆▇█"


def bar_str(value: float, top: float, width: int) -> str:
    """A horizontal bar `width` cells long at `top`, to an eighth of a cell."""
    if top <= 0 or value <= 0:
        return ""
    eighths = round(min(value, top) / top * width * 8)
    full, part = divmod(max(1, eighths), 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def spark_str(values: Sequence[float]) -> str:
    """One character per value; zero is the lowest block, any other value at least the second."""
    top = max(values, default=0)
    if top <= 0:
        return _SPARK[0] * len(values)
    out = []
    for v in values:
        level = 0 if v <= 0 else max(1, round(v / top * (len(_SPARK) - 1)))
        out.append(_SPARK[level])
    return "".join(out)


def bar(value: float, top: float, width: int, style: str = "") -> Text:
    return Text(bar_str(value, top, width).ljust(width), style=style)


def sparkline(values: Sequence[float], style: str = "") -> Text:
    return Text(spark_str(values), style=style)
