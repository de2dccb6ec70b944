"""Every key a `[sources.NAME]` table may hold, one schema per source type, read in
one place (`parse`).

config.py checks each table against its type's schema when it loads the file, so
a typo in any source stops every command with every problem listed at once (exit
3), each naming its line (`sources.hn.page_sise: unknown key; did you mean
'page_size'?`). Each adapter's `from_config` reads its values through the same
`parse`. A plugin adapter may declare its own schema as `options`; the registry
checks it the same way when it builds the source. Secrets (`token_env`, ...) are
only checked for shape here: the variable they name is read when the source is
built, since a missing one is a fact about the environment, not the file.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple

from h2h.clock import parse_duration
from h2h.errors import ConfigError

Problems = list[tuple[str, str]]


class Option(NamedTuple):
    kind: str                     # text, id, texts, int, flag, duration, url, choice
    default: Any = None
    required: bool = False
    low: int | None = None        # int: the range; texts: at least `low` items
    high: int | None = None
    choices: tuple[str, ...] = ()  # choice, and texts whose items must be among them
    example: str = ""


Schema = Mapping[str, Option]
BACKFILL = "7d"  # the first fetch of a source brings the last week

_SECRET = Option("text")
# What every table may hold: its type, the API base, a token, and the length of a reply (draft/limits.py).
# `time_limit`: how long the source may take in one fetch, from its start to its last page
# (fetch/runner.py stops it there, and the other sources go on).
TIME_LIMIT = "10m"
COMMON: Schema = {"type": Option("text"), "url": Option("url"), "token_env": _SECRET,
                  "token_cmd": _SECRET, "token": _SECRET, "limit": Option("int", low=1, high=10_000_000),
                  "time_limit": Option("duration", TIME_LIMIT)}
_BACKFILL = Option("duration", BACKFILL)
_KEYWORDS = Option("texts", ())
_PAGES = Option("int", 5, low=1, high=100)
HN_TAGS = ("story", "comment", "poll", "pollopt", "show_hn", "ask_hn", "front_page")

SCHEMAS: dict[str, Schema] = {
    "memory": {"page_size": Option("int", 20, low=1, high=10_000)},
    "mastodon": {"url": Option("url", required=True, example='"https://mastodon.social"'), "keywords": _KEYWORDS,
                 "backfill": _BACKFILL, "notifications": Option("choice", "auto", choices=("auto", "v1", "v2")),
                 "timeout": Option("duration", "30s")},
    "bluesky": {"url": Option("url", "https://bsky.social"),
                "handle": Option("text", required=True, example='"acme.bsky.social"'), "keywords": _KEYWORDS,
                "backfill": _BACKFILL},
    "github": {"url": Option("url", "https://api.github.com"), "query": Option("text"), "backfill": _BACKFILL},
    "hackernews": {"url": Option("url", "https://hn.algolia.com/api/v1"),
                   "query": Option("text", required=True, example='"acme"'),
                   "tags": Option("texts", ("story", "comment"), low=1, choices=HN_TAGS), "username": Option("text"),
                   "backfill": _BACKFILL, "page_size": Option("int", 100, low=1, high=1000)},
    "reddit": {"url": Option("url", "https://oauth.reddit.com"), "auth_url": Option("url", "https://www.reddit.com"),
               "client_id": Option("text"), "client_secret_env": _SECRET, "client_secret_cmd": _SECRET,
               "client_secret": _SECRET, "username": Option("text"), "password_env": _SECRET,
               "password_cmd": _SECRET, "password": _SECRET, "user_agent": Option("text"),
               "inbox": Option("flag", True), "keywords": _KEYWORDS, "subreddits": Option("texts", ()),
               "backfill": _BACKFILL, "page_size": Option("int", 100, low=1, high=100)},
    "stackexchange": {"url": Option("url", "https://api.stackexchange.com/2.3"),
                      "site": Option("text", required=True, example='"stackoverflow"'), "tags": Option("texts", ()),
                      "query": Option("text"), "key": Option("text"), "backfill": _BACKFILL,
                      "page_size": Option("int", 100, low=1, high=100)},
    "rss": {"feeds": Option("texts", required=True, low=1, example='["https://forum.example.com/c/acme.rss"]'),
            "to_me": Option("flag", False), "handle": Option("text"), "backfill": _BACKFILL},
    "discourse": {"url": Option("url", required=True, example='"https://forum.example.com"'),
                  "username": Option("text", required=True, example='"acme_support"'), "keywords": _KEYWORDS,
                  "query": Option("texts", ()), "notifications": Option("flag", True), "max_pages": _PAGES},
    "lemmy": {"url": Option("url", required=True, example='"https://lemmy.example"'), "keywords": _KEYWORDS,
              "query": Option("texts", ()), "community": Option("text"), "mentions": Option("flag", True),
              "max_pages": _PAGES},
    "x": {"url": Option("url", "https://api.x.com"), "keywords": _KEYWORDS, "query": Option("text"),
          "user_id": Option("id"), "username": Option("text"), "mentions": Option("flag", True), "max_pages": _PAGES,
          "max_results": Option("int", 100, low=10, high=100)},
}


# --- rules that tie keys together ----------------------------------------------------------

def _token(values: Mapping[str, Any]) -> Problems:
    if not any(values.get(k) for k in ("token_env", "token_cmd", "token")):
        return [("token_env", "is required (or token_cmd): where h2h finds the token")]
    return []


def _reddit(values: Mapping[str, Any]) -> Problems:
    problems: Problems = []
    has_token = any(values.get(k) for k in ("token_env", "token_cmd", "token"))
    if not has_token and not (values.get("client_id") and values.get("username")):
        problems.append(("client_id", "a script app's client_id, client_secret_env, username and password_env "
                                      "are required, or token_env (a bearer token)"))
    if not has_token and values.get("client_id"):
        for secret in ("client_secret", "password"):
            if not any(values.get(f"{secret}{s}") for s in ("_env", "_cmd", "")):
                problems.append((f"{secret}_env", f"is required with client_id (or {secret}_cmd)"))
    if not values.get("inbox") and not values.get("keywords"):
        problems.append(("inbox", "is false and there are no keywords: the source would listen to nothing"))
    return problems


def _stackexchange(values: Mapping[str, Any]) -> Problems:
    if values.get("tags") or values.get("query"):
        return []
    return [("tags", "is required, or query, or both: what to search (questions must carry all the tags)")]


def _feeds(values: Mapping[str, Any]) -> Problems:
    return [("feeds", f"{feed!r} is not an http(s) URL") for feed in values.get("feeds") or ()
            if not feed.startswith(("http://", "https://"))]


def _x(values: Mapping[str, Any]) -> Problems:
    if bool(values.get("user_id")) != bool(values.get("username")):
        return [("user_id" if values.get("username") else "username",
                 "is needed with the other: set both user_id and username (h2h then skips /2/users/me), or neither")]
    return []


RULES: dict[str, tuple[Callable[[Mapping[str, Any]], Problems], ...]] = {
    "mastodon": (_token,), "bluesky": (_token,), "github": (_token,), "discourse": (_token,), "lemmy": (_token,),
    "x": (_token, _x), "reddit": (_reddit,), "stackexchange": (_stackexchange,), "rss": (_feeds,),
}


# --- reading -----------------------------------------------------------------------------------

def problems(kind: str, name: str, table: Mapping[str, Any], schema: Schema | None = None) -> Problems:
    """Every problem of the table, as (`sources.NAME.KEY`, what is wrong); [] when it is right."""
    return _read(kind, name, table, schema)[1]


def parse(kind: str, name: str, table: Mapping[str, Any], schema: Schema | None = None) -> dict[str, Any]:
    """The table's values, defaults filled in; a ConfigError listing every problem at once."""
    values, found = _read(kind, name, table, schema)
    if found:
        raise ConfigError(f"[sources.{name}] has {len(found)} problem{'s' if len(found) > 1 else ''}:",
                          problems=found, hint="config.example.toml shows every key each source type accepts.")
    return values


def time_limit_s(name: str, table: Mapping[str, Any]) -> float:
    """The source's `time_limit`, in seconds (the default when the value is not usable: the
    config's check has already said so)."""
    try:
        return float(_value(COMMON["time_limit"], table.get("time_limit")))
    except ValueError:
        return float(parse_duration(TIME_LIMIT).total_seconds())


def common_problems(name: str, table: Mapping[str, Any]) -> Problems:
    """The keys every table shares, for a plugin's table (its own keys are the plugin's to check)."""
    return _read("", name, {k: v for k, v in table.items() if k in COMMON}, {})[1]


def _read(kind: str, name: str, table: Mapping[str, Any], schema: Schema | None) -> tuple[dict[str, Any], Problems]:
    keys = {**COMMON, **(SCHEMAS.get(kind, {}) if schema is None else schema)}
    found: Problems = []
    for key in table:
        if key not in keys:
            found.append((f"sources.{name}.{key}", _unknown(str(key), kind, keys)))
    values: dict[str, Any] = {}
    for key, option in keys.items():
        try:
            values[key] = _value(option, table.get(key))
        except ValueError as exc:
            found.append((f"sources.{name}.{key}", str(exc)))
            values[key] = None
    said = {key for key, _ in found}
    for rule in RULES.get(kind, ()) if schema is None else ():
        found += [(f"sources.{name}.{key}", text) for key, text in rule(values) if f"sources.{name}.{key}" not in said]
    return values, found


def _unknown(key: str, kind: str, keys: Mapping[str, Option]) -> str:
    import difflib  # only when a key is wrong

    close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean {close[0]!r}?"
    return f"unknown key; a {kind} source accepts {', '.join(sorted(keys))}"


def _value(option: Option, value: Any) -> Any:
    """The value as the adapter wants it; ValueError says what is wrong, in words for the user."""
    if isinstance(value, str) and not value.strip() and option.kind != "texts":
        value = None
    if value is None:
        if option.required:
            raise ValueError("is required" + (f", e.g. {option.example}" if option.example else ""))
        return _value(option._replace(required=False), option.default) if option.default is not None else None
    kind = option.kind
    if kind in ("text", "id"):
        if kind == "id" and isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # ids written as numbers (user_id = 12345)
        if not isinstance(value, str):
            raise ValueError(f"must be a string, not {value!r}")
        return value.strip()
    if kind == "url":
        from urllib.parse import urlsplit

        parts = urlsplit(value.strip()) if isinstance(value, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"must start with https:// (or http:// for a local server), not {value!r}")
        return value.strip().rstrip("/")
    if kind == "texts":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in items):
            raise ValueError(f"must be a list of non-empty strings, e.g. [\"acme\"], not {value!r}")
        if len(items) < (option.low or 0):
            raise ValueError("must list at least one" + (f", e.g. {option.example}" if option.example else ""))
        wrong = [v for v in items if option.choices and v.strip() not in option.choices]
        if wrong:
            raise ValueError(f"{wrong[0]!r} is not one of {', '.join(option.choices)}")
        return tuple(dict.fromkeys(v.strip() for v in items))
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or not option.low <= value <= option.high:  # type: ignore[operator]
            raise ValueError(f"must be a whole number from {option.low} to {option.high}, not {value!r}")
        return value
    if kind == "flag":
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, not {value!r}")
        return value
    if kind == "duration":
        return _seconds(value)
    if kind == "choice":
        if value not in option.choices:
            raise ValueError(f"must be one of {', '.join(repr(c) for c in option.choices)}, not {value!r}")
        return value
    raise AssertionError(f"unknown option kind {kind!r}")


def _seconds(value: Any) -> float:
    """A positive duration ("7d", "12h", "1h30m", or seconds as a number), in seconds."""
    try:
        seconds = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else \
            parse_duration(value).total_seconds() if isinstance(value, str) else 0.0
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise ValueError(f"must be a duration such as \"7d\" or \"12h\", not {value!r}")
    return seconds
