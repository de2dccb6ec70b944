#!/usr/bin/env python3
"""Measure triage on labeled messages: ROC-AUC per signal and label, and how
well the queue puts first the conversations a brand answered next.

    python bench/triage_eval.py ../shared/eval/dev.jsonl [--gold ../shared/eval/fr_gold_dev.jsonl]
        [--replay ../shared/eval/dev_replay.jsonl] [--moments N]

FILE is in h2h's import format with a `labels` object per line (see
../shared/eval/README.md). The per-message signals and scores come from the real
command, `h2h score FILE`. The ranking is replayed (bench/triage_replay.py) on
the brand inboxes of the replay file (default: dev_replay.jsonl next to FILE):
at moments spread over its busy hours, a fresh database holds what had been
written by then, and the queue's order is judged against what the brand's
agents answered next, beside "oldest first" and "newest first" on the same
conversations, on all inboxes and on each half of them (calibration, held out).
It prints Markdown tables (paste them into README.md, "Triage quality").

Which label measures which signal:
  question, request   dailydialog (dialog acts), fr_gold
  complaint           complaints, rigaut, fr_gold
  negative, positive  airline, xlmt_fr (sentiment), fr_gold
  toxic               olid, mlma_fr (offensive), fr_gold
  not a person        free_fr author_type (own brand, media, bot) against -score
  got_reply           twcs, ibm_cdp: ROC-AUC of the score, and per-inbox precision@10
  needs_reply         fr_gold, fr_inbox (>= 1; == 2, "reply soon") against the score
fr_inbox is scripts/train/written_fr_inbox.tsv: French brand mentions written and
labeled for h2h (its rows train the French model, so their figures are in-sample).
Rows whose source trained the shipped weights are marked * (their figure is
in-sample; scripts/train_signals.py prints the cross-validated one).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import triage_replay as R  # noqa: E402
from triage_replay import roc_auc  # noqa: E402  (one ROC-AUC for both)

TRAINED = {"mlma_fr", "fr_gold", "fr_inbox", "ibm_cdp", "free_fr"}   # sources (partly) used to train the shipped weights
INBOX = Path(__file__).resolve().parent.parent / "scripts" / "train" / "written_fr_inbox.tsv"
# The brand accounts of each inbox, as their owner would list them in [me] handles.
OWN_ACCOUNTS = {"Free": ["@free", "@Freebox", "@Free_1337", "@FreeMobile"]}
K = 10


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line.strip()]


def h2h(args: list[str], home: Path, env_extra: dict[str, str] | None = None, stdin: bytes | None = None) -> str:
    env = {**os.environ, "H2H_HOME": str(home), "NO_COLOR": "1", **(env_extra or {})}
    env.pop("H2H_CONFIG", None)
    env.pop("H2H_DB", None)
    cmd = [sys.executable, "-m", "h2h", *args]
    done = subprocess.run(cmd, input=stdin, capture_output=True, env=env)
    if done.returncode not in (0, 6):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return done.stdout.decode("utf-8")


def write_config(home: Path, handles: list[str]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        "[me]\nlanguages = [\"en\", \"fr\"]\nhandles = " + json.dumps(handles) + "\n", encoding="utf-8")


def score_file(path: Path, handles: list[str]) -> dict[str, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        write_config(home, handles)
        out = h2h(["score", str(path)], home)
    return {obj["id"]: obj for obj in map(json.loads, filter(None, out.split("\n")))}


# --- what each label measures -------------------------------------------------------

def _sentiment(value: str) -> Callable[[dict], bool | None]:
    return lambda lab: None if "sentiment" not in lab else lab["sentiment"] == value


def _flag(key: str) -> Callable[[dict], bool | None]:
    return lambda lab: None if lab.get(key) is None else bool(lab[key])


SIGNAL_LABELS: list[tuple[str, str, str, Callable[[dict], bool | None]]] = [
    # (signal, source, label shown, label -> positive?)
    ("question", "dailydialog", "question", _flag("question")),
    ("question", "fr_gold", "question", _flag("question")),
    ("request", "dailydialog", "request (directive)", _flag("request")),
    ("request", "fr_gold", "request", _flag("request")),
    ("complaint", "complaints", "complaint", _flag("complaint")),
    ("complaint", "rigaut", "complaint", _flag("complaint")),
    ("complaint", "fr_gold", "complaint", _flag("complaint")),
    ("negative", "airline", "sentiment = negative", _sentiment("negative")),
    ("negative", "xlmt_fr", "sentiment = negative", _sentiment("negative")),
    ("negative", "fr_gold", "negative", _flag("negative")),
    ("positive", "airline", "sentiment = positive", _sentiment("positive")),
    ("positive", "xlmt_fr", "sentiment = positive", _sentiment("positive")),
    ("positive", "fr_gold", "positive", _flag("positive")),
    ("toxic", "olid", "offensive", _flag("offensive")),
    ("toxic", "mlma_fr", "offensive", _flag("offensive")),
    ("toxic", "fr_gold", "toxic (insult)", _flag("toxic")),
]
# The written French brand mentions, labeled as fr_gold is.
SIGNAL_LABELS += [(sig, "fr_inbox", label, fn) for sig, src, label, fn in SIGNAL_LABELS if src == "fr_gold"]
# The current issue's targets where it sets one (toxic en, the French signals), the
# earlier ones elsewhere.
TARGETS = {("question", "en"): 0.95, ("question", "fr"): 0.93, ("request", "en"): 0.90, ("request", "fr"): 0.88,
           ("complaint", "en"): 0.92, ("complaint", "fr"): 0.90, ("negative", "en"): 0.90, ("negative", "fr"): 0.85,
           ("toxic", "en"): 0.85, ("toxic", "fr"): 0.75}


def inbox_rows(path: Path = INBOX) -> list[dict]:
    """The written French brand mentions as labeled rows (letters as in scripts/train/README.md,
    then needs_reply)."""
    from train_data import letters_to_labels

    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n")):
        if not line or line.startswith("#"):
            continue
        letters, text = line.split("\t", 1)
        labels = {k: bool(v) for k, v in letters_to_labels(letters).items()}
        labels.update(needs_reply=int(next(ch for ch in letters if ch.isdigit())), language="fr")
        out.append({"id": f"fr_inbox:{n}", "source": "fr_inbox", "platform": "twitter", "text": text,
                    "created_at": "2020-01-01T00:00:00Z", "author": {"id": f"anon-fr_inbox:{n}",
                                                                     "handle": f"@anon-fr_inbox-{n}"},
                    "to_me": True, "from_me": False, "labels": labels})
    return out


def source_of(row: dict) -> str:
    return "fr_gold" if row["source"].startswith("free_fr_gold") else row["source"]


def lang_of(row: dict) -> str:
    return row["labels"].get("language") or ("fr" if row["source"].endswith("_fr") else "en")


# --- the ranking -----------------------------------------------------------------------

def precision_at_k(groups: dict[str, list[bool]], k: int = K) -> tuple[float, float, int]:
    """Mean over inboxes with at least k items of precision@k, and of their base rate."""
    kept = {g: ys for g, ys in groups.items() if len(ys) >= k}
    if not kept:
        return float("nan"), float("nan"), 0
    p = sum(sum(ys[:k]) / k for ys in kept.values()) / len(kept)
    base = sum(sum(ys) / len(ys) for ys in kept.values()) / len(kept)
    return p, base, len(kept)


# --- the report ----------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--gold", type=Path, action="append", default=[],
                        help="more labeled files (e.g. fr_gold_dev.jsonl); default: fr_gold_dev.jsonl next to FILE")
    parser.add_argument("--replay", type=Path, help="brand inboxes with their replies (default: dev_replay.jsonl "
                        "next to FILE)")
    parser.add_argument("--moments", type=int, default=0, help="replay only this many moments, evenly spaced "
                        "among all (0: every one; for a quick look)")
    parser.add_argument("--at", action="append", default=[], metavar="TIME",
                        help="replay at this moment (repeatable) instead of the busy hours'")
    parser.add_argument("--no-inbox", action="store_true", help="leave out scripts/train/written_fr_inbox.tsv")
    parser.add_argument("--no-queue", action="store_true", help="skip the replay of the queue")
    args = parser.parse_args()
    files = [args.file] + (args.gold or [p for p in [args.file.parent / "fr_gold_dev.jsonl"] if p.exists()])
    rows = [r for f in files for r in read_jsonl(f)] + (inbox_rows() if not args.no_inbox else [])
    handles = sorted({h for hs in OWN_ACCOUNTS.values() for h in hs})

    with tempfile.TemporaryDirectory() as tmp:
        merged = Path(tmp) / "all.jsonl"
        merged.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
        scored = score_file(merged, handles)
        scored_plain = score_file(merged, [])

    lines = ["| signal | rows (language) | label | n | ROC-AUC | target |", "|---|---|---|---:|---:|---:|"]
    for signal, source, label, positive in SIGNAL_LABELS:
        subset = [r for r in rows if source_of(r) == source and r["id"] in scored]
        pairs = [(scored[r["id"]]["signals"][signal], y) for r in subset if (y := positive(r["labels"])) is not None]
        auc = roc_auc(pairs)
        if auc is None:
            continue
        lang = lang_of(subset[0])
        target = TARGETS.get((signal, lang))
        mark = "*" if source in TRAINED else ""
        lines.append(f"| {signal} | {source}{mark} ({lang}) | {label} | {len(pairs)} | {auc:.3f} | "
                     f"{'' if target is None else f'{target:.2f}'} |")

    def not_person(lab: dict) -> bool | None:
        return bool(lab.get("author_type")) if "author_type" in lab or "is_retweet" in lab else None

    free = [r for r in rows if r["source"] == "free_fr"]
    for table, name in ((scored, "with [me] handles"), (scored_plain, "text and account only")):
        pairs = [(-table[r["id"]]["score"], y) for r in free if (y := not_person(r["labels"])) is not None]
        auc = roc_auc(pairs)
        if auc is not None:
            lines.append(f"| -score | free_fr* (fr) | own brand, media or bot vs person ({name}) | {len(pairs)} | "
                         f"{auc:.3f} | 0.95 |")
    for source in ("twcs", "ibm_cdp"):
        pairs = [(scored[r["id"]]["score"], bool(r["labels"]["got_reply"])) for r in rows
                 if r["source"] == source and "got_reply" in r["labels"]]
        auc = roc_auc(pairs)
        if auc is not None:
            lines.append(f"| score | {source}{'*' if source in TRAINED else ''} (en) | got_reply | {len(pairs)} | "
                         f"{auc:.3f} | |")
    for source in ("fr_gold", "fr_inbox"):
        gold = [r for r in rows if source_of(r) == source]
        for level, label, target in ((1, "needs_reply >= 1", ""), (2, "reply soon (needs_reply = 2) above the rest", "0.85")):
            pairs = [(scored[r["id"]]["score"], r["labels"]["needs_reply"] >= level) for r in gold]
            auc = roc_auc(pairs)
            if auc is not None:
                lines.append(f"| score | {source}* (fr) | {label} | {len(pairs)} | {auc:.3f} | {target} |")

    # Ranking, per inbox: messages ranked by their own score, then conversations by the queue.
    per_msg: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for r in rows:
        if "got_reply" in r["labels"] and r["source"] == "twcs" and r.get("inbox"):
            pair = (scored[r["id"]]["score"], bool(r["labels"]["got_reply"]))
            per_msg[f"{r['source']}:{r.get('inbox')}"].append(pair)
    groups = {g: [y for _, y in sorted(v, key=lambda p: -p[0])] for g, v in per_msg.items()}
    p, base, n = precision_at_k(groups)
    lines.append(f"| score (h2h score) | twcs (en), {n} inboxes | got_reply, per-inbox precision@{K} (base rate {base:.2f}) "
                 f"| {sum(len(v) for g, v in groups.items() if len(v) >= K)} | {p:.3f} | 0.90 |")
    print("\n".join(lines))
    replay_file = args.replay or args.file.parent / "dev_replay.jsonl"
    if not args.no_queue and replay_file.exists():
        print()
        print("\n".join(replay_table(read_jsonl(replay_file), args.moments, args.at)))


def replay_table(rows: list[dict], most: int = 0, at: list[str] | None = None) -> list[str]:
    at = at or R.moments(rows)
    if most and most < len(at):
        at = [at[round(i * (len(at) - 1) / max(1, most - 1))] for i in range(most)]
    items = R.run(rows, at)
    return [f"Replay: {len(at)} moments, {at[0]} to {at[-1]}; per-inbox ROC-AUC of answered next above left.",
            ""] + R.table(items, R.halves(rows))



if __name__ == "__main__":
    main()
