#!/usr/bin/env python3
"""Calibrate the conversation weights of [triage.weights] on real brand inboxes.

    python scripts/train_weights.py [--replay ../shared/eval/dev_replay.jsonl]

The queue is replayed (bench/triage_replay.py) on the calibration half of the
replay's inboxes only: the held-out half is never read here, so the figures
bench/triage_eval.py prints for it stay honest. Each open conversation at each
moment gives the strength of each of its reasons (points / weight: a signal's
value, 1 for a fact, the waiting curve); the weights are fitted so that, within
one inbox, moment and section, the conversations the agents answered next score
above the ones they left: a logistic loss on every such pair, each inbox
counting once (as in the figure), an L2 pull toward zero, and each weight kept to
the sign its meaning gives it (a question never counts against an answer; the
waiting term stays and keeps growing to the SLA). The result is scaled so that
the largest weight is SCALE points and rounded to halves, to stay readable in
`h2h show`. Prints the weights as DEFAULT_WEIGHTS lines, and the calibration
half's figure for the fitted weights against the current defaults.

`--ceiling` measures what this model family can reach at best: every inbox
(both halves), fitted on all inboxes but one and judged on that one; with
`--free-signs`, each weight may also take either sign (the waiting term and
repetition then count against an answer: "newest first" learned back). Its weights read the held-out half, so they are never
shipped; the figure is the one the README gives as the ceiling.

The replay's license (CC BY-NC-SA 4.0) allows this use: calibration of the
queue's weights, which are a handful of numbers, not a copy of its text.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import triage_replay as R  # noqa: E402
from h2h.triage.weights import DEFAULT_WEIGHTS  # noqa: E402

# The weights fitted here and the range each may take. Others (bot, spam, own, brand, VIP,
# reach...) do not vary in these inboxes, or must not be learned from them.
BOUNDS: dict[str, tuple[float, float]] = {
    # What they said that asks for an answer counts for it, at least this much whatever the fit.
    "question": (5.0, 20.0), "request": (5.0, 20.0), "complaint": (5.0, 20.0), "urgent": (1.0, 20.0),
    "chaser": (2.0, 20.0), "answers_us": (1.0, 20.0), "negative": (0.0, 20.0), "first_contact": (0.0, 20.0),
    "returning": (-20.0, 20.0), "followup": (0.0, 20.0), "praise": (-20.0, 20.0),
    # The waiting term stays, growing to the SLA: among those who need an answer, the longest
    # waiting comes first.
    "waiting": (2.0, 20.0),
    # What says no answer is awaited counts against one.
    "toxic": (-20.0, 0.0), "closing": (-20.0, -2.0), "private": (-20.0, -2.0),
}
SCALE = 10.0      # points of the largest fitted weight
L2 = 0.01         # pull toward zero, in the fit's own units


def strengths(items: list[R.Item], used: dict[str, float]) -> list[dict[str, float]]:
    out = []
    for it in items:
        d: dict[str, float] = defaultdict(float)
        for code, points in it.reasons:
            if code in BOUNDS and used.get(code):
                d[code] += points / used[code]
        out.append(d)
    return out


def pairs(items: list[R.Item], feats: list[dict[str, float]]):  # type: ignore[no-untyped-def]
    """(answered, left) index pairs within one inbox, moment and section, each with its
    weight: every inbox counts once, and within it every moment."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        groups[(it.inbox, it.moment)].append(i)
    moments_of: dict[str, int] = defaultdict(int)
    for (inbox, _), idx in groups.items():
        if len({items[i].answered for i in idx}) == 2:
            moments_of[inbox] += 1
    out = []
    for (inbox, _), idx in groups.items():
        if not moments_of.get(inbox):
            continue
        pos = [i for i in idx if items[i].answered]
        neg = [i for i in idx if not items[i].answered]
        if not pos or not neg:
            continue
        same = [(a, b) for a in pos for b in neg if items[a].section == items[b].section]
        w = 1.0 / (len(pos) * len(neg) * moments_of[inbox] * len(moments_of))
        out += [(a, b, w) for a, b in same]
    return out


def fit(items: list[R.Item], used: dict[str, float], l2: float = L2) -> dict[str, float]:
    import numpy as np
    from scipy.optimize import minimize

    names = sorted(BOUNDS)
    feats = strengths(items, used)
    X = np.array([[f.get(n, 0.0) for n in names] for f in feats])
    P = pairs(items, feats)
    A = np.array([a for a, _, _ in P])
    B = np.array([b for _, b, _ in P])
    W = np.array([w for _, _, w in P])
    D = X[A] - X[B]

    def loss(w):  # type: ignore[no-untyped-def]
        z = D @ w
        value = np.sum(W * np.logaddexp(0.0, -z)) + l2 * np.sum(w * w)
        grad = -(D.T @ (W / (1.0 + np.exp(np.clip(z, -50, 50))))) + 2 * l2 * w
        return value, grad

    # Fitted in tenths of SCALE, then scaled so that the largest weight is SCALE points: the
    # loss only fixes the weights' ratios (and the L2 pull their size).
    start = np.array([min(max(used.get(n, 0.0), BOUNDS[n][0]), BOUNDS[n][1]) / SCALE for n in names])
    res = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=[(lo / SCALE, hi / SCALE) for lo, hi in
                                                                      (BOUNDS[n] for n in names)])
    w = res.x * SCALE / max(1e-9, float(np.max(np.abs(res.x))))
    out = {}
    for n, v in zip(names, w):
        lo, hi = BOUNDS[n]
        out[n] = min(hi, max(lo, round(v * 2) / 2))
    return out


def score_with(items: list[R.Item], used: dict[str, float], weights: dict[str, float]) -> list[R.Item]:
    """The items re-ranked as the queue would with `weights` (the sections stay: rules set them)."""
    feats = strengths(items, used)
    order = {s: i for i, s in enumerate(("reply", "thanks", "careful", "noise"))}
    fixed = [sum(p for code, p in it.reasons if code not in BOUNDS) for it in items]
    scores = [f0 + sum(weights.get(n, 0.0) * v for n, v in f.items()) for f0, f in zip(fixed, feats)]
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        groups[(it.inbox, it.moment)].append(i)
    out = list(items)
    for idx in groups.values():
        ranked = sorted(idx, key=lambda i: (order[items[i].section], -scores[i], -items[i].waiting_s))
        for rank, i in enumerate(ranked, start=1):
            out[i] = items[i]._replace(rank=rank)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replay", type=Path, default=ROOT.parent.parent / "shared" / "eval" / "dev_replay.jsonl")
    parser.add_argument("--l2", type=float, default=L2)
    parser.add_argument("--ceiling", action="store_true",
                        help="every inbox, leave one inbox out: the model family's ceiling (never shipped)")
    parser.add_argument("--free-signs", action="store_true", help="with --ceiling: any weight may take either sign")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.replay.read_bytes().split(b"\n") if line.strip()]
    cal, held = R.halves(rows)
    at = R.moments(rows)
    keep = set(cal) | (set(held) if args.ceiling else set())
    if args.ceiling and args.free_signs:
        BOUNDS.update({n: (-20.0, 20.0) for n in BOUNDS})
    mine = [r for r in rows if r.get("inbox") in keep]     # the held-out inboxes are never read
    # Every fitted reason shows, at a known weight, so its strength can be read back.
    used = {**DEFAULT_WEIGHTS, **{n: (DEFAULT_WEIGHTS.get(n) or 1.0) for n in BOUNDS}}
    items = R.run(mine, at, weights=used)
    fitted = fit(items, used, args.l2)
    # Leave one inbox out: how well weights fitted on the others rank it.
    folds = []
    for inbox in sorted(keep):
        rest = [it for it in items if it.inbox != inbox]
        one = [it for it in items if it.inbox == inbox]
        f = R.figure(score_with(one, used, fit(rest, used, args.l2)), R.ORDERS["queue"])
        if f.auc is not None:
            folds.append(f.auc)
    now = R.figure(score_with(items, used, DEFAULT_WEIGHTS), R.ORDERS["queue"]).auc
    new = R.figure(score_with(items, used, fitted), R.ORDERS["queue"]).auc
    print(f"{'every inbox' if args.ceiling else 'calibration half'} ({len(keep)} inboxes, {len(at)} moments): current defaults {now:.3f}, "
          f"fitted {new:.3f}, fitted leaving each inbox out {sum(folds) / len(folds):.3f}")
    for n in sorted(fitted, key=lambda k: -abs(fitted[k])):
        print(f'    "{n}": {fitted[n]},')


if __name__ == "__main__":
    main()
