"""Draft every conversation of the demo, in queue order as `h2h next` would, and print
them as the README's table column (or as JSON Lines with --jsonl).

    H2H_NOW=2026-11-20T12:00:00Z python3 scripts/demo_drafts.py [--jsonl]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    os.environ.setdefault("H2H_HOME", tempfile.mkdtemp(prefix="h2h-demo-drafts-"))
    from h2h import config
    from h2h.app import inbox
    from h2h.draft import compose
    from h2h.fetch import demo
    from h2h.store import Store
    from h2h.triage.engine import Engine

    cfg = config.parse(demo.demo_config_text())
    store = Store.open(":memory:")
    engine = Engine.from_config(cfg)
    demo.load(store, engine)
    for item in inbox.build_queue(store, engine, limit=None, show_all=True).items:
        if item.section == "noise":
            continue
        d = compose.new_draft(store, cfg, engine, item.id)
        if "--jsonl" in sys.argv:
            print(json.dumps({"id": item.id, "handle": item.person.handle, "text": item.text, "draft": d.text,
                              "source": d.source, "note": d.note}, ensure_ascii=False))
        else:
            body = " / ".join(line for line in d.text.split("\n") if not line.startswith("— "))
            print(f"| `{item.id}` | {body.replace('|', chr(92) + '|')} *({d.source})* |")


if __name__ == "__main__":
    main()
