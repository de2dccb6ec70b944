"""Find, read and validate the configuration; every problem is reported at once.

h2h never writes the config (except `h2h init`, which copies the example and
never overwrites). Without a config file h2h still runs: no sources, defaults.
"""

# Annotations are evaluated here, not postponed: see h2h/models.py.
import os
import stat
import sys
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping, NamedTuple

from h2h import paths
from h2h.clock import parse_duration
from h2h.errors import ConfigError
from h2h.triage.handles import unplaced
from h2h.triage.weights import DEFAULT_WEIGHTS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class MeConfig(NamedTuple):  # not a dataclass: see h2h/models.py
    name: str = ""
    signature: str = ""
    handles: tuple[str, ...] = ()
    team: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("en", "fr")


class TriageConfig(NamedTuple):
    sla_s: float = 4 * 3600.0
    group_window_s: float = 6 * 3600.0
    vip: tuple[str, ...] = ()
    muted: tuple[str, ...] = ()
    weights: Mapping[str, float] = MappingProxyType(DEFAULT_WEIGHTS)


class DraftConfig(NamedTuple):
    backend: str = "template"
    url: str | None = None
    model: str | None = None
    api_key_env: str | None = None
    timeout_s: float = 30.0
    snippets: Mapping[str, str] = MappingProxyType({})
    style: str = ""             # house style, for the language model
    knowledge: str = ""         # our answers in Markdown: a file or a folder (h2h/draft/knowledge.py)


class SourceConfig(NamedTuple):
    name: str
    type: str
    table: Mapping[str, Any]


class Config(NamedTuple):
    me: MeConfig = MeConfig()
    triage: TriageConfig = TriageConfig()
    draft: DraftConfig = DraftConfig()
    sources: Mapping[str, SourceConfig] = MappingProxyType({})
    path: Path | None = None
    warnings: tuple[str, ...] = ()


# --- loading -----------------------------------------------------------------

def load(explicit: str | os.PathLike[str] | None = None) -> Config:
    path, named = paths.config_path(explicit)
    if not path.exists():
        if named:
            raise ConfigError(f"config file {path} does not exist",
                              hint="Create one with `h2h init`, or point --config / H2H_CONFIG at an existing file.")
        return Config()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}",
                          hint="Check the file's permissions.") from None
    return parse(data, path)


def parse(data: bytes | str, path: Path | None = None) -> Config:
    where = str(path) if path else "config"
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{where} is not UTF-8 (byte {exc.start})",
                              hint="Save the file as UTF-8.") from None
    try:
        doc = tomllib.loads(data)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where} is not valid TOML: {exc}",
                          hint="Fix the syntax at the line shown; config.example.toml shows every key.") from None
    problems: list[tuple[str, str]] = []
    warnings: list[str] = []
    config = _validate(doc, problems, warnings)
    if problems:
        raise ConfigError(f"{where} has {len(problems)} problem{'s' if len(problems) > 1 else ''}:",
                          problems=problems)
    if path is not None:
        warnings.extend(_permission_warnings(path, doc))
    return Config(me=config.me, triage=config.triage, draft=config.draft, sources=config.sources,
                  path=path, warnings=tuple(warnings))


# --- validation --------------------------------------------------------------

def _str(v: Any) -> bool:
    return isinstance(v, str)


def _str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _duration(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    try:
        return parse_duration(v).total_seconds() > 0
    except ValueError:
        return False


Check = tuple[Callable[[Any], bool], str]
_STR: Check = (_str, "a string")
_LIST: Check = (_str_list, "a list of strings")
_NUM: Check = (_number, "a number")
_DUR: Check = (_duration, "a duration such as \"30m\", \"4h\" or \"2d\"")

_SCHEMA: dict[str, dict[str, Check]] = {
    "me": {"name": _STR, "signature": _STR, "handles": _LIST, "team": _LIST,
           "keywords": _LIST, "languages": _LIST},
    "triage": {"sla": _DUR, "group_window": _DUR, "vip": _LIST, "muted": _LIST},
    "draft": {"backend": _STR, "url": _STR, "model": _STR, "api_key_env": _STR, "timeout": _DUR, "style": _STR,
              "knowledge": _STR},
}
_TABLES = {"weights", "snippets", "llm"}
# [draft.llm]: the language model (the same keys in [draft] itself still work).
_LLM: dict[str, Check] = {"url": _STR, "model": _STR, "api_key_env": _STR, "timeout": _DUR}
# Source keys that hold a secret when written in the file (each also has _env and _cmd forms).
SECRET_KEYS = ("token", "client_secret", "password")
_BACKENDS = ("template", "openai")


def _unknown(key: str, known: list[str]) -> str:
    import difflib  # only when a key is wrong: not on every start

    close = difflib.get_close_matches(key, known, n=1)
    return f"unknown key{'; did you mean ' + repr(close[0]) + '?' if close else ''}"


def _validate(doc: dict[str, Any], problems: list[tuple[str, str]], warnings: list[str]) -> Config:
    known_top = ["me", "triage", "draft", "sources"]
    for key in doc:
        if key not in known_top:
            problems.append((key, _unknown(key, known_top)))
    values: dict[str, dict[str, Any]] = {}
    for section, schema in _SCHEMA.items():
        table = doc.get(section, {})
        if not isinstance(table, dict):
            problems.append((section, "must be a table, like [" + section + "]"))
            table = {}
        values[section] = {}
        for key, value in table.items():
            full = f"{section}.{key}"
            if key in _TABLES and section in ("triage", "draft"):
                continue
            if key not in schema:
                problems.append((full, _unknown(key, list(schema))))
                continue
            check, expected = schema[key]
            if not check(value):
                problems.append((full, f"must be {expected}, not {value!r}"))
                continue
            values[section][key] = value

    me = values["me"]
    languages = tuple(x.strip().lower() for x in me.get("languages", ["en", "fr"]))
    for lang in languages:
        if len(lang) != 2 or not lang.isalpha():
            problems.append(("me.languages", f"{lang!r} is not an ISO 639-1 code such as \"en\" or \"fr\""))
    me_config = MeConfig(
        name=me.get("name", ""), signature=me.get("signature", ""),
        handles=tuple(me.get("handles", ())), team=tuple(me.get("team", ())),
        keywords=tuple(me.get("keywords", ())), languages=languages or ("en", "fr"))
    for key, entries in (("me.handles", me_config.handles), ("me.team", me_config.team)):
        for entry in unplaced(entries):
            warnings.append(f"{key}: {entry!r} does not say which platform it is on, so it is nobody's handle "
                            f"(anyone may be called that elsewhere); write it as \"github:{entry.strip()}\", "
                            f"\"hackernews:{entry.strip()}\" ... (a platform or a source name)")

    tri = values["triage"]
    weights = dict(DEFAULT_WEIGHTS)
    raw_weights = (doc.get("triage") or {}).get("weights", {}) if isinstance(doc.get("triage"), dict) else {}
    if not isinstance(raw_weights, dict):
        problems.append(("triage.weights", "must be a table of reason = points"))
        raw_weights = {}
    for key, value in raw_weights.items():
        if key not in DEFAULT_WEIGHTS:
            problems.append((f"triage.weights.{key}", _unknown(key, list(DEFAULT_WEIGHTS))))
        elif not _number(value):
            problems.append((f"triage.weights.{key}", f"must be a number, not {value!r}"))
        else:
            weights[key] = float(value)
    triage_config = TriageConfig(
        sla_s=parse_duration(tri["sla"]).total_seconds() if "sla" in tri else 4 * 3600.0,
        group_window_s=parse_duration(tri["group_window"]).total_seconds() if "group_window" in tri else 6 * 3600.0,
        vip=tuple(tri.get("vip", ())), muted=tuple(tri.get("muted", ())), weights=weights)

    dr = values["draft"]
    raw_llm = (doc.get("draft") or {}).get("llm", {}) if isinstance(doc.get("draft"), dict) else {}
    if not isinstance(raw_llm, dict):
        problems.append(("draft.llm", "must be a table, like [draft.llm]"))
        raw_llm = {}
    for key, value in raw_llm.items():
        if key not in _LLM:
            problems.append((f"draft.llm.{key}", _unknown(key, list(_LLM))))
        elif not _LLM[key][0](value):
            problems.append((f"draft.llm.{key}", f"must be {_LLM[key][1]}, not {value!r}"))
        else:
            dr[key] = value   # [draft.llm] wins over the same key in [draft]
    backend = dr.get("backend", "template")
    if backend not in _BACKENDS:
        problems.append(("draft.backend", f"must be one of {', '.join(_BACKENDS)}, not {backend!r}"))
    if backend == "openai" and not dr.get("url"):
        problems.append(("draft.llm.url", "is required when draft.backend = \"openai\" (e.g. \"http://127.0.0.1:8080/v1\")"))
    raw_snippets = (doc.get("draft") or {}).get("snippets", {}) if isinstance(doc.get("draft"), dict) else {}
    snippets: dict[str, str] = {}
    if not isinstance(raw_snippets, dict):
        problems.append(("draft.snippets", "must be a table of name = \"text\""))
    else:
        for key, value in raw_snippets.items():
            if not isinstance(value, str):
                problems.append((f"draft.snippets.{key}", f"must be a string, not {value!r}"))
            else:
                snippets[key] = value
    draft_config = DraftConfig(
        backend=backend, url=dr.get("url"), model=dr.get("model"), api_key_env=dr.get("api_key_env"),
        timeout_s=parse_duration(dr["timeout"]).total_seconds() if "timeout" in dr else 30.0,
        snippets=snippets, style=dr.get("style", ""), knowledge=dr.get("knowledge", ""))

    sources = _validate_sources(doc.get("sources", {}), problems, warnings)
    return Config(me=me_config, triage=triage_config, draft=draft_config, sources=sources)


def _validate_sources(table: Any, problems: list[tuple[str, str]], warnings: list[str]) -> dict[str, SourceConfig]:
    from h2h.sources import options
    from h2h.sources.registry import known_types

    if not isinstance(table, dict):
        problems.append(("sources", "must be tables like [sources.NAME]"))
        return {}
    sources: dict[str, SourceConfig] = {}
    types = None
    for name, src in table.items():
        key = f"sources.{name}"
        if not isinstance(src, dict):
            problems.append((key, "must be a table with at least `type`"))
            continue
        kind = src.get("type")
        if not isinstance(kind, str) or not kind:
            problems.append((f"{key}.type", "is required (e.g. \"mastodon\", \"hackernews\", \"rss\")"))
            continue
        types = types if types is not None else known_types()
        if kind not in types:
            import difflib

            close = difflib.get_close_matches(kind, sorted(types), n=1)
            problems.append((f"{key}.type", f"unknown source type {kind!r}"
                             + (f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(sorted(types))}")))
            continue
        # Each built-in type's keys, in sources/options.py; a plugin's own keys are checked when it is built.
        problems.extend(options.problems(kind, name, src) if kind in options.SCHEMAS
                        else options.common_problems(name, src))
        for secret_key in SECRET_KEYS:
            if secret_key in src:
                warnings.append(f"{key}.{secret_key} holds a secret in the config file; "
                                f"prefer {secret_key}_env or {secret_key}_cmd")
        sources[name] = SourceConfig(name=name, type=kind, table=dict(src))
    return sources


def _permission_warnings(path: Path, doc: dict[str, Any]) -> list[str]:
    sources = doc.get("sources")
    if not isinstance(sources, dict) or not any(isinstance(s, dict) and set(SECRET_KEYS) & set(s)
                                                for s in sources.values()):
        return []
    try:
        mode = path.stat().st_mode
    except OSError:
        return []
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        return [f"{path} holds a token and is readable by other users; run: chmod 600 {path}"]
    return []
