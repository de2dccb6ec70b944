"""`h2h next` apart from the terminal: work a section of the queue one human at a time.

    s = Session(store, config, engine, section="reply", source=None)
    run(s, ui)            show the top conversation, read a key, act, and again, until
                          the section is empty or the person quits
    s.tally.line()        the closing line: answered, done, snoozed, skipped, median wait

`ui` is anything with the methods of `UI`: cli/next.py draws on a terminal or reads
lines from a pipe, the tests script it. Every key goes through the same functions
as the commands (`h2h reply`, `h2h draft`, `h2h done`, `h2h person --mute`), so a key
here does exactly what the command does, and a reply is recorded before it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol
from urllib.parse import urlsplit

from h2h import clock
from h2h.app import inbox
from h2h.draft import compose
from h2h.errors import DatabaseLocked, H2HError, StoreError, UsageError
from h2h.reply import send
from h2h.app.stats import quantile

# (key, word, what it does): the help screen, and the words a script may write instead.
KEYS: tuple[tuple[str, str, str], ...] = (
    ("y", "send", "send this draft now (recorded first, never posted twice)"),
    ("e", "edit", "edit the draft in $VISUAL or $EDITOR"),
    ("v", "another", "another wording of the draft"),
    ("f", "from", "draft from another source: knowledge, our past answers, template, LLM"),
    ("t", "snippet", "start from a saved reply ([draft.snippets])"),
    ("d", "done", "done, without replying"),
    ("s", "snooze", "snooze: asks for how long (default: the SLA)"),
    ("i", "ignore", "ignore: out of the queue for good"),
    ("m", "mute", "mute this person (asks first): their conversations go to noise"),
    ("o", "open", "open the conversation in the browser"),
    ("n", "skip", "skip to the next one, changing nothing"),
    ("u", "undo", "undo the last decision (done, snooze, ignore, mute; never a sent reply)"),
    ("?", "help", "show these keys"),
    ("q", "quit", "quit"),
)
_WORDS = {word: key for key, word, _ in KEYS} | {"yes": "y", "variant": "v", "next": "n", "h": "?", "exit": "q"}
LEGEND = ("y send · e edit · v another · f other source · t saved reply · u undo",
          "d done · s snooze · i ignore · m mute · o open · n skip · ? help · q quit")

# What the loop does after a key.
STAY, REDRAW, NEXT, QUIT = "stay", "redraw", "next", "quit"


def command(text: str) -> str | None:
    """The key a keypress or a line of input stands for (`d`, `done`, `D`), or None."""
    word = text.strip().lower()
    return word if any(word == k for k, _, _ in KEYS) else _WORDS.get(word)


@dataclass(frozen=True)
class Card:
    """One conversation as `h2h next` shows it."""

    view: Mapping[str, Any]            # inbox.conversation(): what `h2h show` shows
    plan: send.Plan | None             # what `y` sends: the draft, to whom, with its key
    problem: H2HError | None           # why there is nothing to send, when plan is None
    waiting: int                       # conversations in the section now, this one included

    @property
    def id(self) -> str:
        return str(self.view["id"])

    @property
    def url(self) -> str | None:
        """Where the conversation is on the platform: the message answered, else the latest."""
        if self.plan is not None and self.plan.reply_url:
            return self.plan.reply_url
        return next((m["url"] for m in reversed(self.view["messages"]) if m["url"]), None)


@dataclass
class Tally:
    answered: int = 0
    done: int = 0
    snoozed: int = 0
    ignored: int = 0
    muted: int = 0
    skipped: int = 0
    waits: list[float] = field(default_factory=list)   # seconds each answered person had waited

    def line(self) -> str:
        parts = [f"{self.answered} answered", f"{self.done} done", f"{self.snoozed} snoozed"]
        parts += [f"{n} {name}" for name, n in (("ignored", self.ignored), ("muted", self.muted)) if n]
        parts.append(f"{self.skipped} skipped")
        median = quantile(self.waits, 0.5)
        tail = f"; median wait of those answered: {clock.human_duration(median)}" if median is not None else ""
        return ", ".join(parts) + tail + "."


class UI(Protocol):
    def show(self, card: Card) -> None: ...                     # the conversation, its draft, the keys
    def key(self) -> str: ...                                   # the next key or line; "q" at end of input
    def ask(self, question: str, default: str) -> str | None: ...   # a line; None when cancelled
    def confirm(self, question: str) -> bool: ...
    def say(self, message: str) -> None: ...
    def problem(self, exc: H2HError) -> None: ...
    def help(self) -> None: ...
    def manual(self, plan: send.Plan, reason: str) -> None: ...    # the text to post by hand, and where
    def record(self, event: dict[str, Any]) -> None: ...        # one action taken (for --jsonl)
    def finish(self, message: str) -> None: ...                 # the section is empty


def safe_url(url: str | None) -> str | None:
    """The URL if a browser may be given it: http(s), a host, nothing that could pass for an option."""
    if not url or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def _open_in_browser(url: str) -> bool:
    import webbrowser  # runs the browser without a shell (argv from $BROWSER or the platform's opener)

    return webbrowser.open(url)


class Session:
    def __init__(self, store: Any, config: Any, engine: Any, *, section: str = "reply", source: str | None = None,
                 opener: Callable[[str], bool] | None = None, log: Any = None):
        inbox.check_section(section)
        inbox.check_source(store, list(config.sources), source)
        self.store, self.config, self.engine = store, config, engine
        self.section, self.source = section, source
        self.opener = opener or _open_in_browser
        self.log = log
        self.tally = Tally()
        self.passed: set[str] = set()   # skipped in this session: not shown again
        self.decided: list[tuple[str, str]] = []   # (tally field, conversation id) of this session
        self.back: str | None = None    # a conversation an undo brought back: shown next

    # --- what comes next -------------------------------------------------------------

    def next_card(self) -> Card | None:
        if self.back is not None:
            ident, self.back = self.back, None
            return self.card(ident)
        queue = inbox.build_queue(self.store, self.engine, sections=[self.section], source=self.source,
                                  limit=inbox.DEFAULT_LIMIT + len(self.passed))
        item = next((i for i in queue.items if i.id not in self.passed), None)
        return None if item is None else self.card(item.id, waiting=queue.counts.get(self.section, 0))

    def card(self, ident: str, *, waiting: int | None = None) -> Card:
        view = inbox.conversation(self.store, self.engine, ident)
        plan: send.Plan | None = None
        problem: H2HError | None = None
        try:
            plan = send.plan(self.store, self.config, self.engine, ident)
        except H2HError as exc:
            if isinstance(exc, StoreError) and not isinstance(exc, DatabaseLocked):
                raise
            problem = exc
        if waiting is None:
            waiting = inbox.count(self.store, self.engine, self.section, self.source)
        return Card(view=view, plan=plan, problem=problem, waiting=waiting)

    def end_message(self) -> str:
        if self.passed:
            n = len(self.passed)
            return (f"That was everyone; {n} skipped conversation{'s' if n != 1 else ''} still wait"
                    f"{'s' if n == 1 else ''} (`h2h queue`).")
        return "Everyone has an answer."

    # --- the keys ----------------------------------------------------------------------

    def act(self, key: str, card: Card, ui: UI) -> str:
        k = command(key)
        handler = {"y": self.reply, "e": self.edit, "v": self.another, "f": self.other_source, "t": self.snippet,
                   "d": self.done, "s": self.snooze, "i": self.ignore, "m": self.mute, "o": self.open_url,
                   "n": self.skip, "u": self.undo}.get(k or "")
        if handler is not None:
            return handler(card, ui)
        if k == "?":
            ui.help()
            return STAY
        if k == "q":
            return QUIT
        ui.say(f"{key.strip()[:20]!r} is not a key here; press ? for the keys.")
        return STAY

    def reply(self, card: Card, ui: UI) -> str:
        if card.plan is None:
            raise card.problem or UsageError("there is no draft to send", hint="Press e to write one, or n to move on.")
        p = card.plan
        send.check(p)
        outcome = send.send(self.store, self.config, self.engine, p)
        if outcome.status == "manual_needed":
            ui.manual(p, outcome.reason)
            if not ui.confirm("Did you post it?"):
                self.passed.add(card.id)
                self.tally.skipped += 1
                ui.say(f"Left in the queue; once posted, `h2h reply {card.id} --posted` marks it answered.")
                self._record(ui, "reply", card, status="not_posted", url=p.reply_url)
                self._log("reply %s: not posted", card.id)
                return NEXT
            outcome = send.mark_posted(self.store, self.config, self.engine, p)
        waited = outcome.response_s if outcome.response_s is not None else float(card.view["waiting_s"])
        self.tally.answered += 1
        self.tally.waits.append(waited)
        where = (outcome.url or p.reply_url or "") if outcome.status != "manual" else ""
        verb = {"sent": "Sent", "manual": "Marked as posted by hand", "already_sent": "Already sent"}[outcome.status]
        ui.say(f"{verb}{' ' + where if where else ''}; {card.id} answered after {clock.human_duration(waited)}.")
        self._record(ui, "reply", card, status=outcome.status, url=outcome.url, response_s=outcome.response_s)
        self._log("reply %s: %s", card.id, outcome.status)
        return NEXT

    def edit(self, card: Card, ui: UI) -> str:
        _draft, changed = compose.edit(self.store, self.config, self.engine, card.id)
        if not changed:
            ui.say("The draft is unchanged.")
            return STAY
        return REDRAW

    def another(self, card: Card, ui: UI) -> str:
        if not self._may_replace(card, ui):
            return STAY
        compose.new_draft(self.store, self.config, self.engine, card.id, another=True)
        return REDRAW

    def _may_replace(self, card: Card, ui: UI) -> bool:
        """A draft edited by hand is replaced only when the person says so (it stays in the history)."""
        if card.plan is None or not card.plan.draft.edited:
            return True
        if ui.confirm(f"Your edited draft will be replaced (it stays in `h2h draft {card.id} --history`). Go on?"):
            return True
        ui.say("The edited draft is kept.")
        return False

    def other_source(self, card: Card, ui: UI) -> str:
        """The next source after the current draft's, among those this conversation has."""
        if not self._may_replace(card, ui):
            return STAY
        offered = compose.sources(self.store, self.config, self.engine, card.id)
        current = card.plan.draft.source if card.plan is not None else ""
        after = offered[(offered.index(current) + 1) % len(offered)] if current in offered else offered[0]
        draft = compose.new_draft(self.store, self.config, self.engine, card.id, source=after)
        ui.say(f"The draft is now from {draft.source} (sources for this conversation: {', '.join(offered)}).")
        return REDRAW

    def snippet(self, card: Card, ui: UI) -> str:
        names = sorted(self.config.draft.snippets)
        if not names:
            raise UsageError("there are no saved replies yet",
                             hint='Add some under [draft.snippets] in the config, e.g. '
                                  'export = "Hi {first_name}, everything is under Settings > Export. {signature}".')
        for n, name in enumerate(names, start=1):
            ui.say(f"  {n}. {name}: {self.config.draft.snippets[name]}")
        answer = ui.ask("Saved reply (number or name; empty to keep the draft)", "")
        if not answer:
            ui.say("The draft is unchanged.")
            return STAY
        name = names[int(answer) - 1] if answer.isdigit() and 1 <= int(answer) <= len(names) else answer
        if not self._may_replace(card, ui):
            return STAY
        compose.new_draft(self.store, self.config, self.engine, card.id, snippet=name)
        return REDRAW

    def done(self, card: Card, ui: UI) -> str:
        self._state(card, ui, "done")
        self.tally.done += 1
        self.decided.append(("done", card.id))
        return NEXT

    def snooze(self, card: Card, ui: UI) -> str:
        default = clock.human_duration(self.engine.sla_s).replace(" ", "")
        answer = ui.ask("Snooze for how long? (30m, 2h, 1d)", default)
        if answer is None:
            ui.say("Not snoozed.")
            return STAY
        try:
            until = clock.now() + clock.parse_duration(answer)
        except ValueError as exc:
            raise UsageError(f"{exc}; not snoozed", hint="Press s again and give a duration such as 30m, 2h or 1d.") from None
        self._state(card, ui, "snooze", until=until)
        self.tally.snoozed += 1
        self.decided.append(("snoozed", card.id))
        return NEXT

    def ignore(self, card: Card, ui: UI) -> str:
        # For good: their new messages will not bring it back, so a stray key must not do it.
        if getattr(ui, "terminal", False) and not ui.confirm(
                "Ignore for good? Their new messages will not bring it back (u undoes it)."):
            ui.say("Not ignored.")
            return STAY
        self._state(card, ui, "ignore")
        self.tally.ignored += 1
        self.decided.append(("ignored", card.id))
        return NEXT

    def undo(self, card: Card, ui: UI) -> str:
        from h2h.app import undo
        from h2h.cli.conversation import undo_line

        result = undo.undo(self.store, self.engine)
        ui.say(undo_line(result))
        self._log("undo %s %s", result["undid"], result["id"] or "-")
        if not result["undone"]:
            return STAY
        field = {"done": "done", "snooze": "snoozed", "ignore": "ignored", "mute": "muted"}.get(result["undid"])
        if field and (field, result["id"] or card.id) in self.decided:
            self.decided.remove((field, result["id"] or card.id))
            setattr(self.tally, field, getattr(self.tally, field) - 1)
        undone = card if not result["id"] or result["id"] == card.id else Card(
            view=inbox.conversation(self.store, self.engine, result["id"]), plan=None, problem=None, waiting=0)
        self._record(ui, "undo", undone)
        if result["id"] and result["id"] != card.id:
            self.back = result["id"]
            self.passed.discard(result["id"])
            return NEXT
        return REDRAW

    def mute(self, card: Card, ui: UI) -> str:
        from h2h.app import people as persons

        person = card.view["person"]
        handle = person["handle"]
        if not ui.confirm(f"Mute {handle}? Their conversations go to noise until "
                          f"`h2h person {handle} --unmute`."):
            ui.say("Not muted.")
            return STAY
        persons.set_flags_of_conversation(self.store, self.engine, card.id, muted=True)
        self.tally.muted += 1
        self.decided.append(("muted", card.id))
        ui.say(f"Muted {handle}; their conversations went to noise.")
        self._log("mute the person of %s", card.id)
        self._record(ui, "mute", card)
        return NEXT

    def open_url(self, card: Card, ui: UI) -> str:
        url = safe_url(card.url)
        if url is None:
            raise UsageError("this conversation has no web address to open" if not card.url else
                             f"not opening {card.url!r}: only http and https addresses are opened",
                             hint=f"`h2h show {card.id}` shows everything known about it.")
        if not self.opener(url):
            raise UsageError(f"no browser could be started for {url}",
                             hint="Set $BROWSER to your browser's command, or open the address by hand.")
        ui.say(f"Opened {url}")
        return STAY

    def skip(self, card: Card, ui: UI) -> str:
        self.passed.add(card.id)
        self.tally.skipped += 1
        self._record(ui, "skip", card)
        return NEXT

    # --- helpers -------------------------------------------------------------------------

    def _state(self, card: Card, ui: UI, action: str, until: Any = None) -> None:
        result = inbox.set_state(self.store, self.engine, card.id, action, until=until)
        extra = f" until {result['snooze_until']}" if result["snooze_until"] else ""
        ui.say(f"{card.id}: {result['previous_state']} -> {result['state']}{extra}")
        self._log("%s %s: %s -> %s", action, card.id, result["previous_state"], result["state"])
        self._record(ui, action, card, until=result["snooze_until"])

    def _log(self, message: str, *args: Any) -> None:
        if self.log is not None:  # ids and states only: message texts are never logged
            self.log.info("next: " + message, *args)

    def _record(self, ui: UI, action: str, card: Card, *, status: str | None = None, url: str | None = None,
                until: str | None = None, response_s: float | None = None) -> None:
        person = card.view["person"]
        ui.record({"action": action, "id": card.id, "section": card.view["section"], "source": card.view["source"],
                   "platform": card.view["platform"], "handle": person["handle"], "name": person["name"],
                   "waiting_s": card.view["waiting_s"], "status": status, "url": url, "until": until,
                   "response_s": response_s, "at": clock.iso(clock.now())})


def run(session: Session, ui: UI) -> None:
    """The loop. A failed key (a draft over the limit, an editor that fails, a network error
    while sending) is shown and the same conversation stays; only a broken database ends it."""
    while True:
        card = session.next_card()
        if card is None:
            ui.finish(session.end_message())
            return
        ui.show(card)
        while True:
            key = ui.key()
            try:
                step = session.act(key, card, ui)
                if step == REDRAW:
                    card = session.card(card.id, waiting=card.waiting)
                    ui.show(card)
            except H2HError as exc:
                if isinstance(exc, StoreError) and not isinstance(exc, DatabaseLocked):
                    raise
                ui.problem(exc)
                continue
            if step == QUIT:
                return
            if step == NEXT:
                break
