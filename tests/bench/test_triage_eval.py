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


def test_replay_adds_only_replies_that_precede_the_latest_message() -> None:
    rows = [
        {"id": "1", "source": "t", "inbox": "Acme", "thread": "1", "author": {"id": "p"}, "text": "help?",
         "created_at": "2026-01-01T10:00:00Z", "labels": {"got_reply": True, "reply_delay_s": 60}},
        {"id": "2", "source": "t", "inbox": "Acme", "thread": "1", "author": {"id": "p"}, "text": "thanks",
         "created_at": "2026-01-01T10:05:00Z", "labels": {"got_reply": True, "reply_delay_s": 600}},
    ]
    events = E.replay(rows)
    replies = [e for e in events if e.get("from_me")]
    assert [r["in_reply_to"] for r in replies] == ["1"]


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
