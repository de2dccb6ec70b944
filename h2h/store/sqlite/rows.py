"""Rows into records: the one place that knows how the columns a statement selects
become the fields of a `models` record.

A record's fields are the columns `columns()` lists, in its order, so `tuple.__new__`
makes the record from the row as it comes (in C: no Python call per row, which at a
million rows is what a queue must not pay)."""

from __future__ import annotations

import json
from functools import partial
from typing import Any, Callable, TypeVar

from h2h import clock
from h2h.models import Conversation, Identity, Mention, Person, QueueRow

R = TypeVar("R", bound=tuple[Any, ...])


def columns(record: type[tuple[Any, ...]], alias: str = "", rename: dict[str, str] | None = None) -> str:
    """The select list of a record's fields, `alias.` before each; `rename` gives the SQL
    expression of a field that is not a column of that name."""
    rename = rename or {}
    prefix = f"{alias}." if alias else ""
    return ", ".join(rename.get(f, prefix + f) for f in record._fields)  # type: ignore[attr-defined]


def maker(record: type[R]) -> Callable[[tuple[Any, ...]], R]:
    return partial(tuple.__new__, record)


CONVERSATION = columns(Conversation, "c")
IDENTITY = columns(Identity, "p")
_N_CONV = len(Conversation._fields)

# What rebuilds a message as its adapter gave it: the message's columns and its author's.
PLATFORM_MENTION = ("m.source, m.platform, m.remote_id, m.text, m.created_at, m.url, m.in_reply_to, m.thread, "
                    "m.to_me, m.from_me, m.lang, m.raw, p.remote_id, p.handle, p.name, p.url, p.bot, p.followers, "
                    "p.raw")


def platform_mention(row: tuple[Any, ...]) -> Mention:
    (source, platform, remote_id, text, created_at, url, in_reply_to, thread, to_me, from_me, lang, raw,
     p_remote_id, handle, name, p_url, bot, followers, p_raw) = row
    author = Person(source=source, remote_id=p_remote_id, handle=handle, name=name or "", url=p_url,
                    bot=None if bot is None else bool(bot), followers=followers,
                    raw=json.loads(p_raw) if p_raw else None)
    return Mention(source=source, platform=platform, remote_id=remote_id, author=author, text=text,
                   created_at=clock.from_iso(created_at), url=url, in_reply_to=in_reply_to, thread=thread,
                   to_me=bool(to_me), from_me=bool(from_me), lang=lang, raw=json.loads(raw) if raw else None)


QUEUE_ROW = (CONVERSATION + ", p.remote_id, p.handle, p.name, p.url, "
             "COALESCE(l.root_source, p.source) || ':' || COALESCE(l.root_remote_id, p.remote_id), m.text, m.url")


def queue_row(row: tuple[Any, ...]) -> QueueRow:
    conv = tuple.__new__(Conversation, row[:_N_CONV])
    remote_id, handle, name, url, person_key, text, mention_url = row[_N_CONV:]
    person = Person(source=conv.source, remote_id=remote_id, handle=handle, name=name, url=url)
    return QueueRow(conv, person, person_key, text, mention_url)
