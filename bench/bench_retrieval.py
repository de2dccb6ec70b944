"""Answer memory and knowledge search: does a question find the right answer?

    python bench/bench_retrieval.py [--split dev|test|all] [--threshold T] [--show-misses]

The questions (bench/retrieval/questions_LANG.txt) each name the knowledge entry
(h2h/data/demo/knowledge/) or the past answer (bench/retrieval/answers.jsonl)
that answers them, or "-" when nothing does. The past answers are stored the way
h2h stores them (a person's message, our reply, ingested), the knowledge folder
is read through [draft] knowledge, and every question goes through the search
the drafter uses (h2h/draft/memory.py), so the figures are the product's.

Per language:
  top-1     the best match is the right one and above the threshold (a draft starts from it)
  top-3     the right one is among the three closest (what `h2h draft ID --from-memory` lists)
  no match  for questions nothing covers, the best match is below the threshold (the draft
            says it will ask the team instead of answering from the wrong entry)
Odd lines of each file are the dev split (used to tune), even lines the test split.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "retrieval"
KNOWLEDGE = ROOT / "h2h" / "data" / "demo" / "knowledge"

CONFIG = f"""
[me]
name = "Alex"
handles = ["@acme@mastodon.social", "acme.bsky.social", "acme"]
keywords = ["acme notes", "acmenotes"]

[draft]
knowledge = "{KNOWLEDGE}"
"""


def questions(lang: str) -> list[tuple[str, str, str]]:
    """(expected, question, split) in file order."""
    out = []
    lines = [line for line in (DATA / f"questions_{lang}.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    for i, line in enumerate(lines):
        expected, question = line.split("\t", 1)
        out.append((expected, question, "dev" if i % 2 == 0 else "test"))
    return out


def world():  # type: ignore[no-untyped-def]
    from h2h import config as config_mod
    from h2h.draft import knowledge, memory
    from h2h.ingest.ingest import ingest
    from h2h.models import Mention, Person
    from h2h.store import Store
    from h2h.triage.engine import Engine

    cfg = config_mod.parse(CONFIG)
    engine = Engine.from_config(cfg)
    store = Store.open(":memory:")
    t0 = datetime(2026, 10, 1, tzinfo=timezone.utc)
    us = Person(source="masto", remote_id="us", handle="@acme@mastodon.social", name="Acme")
    ids = {}
    for n, line in enumerate((DATA / "answers.jsonl").read_text(encoding="utf-8").splitlines()):
        obj = json.loads(line)
        if "_comment" in obj:
            continue
        person = Person(source="masto", remote_id=obj["handle"], handle=obj["handle"], name="")
        asked = Mention(source="masto", platform="mastodon", remote_id=f"q-{obj['id']}", author=person,
                        text=obj["question"], created_at=t0 + timedelta(hours=2 * n), lang=obj["lang"], to_me=True,
                        from_me=False, raw={})
        ours = Mention(source="masto", platform="mastodon", remote_id=f"a-{obj['id']}", author=us, text=obj["answer"],
                       created_at=t0 + timedelta(hours=2 * n, minutes=30), lang=obj["lang"], to_me=False,
                       from_me=True, in_reply_to=asked.remote_id, raw={})
        ingest(store, [asked, ours], engine)
        ids[f"q-{obj['id']}"] = obj["id"]
    memory.refresh(store, cfg)
    problems, note = knowledge.sync(store, cfg)
    assert not problems and not note, (problems, note)
    return store, cfg, ids


def ref_of(match, ids) -> str:  # type: ignore[no-untyped-def]
    if match.kind == "knowledge":
        return match.ref
    return "answer:" + next((ids[a] for a in match.answered if a in ids), match.ref)


def measure(split: str, threshold: float | None = None, misses: list[str] | None = None) -> dict[str, dict[str, float]]:
    """top1, top3, no_match, counts and ms per question, per language."""
    from h2h.draft import memory

    threshold = memory.THRESHOLD if threshold is None else threshold
    store, cfg, ids = world()
    out = {}
    for lang in ("en", "fr"):
        rows = [q for q in questions(lang) if split in ("all", q[2])]
        top1 = top3 = covered = none_ok = uncovered = 0
        started = time.perf_counter()
        for expected, question, _split in rows:
            found = memory.search(store, cfg, question, lang, limit=3)
            refs = [ref_of(m, ids) for m in found]
            above = bool(found) and found[0].similarity >= threshold
            if expected == "-":
                uncovered += 1
                none_ok += not above
                if above and misses is not None:
                    misses.append(f"  {lang} false match {refs[0]} ({found[0].similarity:.2f}): {question}")
                continue
            covered += 1
            ok1 = above and refs[0] == expected
            top1 += ok1
            top3 += expected in refs
            if not ok1 and misses is not None:
                got = ", ".join(f"{r} {m.similarity:.2f}" for r, m in zip(refs, found)) or "nothing"
                misses.append(f"  {lang} want {expected}, got {got}: {question}")
        out[lang] = {"covered": covered, "top1": top1 / covered, "top3": top3 / covered, "uncovered": uncovered,
                     "no_match": none_ok / max(1, uncovered),
                     "ms": (time.perf_counter() - started) * 1000 / max(1, len(rows))}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("H2H_HOME", tempfile.mkdtemp(prefix="h2h-bench-retrieval-"))
    from h2h.draft import memory

    misses: list[str] = []
    figures = measure(args.split, args.threshold, misses)
    print(f"threshold {memory.THRESHOLD if args.threshold is None else args.threshold:.2f}, split {args.split}")
    print(f"{'lang':4} {'covered':>7} {'top-1':>6} {'top-3':>6} {'uncovered':>9} {'no match':>8}  ms/question")
    for lang, f in figures.items():
        print(f"{lang:4} {f['covered']:7d} {f['top1']:6.2f} {f['top3']:6.2f} {f['uncovered']:9d} "
              f"{f['no_match']:8.2f}  {f['ms']:.1f}")
        if args.show_misses:
            print("\n".join(m for m in misses if m.startswith(f"  {lang} ")))


if __name__ == "__main__":
    main()
