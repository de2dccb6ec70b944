"""bench/triage_eval.py: its arithmetic, and one real run on a small labeled file."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("triage_eval", ROOT / "bench" / "triage_eval.py")
E = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
spec.loader.exec_module(E)  # type: ignore[union-attr]
R = E.R   # bench/triage_replay.py, as the script imports it


@pytest.mark.parametrize(("pairs", "auc"), [
    ([(0.9, True), (0.1, False)], 1.0),
    ([(0.1, True), (0.9, False)], 0.0),
    ([(0.5, True), (0.5, False)], 0.5),
    ([(0.9, True), (0.4, True), (0.5, False), (0.1, False)], 0.75),
])
def test_roc_auc(pairs: list, auc: float) -> None:
    assert E.roc_auc(pairs) == pytest.approx(auc)


def test_roc_auc_needs_both_classes() -> None:
    assert E.roc_auc([(0.3, True)]) is None


def test_precision_at_k_skips_small_inboxes() -> None:
    p, base, n = E.precision_at_k({"a": [True] * 8 + [False] * 4, "b": [False] * 3}, k=10)
    assert (p, n) == (0.8, 1) and base == pytest.approx(8 / 12)


def _row(i: int, text: str, labels: dict, source: str, **extra: object) -> dict:
    return {"id": f"{source}:{i}", "source": source, "platform": "twitter", "text": text,
            "created_at": f"2026-01-0{1 + i % 9}T10:00:00Z", "author": {"id": f"u{i}", "handle": f"@u{i}"},
            "labels": labels, **extra}


def test_a_real_run_prints_the_table(tmp_path: Path) -> None:
    rows = []
    asks = ["how do I reset my password?", "where is my order?", "can I change my plan?", "is the app down?"]
    tells = ["I went to the store.", "It was raining.", "See you at five.", "We arrived at noon."]
    for i, t in enumerate(asks + tells):
        rows.append(_row(i, t, {"question": i < 4, "request": False}, "dailydialog"))
    for i, t in enumerate(["my order never arrived", "the app keeps crashing", "lovely day today", "new blog post"]):
        rows.append(_row(20 + i, t, {"got_reply": i < 2, "reply_delay_s": 60}, "twcs", inbox="Acme"))
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "triage_eval.py"), str(path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if x.startswith("| question | dailydialog"))
    assert float(line.split("|")[5]) == 1.0


def _line(ident: str, at: str, author: str, text: str, **extra: object) -> dict:
    return {"id": ident, "source": "t", "platform": "twitter", "text": text, "created_at": f"2026-01-01T{at}:00Z",
            "author": {"id": author, "handle": "@" + author}, "inbox": "Acme", "to_me": True, **extra}


# One inbox at 10:20: Ann's problem is answered at 10:40; Bob's thanks for an answer and
# Cat's small talk never are. Dan's question is answered before 10:20 (not open then).
REPLAY = [
    _line("b1", "09:40", "bob", "@Acme how do I reset my password?"),
    _line("r1", "09:50", "Acme", "@bob Settings, then Reset.", from_me=True, in_reply_to="b1"),
    _line("d1", "09:55", "dan", "@Acme is the app down?"),
    _line("r2", "10:00", "Acme", "@dan Not that we know of.", from_me=True, in_reply_to="d1"),
    _line("a1", "10:05", "ann", "@Acme my order never arrived, can you help?"),
    _line("b2", "10:10", "bob", "@Acme thanks, that worked", in_reply_to="r1"),
    _line("c1", "10:15", "cat", "@Acme lovely day today"),
    _line("r3", "10:40", "Acme", "@ann Sorry! Which order?", from_me=True, in_reply_to="a1"),
]


def test_replay_labels_what_the_brand_answered_next() -> None:
    items = R.run(REPLAY, ["2026-01-01T10:20:00Z"])
    answered = {it.text.split()[1]: it.answered for it in items}
    assert answered == {"my": True, "thanks,": False, "lovely": False}
    assert all(it.inbox == "Acme" and it.moment == "2026-01-01T10:20:00Z" for it in items)


def test_replay_in_process_gives_what_the_commands_give() -> None:
    at = ["2026-01-01T10:20:00Z"]
    assert R.run(REPLAY, at) == R.run(REPLAY, at, runner=R.queue_subprocess)


def test_moments_fall_in_busy_hours_only() -> None:
    rows = [{"created_at": f"2026-01-01T10:{m:02d}:00Z"} for m in range(0, 60, 3)] + [
        {"created_at": "2026-01-02T03:00:00Z"}]
    at = R.moments(rows, share=0.1, step_min=20)
    assert at == ["2026-01-01T10:10:00Z", "2026-01-01T10:30:00Z", "2026-01-01T10:50:00Z"]


def _item(inbox: str, moment: str, rank: int, answered: bool, waiting_s: float = 0.0) -> object:
    return R.Item(moment, inbox, rank, "reply", waiting_s, "2026-01-01T10:00:00Z", answered, "", ())


def test_figure_averages_moments_within_an_inbox_then_inboxes() -> None:
    items = [
        # inbox a, two moments: perfect, then reversed -> 0.5
        _item("a", "m1", 1, True), _item("a", "m1", 2, False),
        _item("a", "m2", 1, False), _item("a", "m2", 2, True),
        # inbox b, one moment: perfect -> 1.0; a moment with one outcome only counts for nothing
        _item("b", "m1", 1, True), _item("b", "m1", 2, False), _item("b", "m2", 1, True),
    ]
    fig = R.figure(items, R.ORDERS["queue"])
    assert fig.auc == pytest.approx(0.75) and (fig.inboxes, fig.moments) == (2, 3)
    assert R.figure(items, R.ORDERS["queue"], ["a"]).auc == pytest.approx(0.5)


def test_plain_orders_are_judged_on_the_same_items() -> None:
    items = [_item("a", "m", 1, True, waiting_s=10.0), _item("a", "m", 2, False, waiting_s=500.0)]
    assert R.figure(items, R.ORDERS["oldest first"]).auc == 0.0
    assert R.figure(items, R.ORDERS["queue"]).auc == 1.0


def test_halves_deal_inboxes_by_size() -> None:
    rows = [{"inbox": name} for name, n in (("a", 5), ("b", 4), ("c", 3), ("d", 2)) for _ in range(n)]
    assert R.halves(rows) == (["a", "c"], ["b", "d"])


def test_a_real_run_prints_the_replay_table(tmp_path: Path) -> None:
    path = tmp_path / "small.jsonl"
    path.write_text(json.dumps(_row(0, "where is my order?", {"question": True}, "dailydialog")) + "\n"
                    + json.dumps(_row(1, "It was raining.", {"question": False}, "dailydialog")) + "\n")
    replay = tmp_path / "replay.jsonl"
    replay.write_text("\n".join(json.dumps(r) for r in REPLAY) + "\n", encoding="utf-8")
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "triage_eval.py"), str(path), "--replay", str(replay),
                          "--at", "2026-01-01T10:20:00Z"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = {x.split("|")[1].strip(): x.split("|")[2:5] for x in out.stdout.splitlines() if x.startswith("| ")}
    assert {"queue", "oldest first", "newest first"} <= set(rows)
    assert float(rows["queue"][0]) == 1.0
