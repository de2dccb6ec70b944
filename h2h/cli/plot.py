"""`h2h stats --png`: the stats document drawn as one PNG with matplotlib.

matplotlib is optional (`pip install 'h2h[plot]'`); it is imported only here,
only when a plot is asked for. The Figure is built without pyplot, so nothing
global (backends, open windows) is touched.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from h2h.errors import H2HError

HINT = "Install the plot extra: pip install 'h2h[plot]' (or pip install matplotlib). The other figures work without it."


class PlotUnavailable(H2HError):
    code = "plot_unavailable"
    hint = HINT


def available() -> None:
    """Raise PlotUnavailable, saying what to install, when matplotlib cannot be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise PlotUnavailable(f"--png needs matplotlib, which is not installed ({exc})") from None


def write_png(stats: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    available()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(11, 7.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    (ax_days, ax_resp), (ax_backlog, ax_sla) = fig.subplots(2, 2)
    fig.suptitle(f"h2h · {stats['since'][:10]} to {stats['until'][:10]} · SLA {stats['sla_s'] / 3600:g}h")

    days = stats["per_day"]
    x = list(range(len(days)))
    ax_days.plot(x, [d["from_people"] for d in days], label="from people", color="#1f77b4")
    ax_days.plot(x, [d["from_us"] for d in days], label="from us", color="#2ca02c")
    ticks = x[:: max(1, len(x) // 6)]
    ax_days.set_xticks(ticks, [days[i]["date"][5:] for i in ticks])
    ax_days.set_title("Messages per day")
    ax_days.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax_days.legend(loc="upper left")

    rows = [("all", stats["overall"])] + [(s["source"], s) for s in stats["by_source"]]
    labels = [name for name, _ in rows]
    ys = list(range(len(rows)))
    median = [(r["first_response"]["median_s"] or 0) / 3600 for _, r in rows]
    p90 = [(r["first_response"]["p90_s"] or 0) / 3600 for _, r in rows]
    ax_resp.barh([y + 0.2 for y in ys], p90, height=0.4, label="p90", color="#ff7f0e")
    ax_resp.barh([y - 0.2 for y in ys], median, height=0.4, label="median", color="#1f77b4")
    ax_resp.axvline(stats["sla_s"] / 3600, color="#d62728", linestyle="--", label="SLA")
    ax_resp.set_yticks(ys, labels)
    ax_resp.invert_yaxis()
    ax_resp.set_xlabel("hours")
    ax_resp.set_title("First response")
    ax_resp.legend(loc="lower right")

    ages = stats["backlog"]["by_age"]
    ax_backlog.bar([a["label"] for a in ages], [a["count"] for a in ages], color="#9467bd")
    ax_backlog.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax_backlog.set_title(f"Waiting now: {stats['backlog']['total']} ({stats['backlog']['past_sla']} past the SLA)")

    shares = [(name, r["sla"]["share"]) for name, r in rows]
    ax_sla.barh(ys, [100 * (s or 0) for _, s in shares], color="#2ca02c")
    ax_sla.set_yticks(ys, labels)
    ax_sla.invert_yaxis()
    ax_sla.set_xlim(0, 100)
    ax_sla.set_xlabel("% answered within the SLA")
    ax_sla.set_title("Within the SLA")

    import io

    from h2h import files

    target = Path(path).expanduser()
    drawn = io.BytesIO()
    fig.savefig(drawn, format="png")
    try:
        files.replace(target, drawn.getvalue(), mode=0o666)  # the umask decides, as for any file the user makes
    except files.LinkRefused:
        raise H2HError(f"{target} is a symbolic link; h2h does not write through it",
                       hint="Pass the path of a file, not of a link.", code="link_refused") from None
    except OSError as exc:
        raise H2HError(f"cannot write {target}: {exc.strerror or exc}",
                       hint="Check the folder exists and is writable, or pass another --png path.") from None
    return target
