"""The queue replayed on real brand inboxes (../shared/eval/dev_replay.jsonl).

At each moment T, a fresh database holds only the lines written by T, and the queue
(`h2h queue --jsonl --all --limit 0` with H2H_NOW=T) ranks every open conversation.
A conversation was *answered next* when one of the brand's lines after T replies to
one of its messages; the others were *left*. Per inbox, ROC-AUC is the chance that
an answered conversation stands above a left one; the same figure is computed for
"oldest first" (longest waiting) and "newest first" (latest message) on the same
conversations, so the three orders are judged on exactly the same items.

The import and the queue run in this process, through the same functions the
commands call (`ingest_lines`, `build_queue`), with a config file read as h2h reads
one: the models load once, and a moment costs its database only. `--subprocess`
runs the real commands instead (slower, and the same figures: tests check it).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, NamedTuple, Sequence

BUSY_SHARE = 0.03       # an hour holding this share of the lines is a busy one
STEP_MIN = 10           # minutes between moments inside a busy hour


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def moments(rows: Sequence[dict], share: float = BUSY_SHARE, step_min: int = STEP_MIN) -> list[str]:
    """Moments every `step_min` minutes (half a step in) inside every hour that holds at
    least `share` of the lines: the hours when agents had a queue to choose from."""
    per_hour: dict[str, int] = defaultdict(int)
    for r in rows:
        per_hour[r["created_at"][:13]] += 1
    least = max(1, share * len(rows))
    out = []
    for hour in sorted(h for h, n in per_hour.items() if n >= least):
        start = _time(hour + ":00:00Z")
        out += [_iso(start + timedelta(minutes=step_min * (k + 0.5))) for k in range(60 // step_min)]
    return out


class Item(NamedTuple):
    """One open conversation at one moment, as the queue showed it."""

    moment: str
    inbox: str
    rank: int               # position in the queue (1 is the top)
    section: str
    waiting_s: float
    latest: str             # its newest unanswered message
    answered: bool          # the brand replied to one of its messages after the moment
    text: str
    reasons: tuple


def _config_text(weights: Mapping[str, float] | None) -> str:
    text = "[me]\nlanguages = [\"en\", \"fr\"]\n"
    if weights:
        text += "[triage.weights]\n" + "".join(f"{k} = {float(v)!r}\n" for k, v in sorted(weights.items()))
    return text


@contextmanager
def _env(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def queue_in_process(lines: bytes, now: str, config_path: Path) -> list[tuple[dict, list[str]]]:
    """`h2h import` then `h2h queue --jsonl --all --limit 0` on a fresh in-memory database:
    each queue item's JSON and the ids of every message of its conversation."""
    from h2h import config
    from h2h.app import inbox
    from h2h.ingest.bulk import ingest_lines
    from h2h.store import Store
    from h2h.triage.engine import Engine

    with _env(H2H_NOW=now):
        engine = Engine.from_config(config.load(config_path))
        store = Store.open(":memory:")
        try:
            ingest_lines(store, io.BytesIO(lines), engine, workers=0)
            queue = inbox.build_queue(store, engine, limit=None, show_all=True, with_counts=False)
            out = []
            for item in queue.items:
                conv = store.conversation(item.id)
                ids = [m["remote_id"] for m in store.conversation_messages(conv)]
                out.append((json.loads(json.dumps(item.to_json())), ids))
            return out
        finally:
            store.close()


def queue_subprocess(lines: bytes, now: str, config_path: Path) -> list[tuple[dict, list[str]]]:
    """The same, with the real commands in a throwaway H2H_HOME."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "H2H_HOME": tmp, "H2H_CONFIG": str(config_path), "H2H_NOW": now, "NO_COLOR": "1",
               "H2H_WORKERS": "0"}
        env.pop("H2H_DB", None)
        h2h = [sys.executable, "-m", "h2h"]
        subprocess.run(h2h + ["import", "-"], input=lines, env=env, check=True, capture_output=True)
        out = subprocess.run(h2h + ["queue", "--jsonl", "--all", "--limit", "0"], env=env, check=True,
                             capture_output=True).stdout.decode("utf-8")
        items = [json.loads(x) for x in out.split("\n") if x]
        result = []
        for item in items:
            shown = subprocess.run(h2h + ["show", item["id"], "--json"], env=env, check=True,
                                   capture_output=True).stdout.decode("utf-8")
            result.append((item, [m["id"] for m in json.loads(shown)["data"]["messages"]]))
        return result


def run(rows: Sequence[dict], at: Sequence[str], *, weights: Mapping[str, float] | None = None,
        runner: Callable[[bytes, str, Path], list[tuple[dict, list[str]]]] = queue_in_process) -> list[Item]:
    """Every open conversation of every inbox at every moment, in queue order."""
    rows = sorted(rows, key=lambda r: r["created_at"])
    inbox_of = {r["id"]: r.get("inbox") for r in rows}
    # For each message, the times the brand replied to it.
    replied: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r.get("from_me") and r.get("in_reply_to"):
            replied[r["in_reply_to"]].append(r["created_at"])
    encoded = [(r["created_at"], (json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8")) for r in rows]
    items: list[Item] = []
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "config.toml"
        config_path.write_text(_config_text(weights), encoding="utf-8")
        for now in at:
            lines = b"".join(line for created, line in encoded if created <= now)
            # Ranks restart in each section; the queue's order is the order it prints them in.
            for position, (item, ids) in enumerate(runner(lines, now, config_path), 1):
                inbox = next((inbox_of[m["id"]] for m in item["mentions"] if inbox_of.get(m["id"])), None)
                if inbox is None:
                    continue
                answered = any(t > now for i in ids for t in replied.get(i, ()))
                latest = max(m["created_at"] for m in item["mentions"])
                items.append(Item(now, inbox, position, item["section"], float(item["waiting_s"]), latest, answered,
                                  item["text"], tuple((r["code"], r["points"]) for r in item["reasons"])))
    return items


# --- the figures -----------------------------------------------------------------------

ORDERS: dict[str, Callable[[Item], float]] = {
    "queue": lambda it: -it.rank,
    "oldest first": lambda it: it.waiting_s,
    "newest first": lambda it: _time(it.latest).timestamp(),
}


def roc_auc(pairs: Iterable[tuple[float, bool]]) -> float | None:
    """Mann-Whitney: the probability a positive outranks a negative (ties count half)."""
    data = sorted(pairs, key=lambda p: p[0])
    pos = sum(1 for _, y in data if y)
    neg = len(data) - pos
    if not pos or not neg:
        return None
    rank_sum, i = 0.0, 0
    while i < len(data):
        j = i
        while j < len(data) and data[j][0] == data[i][0]:
            j += 1
        rank_sum += (i + j + 1) / 2 * sum(1 for _, y in data[i:j] if y)
        i = j
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


class Figure(NamedTuple):
    auc: float | None       # mean over inboxes of each inbox's mean over moments
    inboxes: int            # inboxes with at least one moment holding both outcomes
    moments: int            # (inbox, moment) pairs that count
    answered: int
    left: int


def figure(items: Sequence[Item], key: Callable[[Item], float], inboxes: Iterable[str] | None = None) -> Figure:
    """Per inbox and moment, ROC-AUC of `key` for answered above left; averaged over an
    inbox's moments, then over inboxes (each inbox counts once, however busy)."""
    wanted = None if inboxes is None else set(inboxes)
    groups: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for it in items:
        if wanted is None or it.inbox in wanted:
            groups[(it.inbox, it.moment)].append(it)
    per_inbox: dict[str, list[float]] = defaultdict(list)
    answered = left = 0
    for (inbox, _), group in sorted(groups.items()):
        auc = roc_auc((key(it), it.answered) for it in group)
        if auc is not None:
            per_inbox[inbox].append(auc)
            answered += sum(it.answered for it in group)
            left += sum(not it.answered for it in group)
    if not per_inbox:
        return Figure(None, 0, 0, answered, left)
    mean = sum(sum(v) / len(v) for v in per_inbox.values()) / len(per_inbox)
    return Figure(mean, len(per_inbox), sum(map(len, per_inbox.values())), answered, left)


def halves(rows: Sequence[dict]) -> tuple[list[str], list[str]]:
    """The inboxes split in two of similar size and busyness: sorted by how many lines
    they hold, then dealt alternately (calibration, held out)."""
    count: dict[str, int] = defaultdict(int)
    for r in rows:
        if r.get("inbox"):
            count[r["inbox"]] += 1
    ordered = sorted(count, key=lambda k: (-count[k], k))
    return ordered[0::2], ordered[1::2]


def table(items: Sequence[Item], split: tuple[list[str], list[str]]) -> list[str]:
    """The replay's Markdown rows: each order on all inboxes and on each half."""
    cal, held = split
    lines = ["| order | all inboxes | calibration half | held-out half | target |", "|---|---:|---:|---:|---:|"]
    figs = {name: [figure(items, key), figure(items, key, cal), figure(items, key, held)]
            for name, key in ORDERS.items()}
    for name, (a, c, h) in figs.items():
        if name == "queue":
            best = [max((figs[o][i].auc or 0.0) for o in ORDERS if o != "queue") for i in range(3)]
            target = f"≥ 0.85 and ≥ {best[0] + 0.05:.3f}"
        else:
            target = ""
        lines.append(f"| {name} | {_f(a.auc)} | {_f(c.auc)} | {_f(h.auc)} | {target} |")
    a = figs["queue"][0]
    lines.append(f"\n{a.inboxes} inboxes, {a.moments} (inbox, moment) pairs with both outcomes; "
                 f"{a.answered} conversations answered next, {a.left} left (counted once per moment).")
    return lines


def _f(x: float | None) -> str:
    return "" if x is None else f"{x:.3f}"
