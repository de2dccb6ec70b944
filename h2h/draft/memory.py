"""Answer memory: what we already said well, found again for a new question.

    refresh(store)                      index our replies not indexed yet (sent by h2h or fetched
                                        from our accounts), each with the messages it answered
    search(store, config, text, lang)   the closest past answers and knowledge entries, best first,
                                        each with a similarity in 0..1
    best(matches, lang)                 the one to draft from, or None ("no match")

FTS5 finds the candidates by BM25 (store/memory.py); the similarity that ranks
them and decides "no match" is computed here from the same terms: for each way
a document puts its question (a knowledge entry's heading and each `Also`, a
past question and each of its sentences), how much of it the new message
covers and how much of the message it covers, weighted by how rare each term
is (inverse document frequency), the first counting four times the second.
The best phrasing is the document's similarity. Measured in bench/bench_retrieval.py.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Iterable, NamedTuple, Sequence

from h2h.draft.terms import names, terms

THRESHOLD = 0.45          # below this, nothing we know answers the question
# A problem report shares words with how-to entries that do not fix it ("export drops my
# attachments" and "how to export everything"): answering one from what we know needs more.
PROBLEM_THRESHOLD = 0.5
# A wish ("restrict a token to one notebook: is it planned?") shares words with what exists
# ("API rate limits"): what we know answers it only when it is about that very thing.
WISH_THRESHOLD = 0.7
CANDIDATES = 30
MAX_SENTENCES = 6
ONE_SENTENCE = 0.9        # a match on one sentence of a longer message counts this much
NUMBER = 0.3              # a number ("96", "x2", "4.3") says little about what the question is
_DIGIT = re.compile(r"\d")
BETA2 = 2.0               # how much more a document's question counts than the new message
ANSWER_WEIGHT = 0.5       # a word of the message found only in a document's answer counts this much
OTHER_LANGUAGE = 0.8      # a past answer in another language cannot be reused as written
_SENTENCES = re.compile(r"(?<=[.!?…])\s+|\n+")


class Match(NamedTuple):
    kind: str                 # "knowledge" or "answer"
    ref: str                  # "kb:ENTRY" or "answer:ROWID"
    similarity: float
    question: str             # the entry's heading, or the message(s) we answered
    answer: str
    lang: str
    link: str | None = None   # knowledge: the entry's link; answer: where our reply is
    person: str = ""          # answer: whom we answered
    author: str = ""          # answer: who wrote it ("" when it was us, [me])
    role: str = ""            # answer: "me" or "team"
    created_at: str = ""
    origin: str = ""          # knowledge: file:line
    rank: float = 0.0         # BM25 as FTS5 gives it (lower is better)
    answered: tuple[str, ...] = ()   # answer: the remote ids of the messages it answered
    person_name: str = ""            # answer: their display name

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": self.ref, "similarity": round(self.similarity, 2), "question": self.question,
                "answer": self.answer, "lang": self.lang, "link": self.link, "person": self.person or None,
                "author": self.author or None, "created_at": self.created_at or None, "origin": self.origin or None}


# --- indexing our replies ---------------------------------------------------------------

def refresh(store: Any, config: Any, batch: int = 200, budget_s: float = 1.0) -> int:
    """Index our messages stored since the last time, oldest first; returns how many answers
    were added. A first run over a large history stops after `budget_s` and goes on at the
    next draft, so no command waits long for it."""
    import time

    stop = product_stop(config)
    added = 0
    deadline = time.monotonic() + budget_s
    while True:
        after = store.indexed_answers_upto()
        rows = store.our_messages_after(after, batch)
        if not rows:
            return added
        with store.transaction():
            for row in rows:
                values = _answer(store, row)
                if values is not None:
                    question = [values["question"], *_sentences(values["question"])]
                    store.add_answer(values, indexed(question, values["lang"], stop),
                                     terms(values["answer"], values["lang"], stop=stop))
                    added += 1
            store.set_indexed_answers_upto(rows[-1]["id"])
        if len(rows) < batch or time.monotonic() > deadline:
            return added


def _answer(store: Any, row: Any) -> dict[str, Any] | None:
    """One of our messages as an answer: the person's messages it answered (those after our
    previous reply in the conversation, up to it), or None when it answers no one."""
    if row["answered_conversation"] is None:
        return None
    conv = store.conversation_by_id(row["answered_conversation"])
    asked: list[Any] = []
    for m in store.conversation_messages(conv):
        if (m["created_at"], m["id"]) >= (row["created_at"], row["id"]):
            break
        if m["role"] != "person":
            asked = []
        elif m["person_id"] == conv["person_id"]:  # not someone else answering them
            asked.append(m)
    if not asked:
        return None
    person = store.person(conv["person_id"])
    question = "\n".join(m["text"] for m in asked)
    from h2h.draft.terms import guess_lang

    lang = (row["lang"] or conv["lang"] or guess_lang(question)).lower()
    return {"mention_id": row["id"], "source": row["source"], "platform": row["platform"], "conversation": conv["key"],
            "lang": lang, "role": row["role"], "author": row["author_handle"], "person": person["handle"],
            "person_name": person["name"] or "", "answered": [m["remote_id"] for m in asked], "question": question,
            "answer": row["text"], "url": row["url"], "created_at": row["created_at"]}


# --- searching ----------------------------------------------------------------------------

def _idf(total: int, df: int) -> float:
    return math.log(1.0 + (total - df + 0.5) / (df + 0.5))


def _score(query: set[str], phrasing: set[str], answer: set[str], idf: dict[str, float]) -> float:
    """How close a document's phrasing of its question is to the new message: an F-measure of
    how much of the message it covers (terms only in the document's answer count half) and
    how much of the phrasing the message covers (counted BETA2 times more). A one-word
    phrasing covers at most half: one shared word is not the same question."""
    if not query or not phrasing:
        return 0.0
    shared = sum(idf[t] for t in query & phrasing)
    if not shared:
        return 0.0
    also = sum(idf[t] for t in (query & answer) - phrasing)
    covers = (shared + ANSWER_WEIGHT * also) / sum(idf[t] for t in query)
    covered = shared / sum(idf[t] for t in phrasing) * (0.5 if len(phrasing) == 1 else 1.0)
    return (1 + BETA2) * covers * covered / (BETA2 * covers + covered)


def _asking(text: str) -> list[str]:
    """The sentences of a longer message that say what it is about: its questions and its
    first sentence (a title, or the problem stated), not the asides."""
    parts = _sentences(text)
    return [p for i, p in enumerate(parts[:MAX_SENTENCES]) if i == 0 or "?" in p]


def _sentences(text: str) -> list[str]:
    parts = [p for p in _SENTENCES.split(text) if p.strip()]
    return parts if len(parts) > 1 else []


def indexed(phrasings: Sequence[str], lang: str, stop: frozenset[tuple[str, ...]]) -> list[str]:
    """The terms of each way a document puts its question, as the store keeps them: one list,
    the phrasings apart by "|" (which FTS5 does not index)."""
    out: list[str] = []
    for text in phrasings:
        found = terms(text, lang, stop=stop)
        if found:
            out.extend((["|"] if out else []) + found)
    return out


def _phrasings(q_terms: str) -> list[set[str]]:
    return [p for p in (set(part.split()) for part in q_terms.split("|")) if p]


def product_stop(config: Any) -> frozenset[tuple[str, ...]]:
    """Our own names: every message to us carries them, so they say nothing about the question."""
    me = config.me
    return names(*me.keywords, *me.handles)


def search(store: Any, config: Any, text: str, lang: str | None, *, limit: int = 5,
           kinds: Sequence[str] = ("knowledge", "answers"), exclude_conversation: str | None = None) -> list[Match]:
    """The past answers and knowledge entries closest to `text`, best first (translations of one
    knowledge entry count once, in `lang` when written in it). A message of several sentences
    is also compared by its questions and its first sentence alone: what it asks is often there."""
    stop = product_stop(config)
    whole = set(terms(text, lang, stop=stop))
    if not whole:
        return []
    queries = [whole] + [q for q in (set(terms(s, lang, stop=stop)) for s in _asking(text)) if len(q) >= 2 and q != whole]
    found: list[Match] = []
    for kind in kinds:
        where, params = ("d.conversation IS NOT ?", (exclude_conversation,)) if kind == "answers" else ("", ())
        rows = store.search(kind, sorted(whole), limit=CANDIDATES, where=where, params=params)
        if not rows:
            continue
        phrasings = {row["id"]: _phrasings(row["q_terms"]) for row in rows}
        answers = {row["id"]: set(row["a_terms"].split()) for row in rows}
        vocabulary = set(whole).union(*(p for ps in phrasings.values() for p in ps))
        total, df = store.term_counts(kind, vocabulary)
        idf = {t: _idf(max(total, 1), df.get(t, 0)) * (NUMBER if _DIGIT.search(t) else 1.0) for t in vocabulary}
        for row in rows:
            similarity = max((_score(q, p, answers[row["id"]], idf) * (1.0 if q is whole else ONE_SENTENCE)
                              for q in queries for p in phrasings[row["id"]]), default=0.0)
            if kind == "answers" and lang and row["lang"] and row["lang"] != lang:
                similarity *= OTHER_LANGUAGE
            found.append(_match(kind, row, similarity))
    found.sort(key=lambda m: (-m.similarity, m.rank))
    return [_translated(store, m, lang) for m in _one_per_entry(found, lang)[:limit]]


def _translated(store: Any, m: Match, lang: str | None) -> Match:
    """A knowledge entry in `lang` when it has a translation there."""
    if m.kind != "knowledge" or not lang or m.lang == lang:
        return m
    row = store.knowledge_translation(m.ref[3:], lang)
    if row is None:
        return m
    return m._replace(question=row["question"], answer=row["answer"], lang=row["lang"], link=row["link"] or m.link,
                      origin=f"{row['origin']}:{row['line']}")


def _match(kind: str, row: Any, similarity: float) -> Match:
    if kind == "knowledge":
        return Match("knowledge", f"kb:{row['entry']}", similarity, row["question"], row["answer"], row["lang"],
                     link=row["link"], origin=f"{row['origin']}:{row['line']}", rank=row["rank"])
    return Match("answer", f"answer:{row['id']}", similarity, row["question"], row["answer"], row["lang"] or "",
                 link=row["url"], person=row["person"], author=row["author"], role=row["role"],
                 created_at=row["created_at"], rank=row["rank"], answered=tuple(json.loads(row["answered"])),
                 person_name=row["person_name"] or "")


def _one_per_entry(found: Iterable[Match], lang: str | None) -> list[Match]:
    """Each knowledge entry once: its best score, in the asked language when it has it."""
    best: dict[str, Match] = {}
    order: list[str] = []
    for m in found:
        if m.ref not in best:
            best[m.ref] = m
            order.append(m.ref)
        elif m.kind == "knowledge" and m.lang == lang and best[m.ref].lang != lang:
            best[m.ref] = m._replace(similarity=best[m.ref].similarity, rank=best[m.ref].rank)
    return [best[ref] for ref in order]


def best(matches: Sequence[Match], threshold: float = THRESHOLD) -> Match | None:
    return matches[0] if matches and matches[0].similarity >= threshold else None


# --- reusing a past answer ------------------------------------------------------------------

_LEADING_MENTIONS = re.compile(r"^(?:\s*@[\w.@-]+[,:]?)+\s*")
_GREETING = re.compile(r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|bonjour|bonsoir|salut|coucou|"
                       r"re-?bonjour)\b[^.!?,:\n]{0,40}[,!:.]?\s*", re.I)
_SIGN_OFF = re.compile(r"\s*(?:\((?:[^()]{1,40})\)|[-—–]\s*[^\n]{1,40})\s*$")


def adapt(match: Match, first_name: str = "") -> str:
    """A past answer as the body of a new one: without the old person's mention and greeting
    or our old sign-off, and with the old person's name, said elsewhere, replaced."""
    text = match.answer.strip()
    text = _LEADING_MENTIONS.sub("", text)
    text = _GREETING.sub("", text, count=1)
    text = _SIGN_OFF.sub("", text)
    old = _name_of(match)
    if old and first_name and old.lower() != first_name.lower():
        text = re.sub(rf"\b{re.escape(old)}\b", first_name, text)
    text = text.strip()
    return text[:1].upper() + text[1:] if text else match.answer.strip()


def _name_of(match: Match) -> str:
    from h2h.textutil import first_name as first_word

    return first_word(match.person_name) or match.person.lstrip("@").split("@")[0].split(".")[0]


def cited(match: Match) -> str:
    """Where a draft's words come from, for the person who sends it."""
    if match.kind == "knowledge":
        where = match.origin.rsplit("/", 1)[-1]
        return f"from the knowledge entry \u201c{match.question}\u201d ({where}, similarity {match.similarity:.2f})"
    return f"from {reply_to(match.person, match.created_at, match.author if match.role == 'team' else '')} " \
        f"(similarity {match.similarity:.2f})"


def reply_to(person: str, created_at: str, teammate: str = "") -> str:
    """"your reply to @ana on 12 Nov", or "@bob's reply to ..." when a teammate wrote it."""
    from h2h import clock

    when = f"on {clock.from_iso(created_at).strftime('%-d %b')}" if created_at else "earlier"
    return f"{teammate + chr(39) + 's' if teammate else 'your'} reply to {person or 'them'} {when}"
