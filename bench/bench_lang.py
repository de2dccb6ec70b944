#!/usr/bin/env python3
"""Language detection on short social messages: h2h's own detector against
py3langid and lingua, each restricted to the same languages.

    pip install py3langid==0.4.0 lingua-language-detector==2.1.1   # only for this comparison
    python bench/bench_lang.py ../shared/eval/dev.jsonl [--languages en,fr,es,de]

Measured on the rows whose text h2h's language profiles never saw: English
from complaints, rigaut, airline, dailydialog, olid; French from xlmt_fr and
mlma_fr. Prints accuracy overall and on texts under 40 characters (after links
and @handles are removed), the median cost per message, and resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from h2h.triage import lang  # noqa: E402
from h2h.triage.text import clean  # noqa: E402

HELD_OUT = {"complaints", "rigaut", "airline", "dailydialog", "olid", "xlmt_fr", "mlma_fr"}


def detectors(languages: list[str]):  # type: ignore[no-untyped-def]
    yield "h2h (lang.py)", lambda t: lang.detect(t, languages)
    try:
        import py3langid

        py3langid.set_languages(languages)
        yield "py3langid", lambda t: py3langid.classify(t)[0]
    except ImportError:
        pass
    try:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in languages]
        det = LanguageDetectorBuilder.from_languages(*langs).build()

        def lingua(t: str) -> str | None:
            found = det.detect_language_of(t)
            return found.iso_code_639_1.name.lower() if found else None

        yield "lingua", lingua
    except ImportError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--languages", default="en,fr,es,de")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.file.read_bytes().split(b"\n") if line.strip()]
    rows = [r for r in rows if r["source"] in HELD_OUT and r["labels"].get("language") in ("en", "fr")]
    languages = args.languages.split(",")
    print(f"{len(rows)} messages; languages {', '.join(languages)}")
    print("| detector | accuracy | under 40 chars | median µs | max RSS after |")
    print("|---|---:|---:|---:|---:|")
    for name, detect in detectors(languages):
        detect(rows[0]["text"])  # load the model outside the timing
        ok = short = ok_short = 0
        times = []
        for r in rows:
            t0 = time.perf_counter()
            found = detect(r["text"])
            times.append(time.perf_counter() - t0)
            right = found == r["labels"]["language"]
            ok += right
            if len(clean(r["text"]).strip()) < 40:
                short += 1
                ok_short += right
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"| {name} | {ok / len(rows):.3f} | {ok_short / max(short, 1):.3f} (n={short}) | "
              f"{statistics.median(times) * 1e6:.0f} | {rss:.0f} MB |")


if __name__ == "__main__":
    main()
