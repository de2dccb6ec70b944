"""The phrase data: one TOML file per language, shipped in h2h/data/drafts/, and
optionally the user's own in $H2H_HOME/drafts/ (a new language, or house wording).

A file is read once per process and checked as a whole: a broken user file is a
ConfigError naming every problem, never a half-read language.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from h2h import paths
from h2h.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

INTENTS = ("question", "problem", "request", "praise", "hostile", "default")
OPTIONAL_INTENTS = {"chaser": "question"}     # an older file without it uses the other's lines
OPENERS = ("first_contact", "returning")
OPTIONAL_OPENERS = ("vip", "unaddressed", "late", "late_again", "late_first", "late_short")
SLOTS = ("topic", "noun", "plain", "next", "answer", "cite", "ask_version_device", "ask_version", "ask_device",
         "passed", "calm_topic", "calm", "offer")
REGISTERS = ("polite", "familiar")
READING = ("problem", "chaser", "familiar", "polite", "version", "device", "log", "steps", "wish")
FALLBACK = "en"


@dataclass(frozen=True)
class Line:
    id: str      # stable within a file: "en:question.topic.1"; what the store remembers
    text: str
    familiar: str | None = None   # the line for a casual register ("tu" in French), when it differs

    def said(self, register: str) -> str:
        return self.familiar if register == "familiar" and self.familiar is not None else self.text


@dataclass(frozen=True)
class Intent:
    topic: tuple[Line, ...]
    noun: tuple[Line, ...]
    plain: tuple[Line, ...]
    next: tuple[Line, ...]
    greet: bool = True
    answer: tuple[Line, ...] = ()        # a known answer: {answer}
    cite: tuple[Line, ...] = ()          # its link: {link}
    ask_version_device: tuple[Line, ...] = ()
    ask_version: tuple[Line, ...] = ()
    ask_device: tuple[Line, ...] = ()
    passed: tuple[Line, ...] = ()        # a problem reported with what we need
    calm_topic: tuple[Line, ...] = ()    # empathy without "sorry", after an apology for the wait
    calm: tuple[Line, ...] = ()
    offer: tuple[Line, ...] = ()         # a question to others we cannot answer: help offered, no promise


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    form: str    # "noun" or "verb"


@dataclass(frozen=True)
class TopicRules:
    patterns: tuple[Pattern, ...] = ()
    stop: frozenset[str] = frozenset()
    prepositions: frozenset[str] = frozenset()
    trailing: frozenset[str] = frozenset()
    max_words: int = 7
    swap: Mapping[str, str] = field(default_factory=dict)
    swap_familiar: Mapping[str, str] = field(default_factory=dict)   # the same, when the reply says "tu"
    articles: Mapping[str, str] = field(default_factory=dict)
    elide: frozenset[str] = frozenset()
    double: frozenset[str] = frozenset()
    irregular: Mapping[str, str] = field(default_factory=dict)
    light_verbs: frozenset[str] = frozenset()
    anchors: frozenset[str] = frozenset()
    verb_form: str = ""       # how a verb topic is put: "gerund" (English), "infinitive" (French)


@dataclass(frozen=True)
class LintRule:
    code: str
    why: str
    suggest: str
    phrases: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    words: Mapping[str, str] = field(default_factory=dict)   # phrase -> plain alternative


@dataclass(frozen=True)
class Language:
    lang: str
    name: str
    greeting: tuple[Line, ...]
    openers: Mapping[str, tuple[Line, ...]]
    intents: Mapping[str, Intent]
    topic: TopicRules
    lint: tuple[LintRule, ...]
    path: str
    familiar_greeting: tuple[Line, ...] = ()
    closing: Mapping[str, tuple[Line, ...]] = field(default_factory=dict)
    also: Mapping[str, tuple[Line, ...]] = field(default_factory=dict)
    words: Mapping[str, Any] = field(default_factory=dict)
    reading: Mapping[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)


def _user_dir() -> Path:
    return paths.home() / "drafts"


def _sources() -> dict[str, tuple[str, bytes]]:
    return _sources_in(str(_user_dir()))


@lru_cache(maxsize=4)
def _sources_in(user_dir: str) -> dict[str, tuple[str, bytes]]:
    """lang -> (where, bytes); a user file replaces the shipped one of the same language."""
    found: dict[str, tuple[str, bytes]] = {}
    shipped = paths.DATA / "drafts"
    for entry in shipped.iterdir():
        if entry.name.endswith(".toml"):
            found[entry.name[:-5]] = (f"h2h/data/drafts/{entry.name}", entry.read_bytes())
    user = Path(user_dir)
    if user.is_dir():
        for path in sorted(user.glob("*.toml")):
            try:
                found[path.stem] = (str(path), path.read_bytes())
            except OSError as exc:
                raise ConfigError(f"cannot read {path}: {exc.strerror}", hint="Check the file's permissions.") from None
    return found


def available() -> tuple[str, ...]:
    return tuple(sorted(_sources()))


def reset() -> None:
    """Forget what was read (the files are read once per process otherwise)."""
    _sources_in.cache_clear()
    _load_cached.cache_clear()


@lru_cache(maxsize=None)
def _load_cached(lang: str, home: str) -> Language | None:
    entry = _sources().get(lang)
    if entry is None:
        return None
    where, data = entry
    return parse(lang, data, where)


def load(lang: str | None) -> Language:
    """The phrases for `lang`, or English when h2h has no file for it."""
    code = (lang or FALLBACK).lower()
    found = _load_cached(code, str(paths.home()))
    if found is None:
        found = _load_cached(FALLBACK, str(paths.home()))
    assert found is not None, "the English phrase file ships with h2h"
    return found


def all_languages() -> list[Language]:
    home = str(paths.home())
    return [lang for code in available() if (lang := _load_cached(code, home)) is not None]


# --- parsing and checking ------------------------------------------------------------

def parse(lang: str, data: bytes, where: str) -> Language:
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{where} is not valid UTF-8 TOML: {exc}",
                          hint="Fix the file; h2h/data/drafts/en.toml shows the layout.") from None
    problems: list[tuple[str, str]] = []

    def lines(key: str, value: Any, *, required: bool = True) -> tuple[Line, ...]:
        if value is None:
            value = []
        if not isinstance(value, list):
            problems.append((key, "must be a list of lines"))
            return ()
        out = []
        for i, v in enumerate(value):
            if isinstance(v, str):
                out.append(Line(f"{lang}:{key}.{i}", v))
            elif isinstance(v, dict) and set(v) <= set(REGISTERS) and all(isinstance(x, str) for x in v.values()) \
                    and "polite" in v:
                out.append(Line(f"{lang}:{key}.{i}", v["polite"], v.get("familiar")))
            else:
                problems.append((f"{key}[{i}]", "must be a string or { polite = \"...\", familiar = \"...\" }"))
        if required and not [line for line in out if line.text]:
            problems.append((key, "needs at least one line"))
        return tuple(out)

    greeting = lines("greeting.lines", _get(doc, "greeting", "lines"))
    familiar_greeting = lines("greeting.familiar", _get(doc, "greeting", "familiar"), required=False)
    openers = {name: lines(f"opener.{name}.lines", _get(doc, "opener", name, "lines")) for name in OPENERS}
    openers.update({name: lines(f"opener.{name}.lines", _get(doc, "opener", name, "lines"), required=False)
                    for name in OPTIONAL_OPENERS})
    closing = {"vip": lines("closing.vip.lines", _get(doc, "closing", "vip", "lines"), required=False)}
    also = {name: lines(f"also.{name}", _get(doc, "also", name), required=False) for name in ("answer", "plain")}
    intents: dict[str, Intent] = {}
    for name in (*INTENTS, *OPTIONAL_INTENTS):
        table = _get(doc, "intent", name)
        if not isinstance(table, dict):
            if name in INTENTS:
                problems.append((f"intent.{name}", "is missing"))
            continue
        slots = {slot: lines(f"{name}.{slot}", table.get(slot), required=slot == "plain") for slot in SLOTS}
        intents[name] = Intent(greet=bool(table.get("greet", True)), **slots)
    for name, instead in OPTIONAL_INTENTS.items():
        if name not in intents and instead in intents:
            intents[name] = intents[instead]
    words = doc.get("words") or {}
    if not isinstance(words, dict):
        problems.append(("words", "must be a table"))
        words = {}
    reading: dict[str, tuple[re.Pattern[str], ...]] = {}
    for key in READING:
        compiled = []
        for i, pattern in enumerate(_get(doc, "reading", key) or []):
            try:
                compiled.append(re.compile(pattern, re.I | re.M))
            except (re.error, TypeError) as exc:
                problems.append((f"reading.{key}[{i}]", f"is not a valid regular expression: {exc}"))
        reading[key] = tuple(compiled)
    topic = _topic_rules(doc.get("topic") or {}, problems)
    lint = _lint_rules(doc.get("lint") or {}, problems)
    if problems:
        raise ConfigError(f"{where} has {len(problems)} problem{'s' if len(problems) > 1 else ''}:",
                          problems=problems, hint="h2h/data/drafts/en.toml shows the layout.")
    meta = doc.get("meta") or {}
    return Language(lang=lang, name=str(meta.get("name", lang)), greeting=greeting, openers=openers,
                    intents=intents, topic=topic, lint=lint, path=where, familiar_greeting=familiar_greeting,
                    closing=closing, also=also, words=words, reading=reading)


def _get(doc: Mapping[str, Any], *keys: str) -> Any:
    node: Any = doc
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _words(value: Any) -> frozenset[str]:
    return frozenset(str(v).lower() for v in value) if isinstance(value, list) else frozenset()


def _topic_rules(table: Mapping[str, Any], problems: list[tuple[str, str]]) -> TopicRules:
    patterns = []
    for i, item in enumerate(table.get("patterns") or []):
        if not isinstance(item, dict) or not isinstance(item.get("re"), str):
            problems.append((f"topic.patterns[{i}]", "must be { re = '...', form = \"noun\"|\"verb\" }"))
            continue
        try:
            regex = re.compile(item["re"], re.I)
        except re.error as exc:
            problems.append((f"topic.patterns[{i}]", f"is not a valid regular expression: {exc}"))
            continue
        if "t" not in regex.groupindex:
            problems.append((f"topic.patterns[{i}]", "needs a group named t: (?P<t>...)"))
            continue
        form = item.get("form", "noun")
        if form not in ("noun", "verb"):
            problems.append((f"topic.patterns[{i}].form", "must be \"noun\" or \"verb\""))
            continue
        patterns.append(Pattern(regex, form))
    maps = {}
    for key in ("swap", "swap_familiar", "articles", "irregular"):
        value = table.get(key) or {}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            problems.append((f"topic.{key}", "must be a table of word = \"word\""))
            value = {}
        maps[key] = {str(k).lower(): v for k, v in value.items()}
    verb_form = table.get("verb_form", "")
    if verb_form not in ("", "gerund", "infinitive"):
        problems.append(("topic.verb_form", "must be \"gerund\" or \"infinitive\""))
        verb_form = ""
    max_words = table.get("max_words", 7)
    if not isinstance(max_words, int) or max_words < 2:
        problems.append(("topic.max_words", "must be a whole number, 2 or more"))
        max_words = 7
    return TopicRules(patterns=tuple(patterns), stop=_words(table.get("stop")),
                      prepositions=_words(table.get("prepositions")), trailing=_words(table.get("trailing")),
                      max_words=max_words, swap=maps["swap"], swap_familiar=maps["swap_familiar"], articles=maps["articles"],
                      elide=_words(table.get("elide")), double=_words(table.get("double")),
                      irregular=maps["irregular"], light_verbs=_words(table.get("light_verbs")),
                      anchors=_words(table.get("anchors")),
                      verb_form=verb_form)


def _lint_rules(table: Mapping[str, Any], problems: list[tuple[str, str]]) -> tuple[LintRule, ...]:
    rules = []
    for code, rule in table.items():
        if not isinstance(rule, dict):
            problems.append((f"lint.{code}", "must be a table"))
            continue
        compiled = []
        for i, pattern in enumerate(rule.get("patterns") or []):
            try:
                compiled.append(re.compile(pattern, re.I))
            except (re.error, TypeError) as exc:
                problems.append((f"lint.{code}.patterns[{i}]", f"is not a valid regular expression: {exc}"))
        words = rule.get("words") or {}
        if not isinstance(words, dict):
            problems.append((f"lint.{code}.words", "must be a table of phrase = \"alternative\""))
            words = {}
        rules.append(LintRule(code=code, why=str(rule.get("why", "")), suggest=str(rule.get("suggest", "")),
                              phrases=tuple(str(p).lower() for p in rule.get("phrases") or []),
                              patterns=tuple(compiled), words={str(k).lower(): str(v) for k, v in words.items()}))
    return tuple(rules)
