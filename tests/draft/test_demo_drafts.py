"""The demo's conversations, drafted in queue order as a person would work them: each
draft fits its platform, passes the tone lint, is signed once, and across all of them
no sentence appears more than twice; `--another` gives three different wordings."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from h2h import config
from h2h.app import inbox
from h2h.draft import compose
from h2h.draft.templates import sentences
from h2h.fetch import demo
from h2h.store import Store
from h2h.triage.engine import Engine


@pytest.fixture(scope="module")
def drafted() -> tuple[Any, Any, Any, list[Any]]:
    cfg = config.parse(demo.demo_config_text())
    store = Store.open(":memory:")
    engine = Engine.from_config(cfg)
    demo.load(store, engine)
    items = [i for i in inbox.build_queue(store, engine, limit=None, show_all=True).items if i.section != "noise"]
    return store, cfg, engine, [(i, compose.new_draft(store, cfg, engine, i.id)) for i in items]


def test_every_draft_fits_reads_well_and_is_signed_once(drafted: Any) -> None:
    *_, pairs = drafted
    assert len(pairs) >= 40
    for item, d in pairs:
        assert d.limit is None or d.length <= d.limit, (item.id, d.length, d.limit)
        assert not d.lint, (item.id, d.text, d.lint)
        assert d.text.endswith("\n— Alex, Acme Notes") and d.text.count("Alex, Acme Notes") == 1, d.text


def test_no_sentence_appears_more_than_twice(drafted: Any) -> None:
    *_, pairs = drafted
    counts = Counter(s for _, d in pairs for s in set(sentences("\n".join(d.text.split("\n")[:-1]))))
    assert max(counts.values()) <= 2, counts.most_common(3)


def test_what_we_know_answers_and_honesty_covers_the_rest(drafted: Any) -> None:
    *_, pairs = drafted
    by_id = {item.id: d for item, d in pairs}
    sources = Counter(d.source for d in by_id.values())
    assert sources["knowledge"] >= 15 and sources["template"] >= 10
    assert all(d.note.startswith("from the knowledge entry") for d in by_id.values() if d.source == "knowledge")
    # Nobody who waited days is welcomed as if nothing happened, and nobody who wrote to us is sold to.
    for item, d in pairs:
        if item.waiting_s > 86400 and d.intent not in ("praise", "hostile", "default") and item.person.handle:
            body = d.text.lower()
            assert "sorry" in body or "désolé" in body or "from the team" in body or "de l'équipe" in body \
                or "team here" in body or "jumping in" in body or "je me permets" in body, d.text


def test_another_offers_three_wordings_for_every_conversation(drafted: Any) -> None:
    store, cfg, engine, pairs = drafted
    for item, d in pairs[::4]:
        texts = {d.text} | {compose.new_draft(store, cfg, engine, item.id, another=True).text for _ in range(2)}
        assert len(texts) == 3, (item.id, texts)


def test_the_readme_table_has_a_row_for_each_demo_conversation(drafted: Any) -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("### The demo's drafts, before and after", 1)[1].split("\n## ", 1)[0]
    *_, pairs = drafted
    for item, _d in pairs:
        assert f"`{item.id}`" in table, item.id
