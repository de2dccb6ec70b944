"""A home with a config and three people waiting in the `reply` section, for `h2h next`."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from h2h.app import inbox
from h2h.store import Store
from h2h.store.sqlite import SQLiteStore
from tests.draft.world import CONFIG, World

# masto can post (the memory adapter); `imported` is not in the config, so a reply there is posted by hand.
WITH_SOURCE = CONFIG + '\n[sources.masto]\ntype = "memory"\n'


@dataclass
class Home:
    path: Path
    marie: str          # masto, asks how to export
    bob: str            # masto, sync broken
    carol: str          # imported (hackernews), cannot be posted by h2h
    order: list[str]    # the reply section, top first

    def store(self) -> Store:
        return SQLiteStore.open(self.path / "h2h.db")

    def state(self, ident: str) -> str:
        store = self.store()
        try:
            return str(store.conversation(ident).state)
        finally:
            store.close()

    def replies(self, ident: str) -> list[str]:
        store = self.store()
        try:
            return [r.status for r in store.replies(ident)]
        finally:
            store.close()


def seed(home: Path, config_text: str = WITH_SOURCE) -> Home:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(config_text, encoding="utf-8")
    store = SQLiteStore.open(home / "h2h.db")
    try:
        w = World(config_text, store=store)
        marie = w.say("@acme how do I export a single notebook as PDF?")
        bob = w.say("@acme the sync is broken since the update and I lost notes, can you help?",
                    handle="@bob@example.social", name="Bob Stone", minutes=30)
        carol = w.say("is there a dark mode in acme?", handle="carol", name="",
                      source="imported", platform="hackernews", minutes=60, url="https://news.ycombinator.com/item?id=3", to_me=False)
        order = [i.id for i in inbox.build_queue(store, w.engine, sections=["reply"]).items]
    finally:
        store.close()
    assert sorted(order) == sorted([marie, bob, carol]), order
    return Home(home, marie, bob, carol, order)


_LATER = itertools.count(100)   # message ids past the seeded m1..m3


def add_message(home: Path, text: str, config_text: str = WITH_SOURCE, **kw: Any) -> str:
    """Another message arrives (ids after the seeded ones); returns its conversation id."""
    store = SQLiteStore.open(home / "h2h.db")
    try:
        w = World(config_text, store=store)
        w._ids = _LATER
        return w.say(text, **kw)
    finally:
        store.close()


@pytest.fixture
def world(home: Path) -> Home:
    return seed(home)
