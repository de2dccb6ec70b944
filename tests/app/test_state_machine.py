"""Model-based test of conversation state: random interleavings of what happens to one
person's thread (they write; we answer, fetched or sent with `h2h reply`; a teammate
answers; someone else answers; fetches and imports in order and out of order, late,
twice; a fetch killed before it commits; done, snooze, ignore, reopen; the clock moving
past snoozes), checked after every step against a small model that knows the true order
of everything written.

Invariants:
- every message of the person that no reply of ours or a teammate's follows, in a
  conversation the user has not ignored, is listed in the queue, or is held by a done or
  a snooze decided after it arrived;
- nothing is stored twice, listed twice, or shown in two conversations;
- `show` lists every stored message whose thread is known, in the platform's order;
- someone else's answer is never a conversation waiting for us once what it answers is stored.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from h2h import clock
from h2h import config as config_mod
from h2h.app import inbox
from h2h.ingest.bulk import ingest_lines
from h2h.ingest.ingest import ingest
from h2h.models import Mention, Person
from h2h.reply import send
from h2h.store import Store
from tests.app.world import BOB, ENGINE, JO, MARIE, ME

START = clock.micros(clock.parse_time("2026-11-20T09:00:00Z"))
ASKING = ["How do I export my notes?", "And as Markdown?", "Where is the export button on iPad?",
          "Is there an API for that?", "Still not working for me", "Thanks, but where exactly?"]
ANSWERS = ["Here: Settings > Export > PDF.", "We are looking into it.", "Fixed in 2.3, update please."]
HELPING = ["it is under Settings > Export", "you can find it in the settings", "try the export button in the menu"]
CONFIG = config_mod.parse('[me]\nname = "Acme"\nhandles = ["@acme@mastodon.social"]\n')
STEP = st.sampled_from([0, 0, 150, 400, 900, 2500])  # milliseconds between two writes: often the same second
NOW = st.sampled_from([False, False, True])          # fetched at once, or later


class Written(NamedTuple):
    index: int             # the true order: the order things were written in
    remote_id: str
    author: Person
    text: str
    us: int                # microseconds since 1970, as written
    whole: bool            # the platform gave whole seconds only
    reply_to: str | None


class Crash(Exception):
    pass


class Thread(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="h2h-model-"))
        self.path = self.dir / "h2h.db"
        self.store = Store.open(self.path)
        self.written: list[Written] = []
        self.arrived: dict[str, int] = {}   # remote id -> arrival order (1, 2, ...)
        self.now = START
        self.decisions: dict[str, tuple[str, int, int | None]] = {}  # key -> (action, arrivals seen, until)

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- writing: nothing is stored until a fetch brings it ---------------------------
    def _write(self, author: Person, text: str, reply_to: str | None, step_ms: int, whole: bool,
               fetched: bool = False) -> None:
        """Written on the platform; stored only by a fetch (at once when `fetched`)."""
        last = max((w.us for w in self.written), default=self.now)
        us = max(last, self.now) + step_ms * 1000
        if whole:  # a platform without fractions of a second; never before what came earlier
            us = max(us - us % 1_000_000, last)
        self.now = max(self.now, us)
        self.written.append(Written(len(self.written), str(1000 + len(self.written)), author, text, us, whole,
                                    reply_to))
        if fetched:
            self._store([self.written[-1]])

    @initialize(text=st.sampled_from(ASKING), fetched=st.booleans())
    def first(self, text: str, fetched: bool) -> None:
        self._write(MARIE, text, None, 0, False, fetched)

    @rule(data=st.data(), text=st.sampled_from(ASKING), step=STEP, whole=st.booleans(),
          to=st.sampled_from(["latest", "latest", "any", "none"]), now=NOW)
    def person_writes(self, data: st.DataObject, text: str, step: int, whole: bool, to: str, now: bool) -> None:
        """They write again: mostly an answer to what was just written (our reply, often)."""
        reply_to = {"none": None, "latest": self.written[-1],
                    "any": data.draw(st.sampled_from(self.written))}[to]
        self._write(MARIE, text, reply_to.remote_id if reply_to else None, step, whole, now)

    @rule(data=st.data(), who=st.sampled_from([ME, JO]), text=st.sampled_from(ANSWERS), step=STEP,
          whole=st.booleans(), latest=st.booleans(), now=NOW)
    def we_answer(self, data: st.DataObject, who: Person, text: str, step: int, whole: bool, latest: bool,
                  now: bool) -> None:
        """We (or a teammate) answer their latest message, or an earlier one."""
        theirs = [w for w in self.written if w.author == MARIE]
        to = theirs[-1] if latest else data.draw(st.sampled_from(theirs))
        self._write(who, text, to.remote_id, step, whole, now)

    @precondition(lambda self: any(w.author == MARIE and w.remote_id in self.arrived for w in self.written))
    @rule(data=st.data(), step=STEP)
    def we_reply_with_h2h(self, data: st.DataObject, step: int) -> None:
        """`h2h reply`: a draft posted to their latest message; the platform's post stored at
        once (reply/send.complete), and fetched again later like any other."""
        key = data.draw(st.sampled_from(self._stored_keys()))
        self._clock()
        p = send.plan(self.store, CONFIG, ENGINE, key)
        self._write(ME, p.text, p.in_reply_to, step, False)
        ours = self.written[-1]
        self._clock()
        with self.store.transaction():
            self.store.begin_reply(key=p.key, conversation=p.conversation, source=p.source, platform=p.platform,
                                   in_reply_to=p.in_reply_to, target=p.target, text=p.text, draft_id=p.draft.id,
                                   now=clock.iso(clock.now()))
        send.complete(self.store, CONFIG, ENGINE, p, status="sent", remote_id=ours.remote_id, url=None,
                      sent_at=self._mention(ours).created_at)
        self._arrive([ours.remote_id])

    @rule(data=st.data(), text=st.sampled_from(HELPING), step=STEP, now=NOW)
    def someone_else_answers(self, data: st.DataObject, text: str, step: int, now: bool) -> None:
        theirs = [w for w in self.written if w.author == MARIE]
        self._write(BOB, text, data.draw(st.sampled_from(theirs)).remote_id, step, False, now)

    @rule(rng=st.randoms(use_true_random=False))
    def exchange(self, rng: Any) -> None:
        """A few messages in quick succession, from them, us, a teammate, someone else
        (the other rules, one kind at a time, rarely mix them within a second)."""
        for _ in range(rng.randint(2, 4)):
            who = rng.choice([MARIE, MARIE, ME, ME, JO, BOB])
            theirs = [w for w in self.written if w.author == MARIE]
            if who == MARIE:
                to = rng.choice([self.written[-1], self.written[-1], rng.choice(self.written), None])
                text = rng.choice(ASKING)
            else:
                to = theirs[-1] if rng.random() < 0.7 else rng.choice(theirs)
                text = rng.choice(HELPING if who == BOB else ANSWERS)
            self._write(who, text, to.remote_id if to else None, rng.choice([0, 0, 150, 400, 900]),
                        rng.random() < 0.3, rng.random() < 0.3)

    # --- fetching ------------------------------------------------------------------------
    def _mention(self, w: Written) -> Mention:
        at = clock.parse_time(0) + timedelta(microseconds=w.us)
        return Mention(source="masto", platform="mastodon", remote_id=w.remote_id, author=w.author, text=w.text,
                       created_at=at, in_reply_to=w.reply_to, from_me=w.author == ME)

    def _clock(self) -> None:
        os.environ["H2H_NOW"] = clock.iso(clock.parse_time(0) + timedelta(microseconds=self.now))

    def _line(self, w: Written) -> bytes:
        """The message as a line of `h2h import`, its time at full precision."""
        at = clock.parse_time(0) + timedelta(microseconds=w.us)
        return json.dumps({"id": w.remote_id, "source": "masto", "platform": "mastodon", "text": w.text,
                           "created_at": at.isoformat().replace("+00:00", "Z"), "in_reply_to": w.reply_to,
                           "author": {"id": w.author.remote_id, "handle": w.author.handle, "name": w.author.name},
                           "from_me": w.author == ME}).encode() + b"\n"

    def _store(self, picked: list[Written], batch_size: int = 500, imported: bool = False) -> None:
        """A fetch, or `h2h import` of a file (its own batching, transactions and bulk mode)."""
        self._clock()
        if imported:
            stream = io.BytesIO(b"".join(self._line(w) for w in picked))
            report = ingest_lines(self.store, stream, ENGINE, batch_size=batch_size, per_transaction=2)
            assert not report.bad, report.bad
        else:
            ingest(self.store, [self._mention(w) for w in picked], ENGINE, batch_size=batch_size)
        self._arrive([w.remote_id for w in picked])

    def _arrive(self, remote_ids: list[str]) -> None:
        # Batches are written in created_at order: arrival is the order of the store's ids.
        new = [r for r in dict.fromkeys(remote_ids) if r not in self.arrived]
        for r in sorted(new, key=lambda r: self.store.mention("masto", r)["id"]):
            self.arrived[r] = len(self.arrived) + 1

    @rule(rng=st.randoms(use_true_random=False), batch=st.integers(1, 4),
          imported=st.sampled_from([False, False, True]))
    def fetch(self, rng: Any, batch: int, imported: bool) -> None:
        """Some of what was not fetched yet (late, in any order), perhaps with something fetched
        before; or the same as a file given to `h2h import`."""
        waiting = [w for w in self.written if w.remote_id not in self.arrived]
        picked = rng.sample(waiting, rng.randint(1, len(waiting))) if waiting else []
        if self.arrived and rng.random() < 0.3:
            picked.insert(rng.randint(0, len(picked)), rng.choice(self.written))
        if picked:
            self._store(picked, batch, imported)

    @rule(rng=st.randoms(use_true_random=False))
    def fetch_killed(self, rng: Any) -> None:
        """A fetch that dies before its transaction commits: nothing of it is kept."""
        picked = rng.sample(self.written, rng.randint(1, len(self.written)))

        def die(*_: Any) -> None:
            raise Crash

        self._clock()
        try:
            ingest(self.store, [self._mention(w) for w in picked], ENGINE, after_batch=die)
        except Crash:
            pass
        self.store.close()
        self.store = Store.open(self.path)

    # --- the user's decisions ------------------------------------------------------------
    def _stored_keys(self) -> list[str]:
        """The conversations of the person's stored messages."""
        theirs = [w.remote_id for w in self.written if w.author == MARIE and w.remote_id in self.arrived]
        ids = {self.store.mention("masto", r)["conversation_id"] for r in theirs}
        return sorted(self.store.conversation_by_id(i)["key"] for i in ids if i is not None)

    @precondition(lambda self: bool(self.arrived))
    @rule(data=st.data(), action=st.sampled_from(["done", "snooze", "done", "snooze", "ignore", "reopen"]),
          hours=st.integers(1, 6), rng=st.randoms(use_true_random=False))
    def decide(self, data: st.DataObject, action: str, hours: int, rng: Any) -> None:
        """A decision on one of their conversations; often the next fetch follows at once."""
        keys = self._stored_keys()
        if not keys:
            return  # only replies stored so far, in no conversation yet
        self._decide(data.draw(st.sampled_from(keys)), action, hours)
        waiting = [w for w in self.written if w.remote_id not in self.arrived]
        if waiting and rng.random() < 0.5:
            self._store(rng.sample(waiting, rng.randint(1, len(waiting))))

    def _decide(self, key: str, action: str, hours: int) -> None:
        self._clock()
        until = clock.now() + timedelta(hours=hours) if action == "snooze" else None
        inbox.set_state(self.store, ENGINE, key, action, until=until)
        self.decisions[key] = (action, len(self.arrived), clock.micros(until) if until else None)

    @precondition(lambda self: any(w.author == MARIE and w.remote_id in self.arrived for w in self.written))
    @rule(data=st.data(), action=st.sampled_from(["done", "snooze"]), text=st.sampled_from(ASKING), step=STEP,
          whole=st.booleans(), hours=st.integers(1, 6))
    def written_before_decided_fetched_after(self, data: st.DataObject, action: str, text: str, step: int,
                                             whole: bool, hours: int) -> None:
        """They write at 12:15, the user closes the conversation at 12:20 without having seen
        it, the next fetch brings it at 12:30."""
        stored = [w for w in self.written if w.author == MARIE and w.remote_id in self.arrived]
        to = data.draw(st.sampled_from(stored))
        self._write(MARIE, text, to.remote_id, step, whole)
        late = self.written[-1]
        conv_id = self.store.mention("masto", to.remote_id)["conversation_id"]
        if conv_id is not None:
            self._decide(self.store.conversation_by_id(conv_id)["key"], action, hours)
        self.now += 10 * 60_000_000
        self._store([late])

    @rule(minutes=st.integers(1, 400))
    def time_passes(self, minutes: int) -> None:
        self.now += minutes * 60_000_000

    # --- what must hold --------------------------------------------------------------------
    def _answered(self, w: Written) -> bool:
        return any(o.index > w.index and o.author in (ME, JO) and self.arrived.get(o.remote_id)
                   for o in self.written)

    def _known_thread(self, w: Written) -> bool:
        while w.reply_to is not None:
            if not self.arrived.get(w.reply_to):
                return False
            w = next(o for o in self.written if o.remote_id == w.reply_to)
        return True

    @invariant()
    def nothing_slips_through(self) -> None:
        if not self.written:
            return
        self._clock()
        stored = {w.remote_id: w for w in self.written if self.arrived.get(w.remote_id)}
        rows = {r: self.store.mention("masto", r) for r in stored}
        assert self.store.totals()["mentions"] == len(stored)
        assert sorted(r["id"] for r in rows.values()) == sorted(self.arrived[r] for r in stored)
        queue = inbox.build_queue(self.store, ENGINE, limit=None, show_all=True)
        keys = [i.id for i in queue.items]
        assert len(keys) == len(set(keys)), "a conversation listed twice"
        listed = [m["id"] for i in queue.items for m in i.mentions]
        assert len(listed) == len(set(listed)), "a message listed twice"
        items = {i.id: i for i in queue.items}
        now = clock.iso(clock.now())
        for rid, w in stored.items():
            if w.author == BOB and self._known_thread(w):
                assert rid not in listed, "someone else's answer listed as waiting for us"
            if w.author != MARIE or self._answered(w):
                continue
            conv = self.store.conversation_by_id(rows[rid]["conversation_id"])
            decision = self.decisions.get(conv["key"])
            if decision is not None and decision[0] == "ignore":
                continue
            if conv["key"] in items and rid in {m["id"] for m in items[conv["key"]].mentions}:
                continue
            held = conv["state"] == "done" or (conv["state"] == "snoozed" and (conv["snooze_until"] or "") > now)
            assert held and decision is not None and decision[0] in ("done", "snooze") \
                and decision[1] >= self.arrived[rid], (
                f"message {rid} waits, is not in the queue, and no decision made after it arrived holds it: "
                f"{conv['state']}, decision {decision}, arrived {self.arrived[rid]}")

    @invariant()
    def show_lists_everything_in_order(self) -> None:
        known = {w.remote_id: w for w in self.written if self.arrived.get(w.remote_id) and self._known_thread(w)}
        shown: list[str] = []
        for conv_id in {self.store.mention("masto", r)["conversation_id"] for r in known} - {None}:
            view = inbox.conversation(self.store, ENGINE, self.store.conversation_by_id(conv_id)["key"])
            ids = [m["id"] for m in view["messages"]]
            assert ids == sorted(ids, key=lambda r: int(r)), f"not in the platform's order: {ids}"
            shown += ids
        assert len(shown) == len(set(shown)), "a message shown in two conversations"
        assert set(known) <= set(shown), f"stored but not shown: {sorted(set(known) - set(shown))}"


# 40 examples of 25 steps: each of the two bugs this test was written against (a message
# written before a decision but stored after it left closed; a follow-up in the same second
# as our reply counted as answered), put back, fails it in CI's derandomized run and in
# every random seed tried at 30; H2H_MODEL_EXAMPLES raises it for a longer hunt.
# Without shrinking when only finding matters (measuring what count finds a bug put back).
PHASES = [p for p in Phase if p is not Phase.shrink or not os.environ.get("H2H_MODEL_NO_SHRINK")]
Thread.TestCase.settings = settings(max_examples=int(os.environ.get("H2H_MODEL_EXAMPLES", "40")),
                                    stateful_step_count=int(os.environ.get("H2H_MODEL_STEPS", "25")),
                                    deadline=None, phases=PHASES,
                                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestThread = Thread.TestCase
