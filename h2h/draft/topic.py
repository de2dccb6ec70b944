"""What the person asked about, as a few words a reply can name.

Not a quote of their first words: a pattern finds the part of a sentence that
names the subject ("how do I export my notes as PDF?" -> "exporting your notes
as PDF"; "Comment j'exporte toutes mes notes ?" -> "exporter toutes vos notes"),
then it is cut to a short phrase and turned from their point of view to ours
(my -> your). The patterns and word lists are data (h2h/data/drafts/LANG.toml);
when none matches, the draft uses lines that need no topic.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from h2h.draft.phrases import Language, TopicRules
from h2h.textutil import inert

_NOISE = re.compile(r"https?://\S+|www\.\S+|(?<![\w])@[\w.@-]+|(?<![\w&])#(?=\w)|[*_`~>|]+")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_CUT = re.compile(r"[,;:()\[\]{}?!\"«»“”…–—]|\s-\s|\.(?=\s|$)")
_VOWEL = re.compile(r"^[aeiouyàâäéèêëîïôöûùüœæh]", re.I)
PRONOUNS_ONLY = frozenset({"it", "this", "that", "them", "these", "those", "ça", "cela", "ceci", "le", "la", "les"})


@dataclass(frozen=True)
class Topic:
    text: str
    form: str   # "noun" (a noun phrase) or "verb" (an -ing phrase in English, an infinitive in French)


def topic_of(text: str, language: Language, register: str = "polite", *, questions_only: bool = False) -> Topic | None:
    """What `text` asks about; `questions_only`: from its questions when it has any (the topic
    of a question is in the question, not in "I can send a PR")."""
    rules = language.topic
    if not rules.patterns:
        return None
    if register == "familiar" and rules.swap_familiar:
        rules = replace(rules, swap=rules.swap_familiar)   # "mes notes" -> "tes notes", not "vos notes"
    sentences = [s.strip() for s in _SENTENCE.split(_clean(text)) if s and s.strip()]
    asking = [s for s in sentences if "?" in s]
    ordered = asking + ([] if questions_only and asking else [s for s in sentences if "?" not in s])
    for sentence in ordered:
        found = _from_sentence(sentence, rules, depth=0)
        if found:
            return found
    return None


def _clean(text: str) -> str:
    text = inert(text, keep_newlines=True)
    text = _NOISE.sub(" ", text)
    # Emoji and other symbols say nothing about the topic.
    text = "".join(" " if unicodedata.category(ch) in ("So", "Sk", "Cs", "Co") else ch for ch in text)
    text = text.replace("’", "'")
    return re.sub(r"[ \t]+", " ", text)


def _from_sentence(sentence: str, rules: TopicRules, depth: int) -> Topic | None:
    for pattern in rules.patterns:
        m = pattern.regex.search(sentence)
        if not m or not m.group("t"):
            continue
        topic = _shape(m.group("t"), pattern.form, rules, depth)
        if topic:
            return topic
    return None


def _bare(word: str) -> str:
    return word.lower().strip(".,;:!?\"'()[]")


def _shape(raw: str, form: str, rules: TopicRules, depth: int) -> Topic | None:
    cut = _CUT.search(raw)
    words = (raw[:cut.start()] if cut else raw).split()
    if not words:
        return None
    words = _swap(words, rules)
    if form == "verb":
        if words and _bare(words[0]) in rules.light_verbs and depth == 0:
            return _after_light_verb(words[1:], rules)
    words = _stop(words, rules)
    words = _cap(words, rules)
    words = _strip_trailing(words, rules)
    if not words:
        return None
    if form == "verb":
        words = _verb_form(words, rules)
    else:
        words = _article(words, rules)
    if len(words) == 1 and _bare(words[0]) in PRONOUNS_ONLY:
        return None
    text = _elide(" ".join(words), rules).strip()
    return Topic(text, form) if text else None


def _swap(words: list[str], rules: TopicRules) -> list[str]:
    out = []
    for word in words:
        low = word.lower()
        if low in rules.swap:
            out.append(rules.swap[low].strip())
            continue
        for key, value in rules.swap.items():
            if key.endswith("'") and low.startswith(key) and len(low) > len(key):
                out.extend([value.strip(), word[len(key):]])
                break
        else:
            out.append(word)
    return out


def _after_light_verb(rest: list[str], rules: TopicRules) -> Topic | None:
    """'explain how to export' -> the patterns again; 'help me with the export' -> 'the export'."""
    again = _from_sentence(" ".join(rest), rules, depth=1)
    if again:
        return again
    for i, word in enumerate(rest):
        if _bare(word) in rules.anchors and i + 1 < len(rest):
            return _shape(" ".join(rest[i + 1:]), "noun", rules, depth=1)
    return None


def _stop(words: list[str], rules: TopicRules) -> list[str]:
    for i in range(1, len(words)):
        one = _bare(words[i])
        if rules.verb_form == "gerund" and i >= 2 and len(one) > 4 and one.endswith("ed"):
            return words[:i]  # a participle after the noun: "the Team plan billed per seat"
        two = f"{one} {_bare(words[i + 1])}" if i + 1 < len(words) else ""
        if one in rules.stop or two in rules.stop:
            return words[:i]
    return words


def _cap(words: list[str], rules: TopicRules) -> list[str]:
    limit = rules.max_words
    if len(words) <= limit:
        return words
    for i in range(limit, 1, -1):  # end before a preposition: a whole phrase, not half of one
        if _bare(words[i]) in rules.prepositions:
            return words[:i]
    return words[:limit]


def _strip_trailing(words: list[str], rules: TopicRules) -> list[str]:
    while words and (_bare(words[-1]) in rules.trailing or words[-1].lower() in rules.trailing):
        words = words[:-1]
    return words


def _verb_form(words: list[str], rules: TopicRules) -> list[str]:
    i = 0
    pronouns = {v.strip() for v in rules.swap.values()}
    while i < len(words) - 1 and words[i].lower() in pronouns:
        i += 1  # a reflexive pronoun: "vous connecte" -> the verb is "connecte"
    words = list(words)
    words[i] = _conjugate(words[i], rules)
    return words


def _conjugate(word: str, rules: TopicRules) -> str:
    low = word.lower()
    if rules.verb_form == "infinitive":  # French: "exporte" -> "exporter"
        if low in rules.irregular:
            return rules.irregular[low]
        if low.endswith(("er", "ir", "re", "oir")):
            return word
        if low.endswith("es"):
            return word[:-1] + "r"
        if low.endswith("e"):
            return word + "r"
        if low.endswith(("is", "it")):
            return word[:-1] + "r"
        return word
    if rules.verb_form != "gerund":
        return word
    if low.endswith("ing") and len(low) > 5:
        return word
    if low in rules.double:
        return word + word[-1] + "ing"
    if low.endswith("ie"):
        return word[:-2] + "ying"
    if low.endswith("e") and not low.endswith(("ee", "ye", "oe")) and len(low) > 2:
        return word[:-1] + "ing"
    return word + "ing"


def _article(words: list[str], rules: TopicRules) -> list[str]:
    if words and words[0].lower() in rules.articles:
        return [rules.articles[words[0].lower()]] + words[1:]
    if words and words[0].lower() in rules.trailing:  # "The Team plan" mid-sentence: "the Team plan"
        return [words[0].lower()] + words[1:]
    return words


def _elide(text: str, rules: TopicRules) -> str:
    if not rules.elide:
        return text
    words = text.split(" ")
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word.lower() in rules.elide and i + 1 < len(words) and _VOWEL.match(words[i + 1]):
            out.append(word[:-1] + "'" + words[i + 1])
            i += 2
            continue
        out.append(word)
        i += 1
    return " ".join(out)
