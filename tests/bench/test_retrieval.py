"""bench/bench_retrieval.py: the pairs are there, and the search meets its targets on them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("bench_retrieval", ROOT / "bench" / "bench_retrieval.py")
B = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
spec.loader.exec_module(B)  # type: ignore[union-attr]


def test_at_least_150_pairs_in_english_and_french_each_naming_a_real_answer() -> None:
    store, _cfg, ids = B.world()
    entries = {f"kb:{r['entry']}" for r in store.knowledge_entries()}
    answers = {f"answer:{v}" for v in ids.values()}
    pairs = [(lang, expected) for lang in ("en", "fr") for expected, _q, _s in B.questions(lang)]
    assert sum(e != "-" for _, e in pairs) >= 150
    assert {lang for lang, _ in pairs} == {"en", "fr"}
    assert all(e == "-" or e in entries | answers for _, e in pairs)


def test_the_targets_hold_in_each_language() -> None:
    figures = B.measure("all")
    for lang, f in figures.items():
        assert f["top1"] >= 0.80 and f["top3"] >= 0.90 and f["no_match"] >= 0.80, (lang, f)
