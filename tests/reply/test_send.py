"""Sending exactly once: recorded before the network call, idempotent on retry
even after a crash between the post and the record, answered afterwards."""

from __future__ import annotations

from typing import Any

import pytest

from h2h import clock
from h2h.app import inbox
from h2h.draft import compose, limits
from h2h.errors import H2HError, NotSupported, RemoteError
from h2h.models import Mention, SentReply
from h2h.reply import send
from h2h.sources.memory import MemorySource
from tests.draft.world import CONFIG, World

WITH_SOURCE = CONFIG + '\n[sources.masto]\ntype = "memory"\n'


class Crash(BaseException):
    """Stands for the process dying (power cut, kill -9) right after the post."""


class NoKeyPlatform(MemorySource):
    """A platform without idempotency keys: every call posts."""

    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply:
        self.post_calls += 1
        n = len(self.posted) + 1
        sent = SentReply(source=self.name, remote_id=f"r{n}", url=f"memory://{self.name}/r{n}", sent_at=clock.now(),
                         in_reply_to=mention.remote_id, key=f"{key}#{n}")
        self.posted[sent.key] = sent
        self.sent_texts[sent.key] = text
        return sent


class CrashAfterPost:
    """Wraps a source: the post reaches the platform, then the process dies."""

    def __init__(self, inner: MemorySource):
        self.inner = inner
        self.name = inner.name

    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply:
        self.inner.send_reply(mention, text, key=key)
        raise Crash()

    def fetch_thread(self, mention: Mention) -> Any:
        return self.inner.fetch_thread(mention)


class ReadOnly(MemorySource):
    def send_reply(self, mention: Mention, text: str, *, key: str) -> SentReply:
        raise NotSupported("Hacker News has no API for posting")


@pytest.fixture
def world() -> World:
    return World(WITH_SOURCE)


def platform_for(world: World, cls: type = MemorySource) -> MemorySource:
    """The platform holds the person's message, as it would."""
    src = cls("masto")
    row = world.store.mention("masto", "m1")
    src.add([send._mention(world.store, "masto", row.remote_id)])
    return src


def test_the_plan_shows_text_target_and_a_stable_key(world: World) -> None:
    ident = world.say("how do I export my notes?")
    p = send.plan(world.store, world.config, world.engine, ident)
    assert (p.target, p.name, p.platform, p.source, p.in_reply_to) == ("@marie@piaille.fr", "Marie Dubois",
                                                                      "mastodon", "masto", "m1")
    assert p.reply_url == "https://mastodon.example/m1"
    assert p.text == p.draft.text and p.previous is None and not p.stale
    again = send.plan(world.store, world.config, world.engine, ident)
    assert again.key == p.key                     # same reply to the same message: same key
    assert send.idempotency_key(ident, "m1", p.text + " ") == p.key
    assert send.idempotency_key(ident, "m1", p.text + " more") != p.key
    assert send.idempotency_key(ident, "m2", p.text) != p.key


def test_send_posts_once_records_and_answers(world: World) -> None:
    ident = world.say("how do I export my notes?")
    src = platform_for(world)
    p = send.plan(world.store, world.config, world.engine, ident)
    out = send.send(world.store, world.config, world.engine, p, source=src)
    assert out.status == "sent" and src.post_calls == 1
    assert src.sent_texts[p.key] == p.text
    row = world.store.reply_by_key(p.key)
    assert (row.status, row.attempts, row.remote_id, row.text) == ("sent", 1, "r1", p.text)
    assert row.response_s == 3 * 3600 - 60    # their message at 09:01, our reply at 12:00
    conv = world.conversation(ident)
    assert conv.state == "answered" and conv.active == 0
    assert ident not in {i.id for i in inbox.build_queue(world.store, world.engine, limit=None).items}
    messages = world.store.conversation_messages(conv)
    assert [m.role for m in messages] == ["person", "me"] and messages[-1].text == p.text
    assert [a.action for a in world.store.actions(ident)] == ["reply"]
    # Again: nothing is posted twice.
    p2 = send.plan(world.store, world.config, world.engine, ident)
    assert p2.key == p.key and p2.previous == "sent"
    out2 = send.send(world.store, world.config, world.engine, p2, source=src)
    assert out2.status == "already_sent" and src.post_calls == 1
    assert [a.action for a in world.store.actions(ident)] == ["reply"]


@pytest.mark.parametrize("platform_cls", [MemorySource, NoKeyPlatform])
def test_a_crash_between_the_post_and_the_record_never_posts_twice(world: World, platform_cls: type) -> None:
    ident = world.say("how do I export my notes?")
    platform = platform_for(world, platform_cls)
    p = send.plan(world.store, world.config, world.engine, ident)
    with pytest.raises(Crash):
        send.send(world.store, world.config, world.engine, p, source=CrashAfterPost(platform))
    assert platform.post_calls == 1
    row = world.store.reply_by_key(p.key)
    assert row.status == "pending" and row.attempts == 1      # recorded before the call
    assert world.conversation(ident).state == "open"
    # The retry, in a new process: same plan, same key; the platform or the thread check prevents a second post.
    retry = send.plan(world.store, world.config, world.engine, ident)
    assert retry.key == p.key and retry.previous == "pending"
    out = send.send(world.store, world.config, world.engine, retry, source=platform)
    assert out.status == "already_sent" and platform.post_calls == 1   # found on the platform, not posted
    row = world.store.reply_by_key(p.key)
    assert (row.status, row.attempts, row.remote_id) == ("sent", 2, "r1")
    assert world.conversation(ident).state == "answered"


def test_a_send_of_unknown_outcome_stays_pending_and_is_retried_with_the_same_key(world: World) -> None:
    ident = world.say("how do I export my notes?")
    platform = platform_for(world)
    platform.failure = RemoteError("503 from the instance")
    p = send.plan(world.store, world.config, world.engine, ident)
    with pytest.raises(RemoteError) as info:
        send.send(world.store, world.config, world.engine, p, source=platform)
    assert info.value.code == "maybe_posted" and "may have been posted" in info.value.message
    assert "https://mastodon.example/m1" in (info.value.hint or "")   # where to look
    row = world.store.reply_by_key(p.key)
    assert row.status == "pending" and "503" in row.error
    assert world.conversation(ident).state == "open"
    platform.failure = None
    out = send.send(world.store, world.config, world.engine, send.plan(world.store, world.config, world.engine, ident),
                    source=platform)
    assert out.status == "sent" and platform.post_calls == 1
    assert world.store.reply_by_key(p.key).attempts == 2


def test_recorded_as_sent_but_not_yet_answered_is_finished_without_posting(world: World) -> None:
    ident = world.say("how do I export my notes?")
    platform = platform_for(world)
    p = send.plan(world.store, world.config, world.engine, ident)
    with world.store.transaction():
        world.store.begin_reply(key=p.key, conversation=ident, source="masto", platform="mastodon", in_reply_to="m1",
                                target=p.target, text=p.text, draft_id=p.draft.id, now="2026-11-20T11:00:00Z")
        world.store.finish_reply(p.key, status="sent", remote_id="r9", url="memory://masto/r9",
                                 sent_at="2026-11-20T11:00:00Z", response_s=7140.0, now="2026-11-20T11:00:00Z")
    out = send.send(world.store, world.config, world.engine, p, source=platform)
    assert out.status == "already_sent" and platform.post_calls == 0
    assert world.conversation(ident).state == "answered"


def test_a_source_that_cannot_post_asks_for_a_manual_reply(world: World) -> None:
    ident = world.say("how do I export my notes?")
    p = send.plan(world.store, world.config, world.engine, ident)
    out = send.send(world.store, world.config, world.engine, p, source=platform_for(world, ReadOnly))
    assert out.status == "manual_needed" and out.url == "https://mastodon.example/m1" and "Hacker News" in out.reason
    assert world.conversation(ident).state == "open"
    done = send.mark_posted(world.store, world.config, world.engine, p)
    assert done.status == "manual"
    row = world.store.reply_by_key(p.key)
    assert row.status == "manual" and row.response_s is not None
    assert world.conversation(ident).state == "answered"
    assert send.mark_posted(world.store, world.config, world.engine, p).status == "already_sent"


def test_an_unconfigured_source_is_answered_by_hand() -> None:
    w = World()                                   # no [sources.masto]
    ident = w.say("how do I export my notes?")
    out = send.send(w.store, w.config, w.engine, send.plan(w.store, w.config, w.engine, ident))
    assert out.status == "manual_needed" and "not in the config" in out.reason


def test_the_configured_source_is_built_from_the_config(world: World) -> None:
    ident = world.say("how do I export my notes?")
    out = send.send(world.store, world.config, world.engine, send.plan(world.store, world.config, world.engine, ident))
    assert out.status == "sent" and out.url and out.url.startswith("memory://masto/")


def test_a_placeholder_is_never_sent(world: World) -> None:
    ident = world.say("how do I export my notes?")
    compose.save_text(world.store, world.config, world.engine, ident, "@marie@piaille.fr Hi {first_name}, see docs")
    platform = platform_for(world)
    p = send.plan(world.store, world.config, world.engine, ident)
    with pytest.raises(H2HError) as err:
        send.send(world.store, world.config, world.engine, p, source=platform)
    assert err.value.code == "unresolved_placeholder" and err.value.exit_code == 1
    assert platform.post_calls == 0 and world.store.reply_by_key(p.key) is None


def test_over_the_limit_is_never_sent(world: World) -> None:
    ident = world.say("how do I export my notes?")
    compose.save_text(world.store, world.config, world.engine, ident, "@marie@piaille.fr Hi Marie, " + "x" * 600)
    platform = platform_for(world)
    with pytest.raises(H2HError) as err:
        send.send(world.store, world.config, world.engine, send.plan(world.store, world.config, world.engine, ident),
                  source=platform)
    assert err.value.code == "over_limit" and err.value.exit_code == 1 and platform.post_calls == 0


def test_the_limit_a_source_reports_is_remembered_and_enforced(world: World) -> None:
    ident = world.say("how do I export my notes?")
    compose.save_text(world.store, world.config, world.engine, ident, "@marie@piaille.fr Hi Marie, " + "x" * 200)
    platform = platform_for(world)
    platform.limit = 100  # type: ignore[attr-defined]   # a small instance
    with pytest.raises(H2HError) as err:
        send.send(world.store, world.config, world.engine, send.plan(world.store, world.config, world.engine, ident),
                  source=platform)
    assert "100" in err.value.message and platform.post_calls == 0
    assert limits.remembered(world.store, "masto") == 100
    other = world.say("and how do I import?", handle="@kim@example.social", name="Kim")
    assert compose.new_draft(world.store, world.config, world.engine, other).limit == 100


def test_when_the_person_writes_again_the_conversation_reopens_with_a_new_key(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    ident = world.say("how do I export my notes?")
    platform = platform_for(world)
    first = send.send(world.store, world.config, world.engine, send.plan(world.store, world.config, world.engine, ident),
                      source=platform)
    assert world.conversation(ident).state == "answered"
    world.say("thanks! and the attachments?", in_reply_to=first.remote_id, minutes=200)
    assert world.conversation(ident).state == "open"
    monkeypatch.setenv("H2H_NOW", "2026-11-20T13:00:00Z")
    p = send.plan(world.store, world.config, world.engine, ident)
    assert p.in_reply_to == "m2" and p.key != first.plan.key
    assert not p.stale                            # the old draft predates the message: a new one was made


def test_an_edited_draft_older_than_their_latest_message_is_flagged_stale(world: World) -> None:
    ident = world.say("how do I export my notes?")
    compose.save_text(world.store, world.config, world.engine, ident, "@marie@piaille.fr Hi Marie, Settings > Export.")
    world.say("also the attachments?", minutes=240)     # after the edit (12:00), in the same conversation
    p = send.plan(world.store, world.config, world.engine, ident)
    assert p.stale and p.draft.edited
