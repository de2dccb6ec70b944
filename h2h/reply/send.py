"""Send a reply exactly once through its source, and record it.

    p = plan(store, config, engine, ident)     what would be sent, to whom, with which key
    send(store, config, engine, p)             post it (after the person confirmed); "manual_needed"
                                               when the source cannot post
    mark_posted(store, config, engine, p)      the person posted it by hand

Exactly once: the attempt is committed (status 'pending', with an idempotency
key derived from the conversation, the message answered and the text) before
the network call, and a POST is never retried blindly. When the outcome is
unknown (a timeout, a dropped connection, a 5xx, a kill) the attempt stays
pending, bound to its conversation rather than to its text: every later
attempt, even with another wording, takes its key, and first looks on the
platform for a reply of ours to that message (the adapter's `find_replies`),
recording the one it finds instead of posting; only when there is none does
it post, with the same key (the platform's idempotency header, the Bluesky
rkey, the GitHub marker). A key whose reply is recorded as sent is never
posted again.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from h2h import clock
from h2h.draft import compose, limits
from h2h.draft import lint as tone
from h2h.errors import AuthError, H2HError, InputError, NotSupported, RateLimited, RemoteError, UsageError
from h2h.models import Draft, Mention, Person, Reply, SentReply
from h2h.redact import redact

if TYPE_CHECKING:
    from h2h.config import Config
    from h2h.store import Store
    from h2h.triage.engine import Engine


def idempotency_key(conversation: str, in_reply_to: str, text: str) -> str:
    """Stable for the same reply to the same message: a re-drafted identical text keeps its key."""
    normalized = re.sub(r"\s+", " ", text).strip()
    digest = hashlib.sha256(f"{conversation}\0{in_reply_to}\0{normalized}".encode("utf-8", "replace")).hexdigest()
    return f"h2h-{digest[:32]}"


@dataclass(frozen=True)
class Plan:
    conversation: str
    source: str
    platform: str
    target: str                  # the person's handle
    name: str                    # the person's display name
    in_reply_to: str             # remote id of the message answered
    reply_url: str | None        # that message on the platform: where to answer by hand
    text: str
    key: str
    draft: Draft
    previous: str | None         # the status of an earlier attempt with this key, if any ("pending":
                                 # its outcome is unknown, and this attempt carries its key)
    stale: bool                  # the draft was written before their latest message

    def to_json(self) -> dict[str, Any]:
        return {"id": self.conversation, "source": self.source, "platform": self.platform,
                "target": {"handle": self.target, "name": self.name}, "in_reply_to": self.in_reply_to,
                "url": self.reply_url, "text": self.text, "key": self.key, "draft_id": self.draft.id,
                "backend": self.draft.backend, "limit": self.draft.limit, "length": self.draft.length,
                "unit": self.draft.unit, "lint": [f.to_json() for f in self.draft.lint],
                "previous": self.previous, "stale": self.stale}


@dataclass(frozen=True)
class Outcome:
    status: str                  # "sent", "manual", "already_sent" or "manual_needed"
    plan: Plan
    remote_id: str | None = None
    url: str | None = None
    sent_at: str | None = None
    response_s: float | None = None
    reason: str = ""             # why the source could not post (manual_needed)

    def to_json(self) -> dict[str, Any]:
        data = self.plan.to_json()
        data.update({"status": self.status, "remote_id": self.remote_id, "reply_url": self.url,
                     "sent_at": self.sent_at, "response_s": self.response_s, "reason": self.reason or None})
        return data


# --- planning -------------------------------------------------------------------------

def plan(store: Store, config: Config, engine: Engine, ident: str, *, draft: Draft | None = None) -> Plan:
    """What `send` would post: the current draft (a fresh one if there is none, or if the
    person wrote again since an unedited draft), to their latest message."""
    ctx = compose.context(store, config, engine, ident)
    if ctx.in_reply_to is None:
        raise UsageError(f"conversation {ctx.view['id']} has no message from the person to reply to",
                         hint="`h2h show ID` shows the conversation.")
    latest_at = ctx.in_reply_to["created_at"]
    if draft is None:
        draft = compose.from_stored(ctx, row) if (row := store.latest_draft(ctx.view["id"])) is not None else None
    if draft is None or (not draft.edited and (draft.created_at or "") < latest_at):
        draft = compose.new_draft(store, config, engine, ident)
    stale = (draft.created_at or "") < latest_at
    key = idempotency_key(ctx.view["id"], ctx.in_reply_to["id"], draft.text)
    bound = store.unsettled_reply(ctx.view["id"]) or _answered(store, ctx.view["id"], ctx.in_reply_to["id"])
    if bound is not None:  # one reply per message answered, whatever the draft says now
        key = bound.key
    previous = store.reply_by_key(key)
    person = ctx.view["person"]
    return Plan(conversation=ctx.view["id"], source=ctx.view["source"], platform=ctx.view["platform"],
                target=person["handle"], name=person["name"] or "", in_reply_to=ctx.in_reply_to["id"],
                reply_url=ctx.in_reply_to.get("url"), text=draft.text, key=key, draft=draft,
                previous=previous.status if previous is not None else None, stale=stale)


def _answered(store: Store, conversation: str, in_reply_to: str) -> Reply | None:
    return next((r for r in store.replies(conversation)
                 if r.in_reply_to == in_reply_to and r.status in ("sent", "manual")), None)


def check(p: Plan) -> None:
    """Refuse what must never be sent: placeholders, a text the platform would refuse."""
    blocking = tone.blocking(p.draft.lint)
    if blocking:
        raise H2HError(f"the reply has an unresolved placeholder ({blocking[0].message.split(':')[0]}), "
                         "so it was not sent", hint=f"Fix it with `h2h draft {p.conversation} --edit`.",
                         code="unresolved_placeholder")
    if p.draft.limit is not None and p.draft.length > p.draft.limit:
        raise H2HError(f"the reply is {p.draft.length} {p.draft.unit} long; {p.platform} allows {p.draft.limit}",
                         hint=f"Shorten it with `h2h draft {p.conversation} --edit`.", code="over_limit")


# --- sending ----------------------------------------------------------------------------

def _mention(store: Store, source: str, remote_id: str) -> Mention:
    """The stored message as the adapter gave it (raw included: adapters need their ids)."""
    found = store.platform_mention(source, remote_id)
    if found is None:
        raise UsageError(f"message {remote_id} of source {source} is not in the database")
    return found


def build_source(config: Config, name: str) -> Any:
    """The configured adapter for `name`; None when the config has no such source (an import,
    the demo): then the reply is posted by hand."""
    if name not in config.sources:
        return None
    from h2h.sources import registry

    return registry.build(config.sources[name])


def _refused(exc: H2HError) -> bool:
    """The platform said no (a 4xx, a rate limit, bad credentials) or we never asked: nothing
    was posted. Anything else (a timeout, a dropped connection, a 5xx, an answer we cannot
    read) leaves the outcome unknown."""
    if isinstance(exc, (NotSupported, AuthError, InputError, RateLimited)):
        return True
    status = getattr(exc, "status", None)
    return isinstance(status, int) and 400 <= status < 500


def where_to_look(p: Plan) -> str:
    return p.reply_url or f"the conversation on {p.platform}"


def _in_thread(source: Any, mention: Mention) -> list[SentReply]:
    """For an adapter without `find_replies`: our replies to `mention` in its thread."""
    thread = source.fetch_thread(mention)
    return [SentReply(source=mention.source, remote_id=m.remote_id, url=m.url, sent_at=m.created_at,
                      in_reply_to=mention.remote_id, key="")
            for m in thread.mentions if m.from_me and m.in_reply_to == mention.remote_id]


def find_posted(store: Store, source: Any, earlier: Reply, p: Plan) -> SentReply | None:
    """The reply an attempt of unknown outcome posted, if it is on the platform: ours, to the
    message it answered, whatever its text, and not a reply already recorded. None when there
    is none, or when the source cannot look (then only the key guards). Raises when looking
    failed: posting without knowing could post twice."""
    answered = _mention(store, earlier.source, earlier.in_reply_to)
    finder = getattr(source, "find_replies", None)
    try:
        found = finder(answered, key=earlier.key) if finder is not None else _in_thread(source, answered)
    except NotSupported:
        return None
    except H2HError as exc:
        raise RemoteError(f"{p.source}: an earlier attempt may have posted this reply, and h2h could not check "
                          f"({redact(exc.message)}); nothing was posted",
                          hint=f"Look at {where_to_look(p)}; `h2h reply {p.conversation}` checks again and posts "
                               "only if it is not there.", code="maybe_posted") from None
    known = {r.remote_id for r in store.replies(p.conversation) if r.status in ("sent", "manual") and r.remote_id}
    return next((f for f in found if f.remote_id is None or f.remote_id not in known), None)


def send(store: Store, config: Config, engine: Engine, p: Plan, *, source: Any = None) -> Outcome:
    """Post the planned reply once. The caller has asked the person (or was told --yes)."""
    done = store.reply_by_key(p.key)
    if done is not None and done.status in ("sent", "manual"):
        if store.mention(p.source, done.remote_id or f"h2h:{p.key}") is None:
            # Recorded as sent, but the crash came before the conversation was updated: finish that.
            complete(store, config, engine, p, status=done.status, remote_id=done.remote_id, url=done.url,
                     sent_at=clock.from_iso(done.sent_at) if done.sent_at else clock.now())
        return Outcome("already_sent", p, remote_id=done.remote_id, url=done.url, sent_at=done.sent_at,
                       response_s=done.response_s)
    check(p)
    if source is None:
        source = build_source(config, p.source)
    if source is None:
        return Outcome("manual_needed", p, url=p.reply_url,
                       reason=f"source {p.source!r} is not in the config, so h2h cannot post there")
    learned = limits.remember(store, p.source, source)
    if learned is not None and p.draft.limit is not None and learned < p.draft.limit:
        live = limits.limit_for(p.platform, learned=learned)
        if not live.fits(p.text):
            raise H2HError(f"{p.platform} at source {p.source} allows {learned} {live.label}; the reply has "
                             f"{live.count(p.text)}", hint=f"Shorten it with `h2h draft {p.conversation} --edit`.",
                             code="over_limit")
    mention = _mention(store, p.source, p.in_reply_to)
    with store.transaction():
        earlier = store.unsettled_reply(p.conversation)
    if earlier is not None:
        p = replace(p, key=earlier.key)  # bound to the conversation, not to the text
        found = find_posted(store, source, earlier, p)
        if found is not None:
            landed = replace(p, text=earlier.text, in_reply_to=earlier.in_reply_to)
            with store.transaction():  # this attempt counts, on what the earlier one posted
                store.begin_reply(key=p.key, conversation=p.conversation, source=p.source, platform=p.platform,
                                  in_reply_to=earlier.in_reply_to, target=p.target, text=earlier.text,
                                  draft_id=earlier.draft_id, now=clock.iso(clock.now()))
            done_ = complete(store, config, engine, landed, status="sent", remote_id=found.remote_id,
                             url=found.url, sent_at=found.sent_at)
            return replace(done_, status="already_sent",
                           reason="an earlier attempt, whose answer was lost, had posted it; nothing was posted again")
    now = clock.iso(clock.now())
    with store.transaction():
        store.begin_reply(key=p.key, conversation=p.conversation, source=p.source, platform=p.platform,
                          in_reply_to=p.in_reply_to, target=p.target, text=p.text, draft_id=p.draft.id, now=now)
    try:
        sent = source.send_reply(mention, p.text, key=p.key)
    except NotSupported as exc:
        with store.transaction():
            store.fail_reply(p.key, "not supported: " + redact(str(exc)), clock.iso(clock.now()))
        return Outcome("manual_needed", p, url=p.reply_url, reason=redact(str(exc)))
    except H2HError as exc:
        if _refused(exc):
            with store.transaction():
                store.fail_reply(p.key, redact(str(exc)), clock.iso(clock.now()))
            raise
        with store.transaction():
            store.unknown_reply(p.key, redact(str(exc)), clock.iso(clock.now()))
        raise RemoteError(f"{p.source}: the reply may have been posted: {redact(exc.message)}",
                          hint=f"Look at {where_to_look(p)}. `h2h reply {p.conversation}` again first looks there "
                               "for it and posts only if it is not there, whatever the draft says now.",
                          code="maybe_posted") from None
    return complete(store, config, engine, p, status="sent", remote_id=sent.remote_id, url=sent.url,
                    sent_at=sent.sent_at)


def mark_posted(store: Store, config: Config, engine: Engine, p: Plan) -> Outcome:
    """The person posted the reply by hand (a source that cannot post): record it as theirs."""
    done = store.reply_by_key(p.key)
    if done is not None and done.status in ("sent", "manual"):
        return Outcome("already_sent", p, remote_id=done.remote_id, url=done.url, sent_at=done.sent_at,
                       response_s=done.response_s)
    now = clock.now()
    with store.transaction():
        store.begin_reply(key=p.key, conversation=p.conversation, source=p.source, platform=p.platform,
                          in_reply_to=p.in_reply_to, target=p.target, text=p.text, draft_id=p.draft.id,
                          now=clock.iso(now))
    return complete(store, config, engine, p, status="manual", remote_id=None, url=None, sent_at=now)


def complete(store: Store, config: Config, engine: Engine, p: Plan, *, status: str, remote_id: str | None,
             url: str | None, sent_at: datetime) -> Outcome:
    """Record the result and store our reply as a message of the conversation, all in one
    transaction: judged with it, the conversation is answered (app/states.py), unless the
    person wrote again after what we answered, or the user had closed it. Safe to run
    again (a retry after a crash in here)."""
    from h2h.ingest.ingest import ingest

    conv = store.conversation(p.conversation)
    since = conv.waiting_since
    response_s = max(0.0, (sent_at - clock.from_iso(since)).total_seconds()) if since else None
    me = Person(source=p.source, remote_id="h2h:me", handle=config.me.name or "me", name=config.me.name)
    ours = Mention(source=p.source, platform=p.platform, remote_id=remote_id or f"h2h:{p.key}", author=me,
                   text=p.text, created_at=sent_at, url=url, in_reply_to=p.in_reply_to, thread=conv.thread_root,
                   to_me=False, from_me=True, lang=p.draft.lang)
    now = clock.iso(clock.now())
    sent_iso = clock.iso(sent_at)
    recorded: dict[str, Any] = {}

    def record(s: Store, _batch: list[Mention]) -> None:
        before = s.reply_by_key(p.key)
        first_time = before is None or before.status not in ("sent", "manual")
        if first_time:
            s.finish_reply(p.key, status=status, remote_id=remote_id, url=url, sent_at=sent_iso,
                           response_s=response_s, now=now)
            s.record_action(p.conversation, "reply", now, detail={"key": p.key, "status": status,
                                                                   "remote_id": remote_id, "response_s": response_s})
        after = s.reply_by_key(p.key)
        assert after is not None  # begun before the network call, in the same database
        recorded.update(response_s=after.response_s, sent_at=after.sent_at)

    ingest(store, [ours], engine, after_batch=record)
    return Outcome(status, p, remote_id=remote_id, url=url, sent_at=recorded.get("sent_at", sent_iso),
                   response_s=recorded.get("response_s", response_s))

