#!/usr/bin/env python3
"""What all of a message's signals cost: language, the nine signal models,
rules and evidence, as `Engine.analyze` runs them (the cache bypassed).

    python bench/bench_signals.py ../shared/eval/dev.jsonl [--languages en,fr] [--repeat 3]

Prints the median and 90th percentile per message over every text in FILE
(any JSON Lines file with a `text` field), the one-time cost of loading the
shipped weights, and the split between feature extraction, the models and
language detection.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from h2h.triage import features, lang, profanity, signals  # noqa: E402


CLOCK = time.perf_counter


def timed(fn, texts: list[str], repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    best = [float("inf")] * len(texts)
    for _ in range(repeat):
        for i, text in enumerate(texts):
            t0 = CLOCK()
            fn(text)
            best[i] = min(best[i], CLOCK() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--languages", default="en,fr")
    parser.add_argument("--repeat", type=int, default=3, help="runs per text; the fastest counts (less noise)")
    parser.add_argument("--cpu", action="store_true",
                        help="time with the thread's CPU clock: the cost itself, without the time other "
                             "processes on a busy machine take the core away")
    args = parser.parse_args()
    global CLOCK
    if args.cpu:
        CLOCK = time.thread_time
    texts = [json.loads(line)["text"] for line in args.file.read_bytes().split(b"\n") if line.strip()]
    languages = tuple(args.languages.split(","))

    t0 = time.perf_counter()
    for code in languages:
        signals._model(signals._pick(code, languages))
    features.lexicon()
    lang._table(languages)
    profanity._table()
    load = time.perf_counter() - t0

    def us(xs: list[float]) -> str:
        xs = sorted(xs)
        return f"median {statistics.median(xs) * 1e6:.0f} µs, p90 {xs[int(len(xs) * 0.9)] * 1e6:.0f} µs"

    print(f"clock: {'thread CPU time' if args.cpu else 'wall time'}")
    print(f"{len(texts)} messages, median length {statistics.median(len(t) for t in texts):.0f} characters; "
          f"languages {', '.join(languages)}")
    print(f"load weights, lexicon and language profiles once: {load * 1000:.0f} ms")
    print(f"all signals + language (Engine.analyze, uncached): "
          f"{us(timed(lambda t: signals._analyze.__wrapped__(t, languages, None), texts, args.repeat))}")
    print(f"  of which features (fold, words, lexicon, 4-grams): {us(timed(features.extract, texts, args.repeat))}")
    print(f"  of which language detection:                       "
          f"{us(timed(lambda t: lang.detect(t, languages), texts, args.repeat))}")


if __name__ == "__main__":
    main()
