"""A message that arrives after the replies to it (a late fetch, a thread read later, an
import out of order) puts those replies where they would have gone had it come first.

Until then each reply had to guess: its thread's root was the id of the message it
answers, and it opened a conversation of its own there. Once that message is stored:

- the guessed root becomes the real one, for every message that took it;
- a conversation opened on the guess joins the conversation of the same person in the
  real thread: the one the stored message is in when it is theirs or our reply to them
  (an answer to our reply continues its conversation), or the one of that person in
  the thread; its messages take that conversation's root, and it is deleted;
- a conversation that holds only someone's answers to another person, asking us
  nothing, is no conversation: its messages are filed in none (as ingest/assign.py
  files such an answer that arrives in order), and it is deleted;
- otherwise the conversation stays, rooted in the real thread.

Run at the end of each ingest batch, over the messages it stored, in arrival order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from h2h.ingest.assign import answers_another
from h2h.ingest.judge import asks

if TYPE_CHECKING:
    from h2h.store import Store


def rehome(store: "Store", added: Sequence[Mapping[str, Any]]) -> set[int]:
    """The conversations whose messages changed (to be judged again). `added`: the batch's
    rows as inserted."""
    if not added:
        return set()
    own = {(r["source"], r["remote_id"]): r["conversation_id"] for r in added}
    # Conversations rooted at a message just stored, other than its own: begun by a reply to it.
    waiting = {(c.source, c.thread_root) for c in store.conversations_rooted_at(own)
               if c.id != own[(c.source, c.thread_root)]}
    guessed = {(m.source, m.thread_root) for m in store.mentions_rooted_at(
        [(r["source"], r["remote_id"]) for r in added if r["thread_root"] != r["remote_id"]])}
    touched: set[int] = set()
    for row in added:  # ids grow in arrival order
        key = (row["source"], row["remote_id"])
        if key in waiting or key in guessed:
            moved, root = _place(store, row["source"], row["remote_id"], row["id"])
            touched |= moved
            # What moved is now rooted there: the batch's message of that id, if later, looks again.
            waiting.add((row["source"], root))
            guessed.add((row["source"], root))
    return touched


def _place(store: "Store", source: str, remote_id: str, arrived: int) -> tuple[set[int], str]:
    x = store.mention(source, remote_id)  # as it is now: an earlier one of the batch may have moved it
    assert x is not None
    root = x.thread_root
    x_conv = store.conversation_by_id(x.conversation_id) if x.conversation_id else None
    touched: set[int] = set()
    moves: dict[int, tuple[int | None, str]] = {}
    gone: list[int] = []
    for conv in store.conversations_rooted_at([(source, remote_id)]):
        messages = store.conversation_mentions(conv.id)
        if conv.id == x.conversation_id or not messages or messages[0].id > arrived:
            continue  # its own conversation, or one begun after it arrived (placed knowing it)
        person = conv.person_id
        target = x_conv if x_conv is not None and x_conv.person_id == person else (
            store.find_conversation(source, root, person) if root != remote_id else None)
        if target is not None and target.id != conv.id:
            moves.update((m.id, (target.id, target.thread_root)) for m in messages)
            touched.add(target.id)
            gone.append(conv.id)
        elif answers_another(x._asdict(), person) and not any(asks(m.signals) for m in messages
                                                              if m.role == "person"):
            to = x_conv.id if x_conv is not None else None  # our replies to them go where the thread's are
            moves.update((m.id, (None if m.role == "person" else to, m.thread_root)) for m in messages)
            if to is not None:
                touched.add(to)
            gone.append(conv.id)
        elif root != remote_id:
            store.save_conversation(conv.id, {"thread_root": root})
            touched.add(conv.id)
    if root != remote_id:  # the guess becomes the real root
        for m in store.mentions_rooted_at([(source, remote_id)]):
            conv_id = m.conversation_id
            if conv_id is None and m.role != "person" and m.in_reply_to:
                # Our reply stored before what it answers was filed in none: it goes to the
                # conversation of the message it answers, wherever that is now.
                parent = x if m.in_reply_to == remote_id else store.mention(source, m.in_reply_to)
                if parent is not None:
                    conv_id = moves.get(parent.id, (parent.conversation_id, ""))[0]
            moves.setdefault(m.id, (conv_id, root))
    # A moved reply now counts in the conversation it answers, which is judged again.
    touched.update(conv_id for conv_id, _ in moves.values() if conv_id is not None)
    store.place_mentions([(conv_id, r if r != remote_id else root, mid) for mid, (conv_id, r) in sorted(moves.items())])
    store.delete_conversations(gone)
    return touched - set(gone), root
