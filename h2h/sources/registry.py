"""Which adapter serves which `type`: a built-in table plus the entry-point group
`h2h.sources`. Nothing is imported until a source of that type is used, and a
plugin that fails to load costs that one source, never the program: whatever its
import or its `from_config` raises (SystemExit included) becomes a ConfigError
with code `plugin`, and a class that is not an adapter is refused before it is
used. Hangs are the runner's to bound (fetch/runner.py builds each source under
its time limit).
"""

from __future__ import annotations

import importlib
from typing import Any

from h2h.errors import ConfigError, H2HError

ENTRY_POINT_GROUP = "h2h.sources"

# type -> "module:Class"; modules are imported only when the type is used.
BUILTIN: dict[str, str] = {
    "memory": "h2h.sources.memory:MemorySource",
    "mastodon": "h2h.sources.mastodon:MastodonSource",
    "bluesky": "h2h.sources.bluesky:BlueskySource",
    "github": "h2h.sources.github:GitHubSource",
    "reddit": "h2h.sources.reddit:RedditSource",
    "hackernews": "h2h.sources.hackernews:HackerNewsSource",
    "stackexchange": "h2h.sources.stackexchange:StackExchangeSource",
    "rss": "h2h.sources.rss:FeedSource",
    "discourse": "h2h.sources.discourse:DiscourseSource",
    "lemmy": "h2h.sources.lemmy:LemmySource",
    "x": "h2h.sources.x:XSource",
}


def _entry_points() -> dict[str, Any]:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def known_types() -> set[str]:
    return set(BUILTIN) | set(_entry_points())


def load(kind: str) -> type:
    """The adapter class for `kind`, or a ConfigError saying why it cannot be used."""
    from h2h.sources.base import SOURCE_API_VERSION

    if kind in BUILTIN:
        module_name, _, attr = BUILTIN[kind].partition(":")
        try:
            return getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"the {kind} adapter is not available in this build: {exc}",
                              hint="Upgrade h2h, or remove that source from the config.", code="plugin") from None
    eps = _entry_points()
    if kind not in eps:
        raise ConfigError(f"no source adapter is installed for type {kind!r}",
                          hint=f"Known types: {', '.join(sorted(known_types()))}.")
    try:
        cls = eps[kind].load()
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - SystemExit too: a broken plugin must not end the program
        raise _broken(kind, f"failed to load: {type(exc).__name__}: {exc}") from None
    for attr in ("from_config", "fetch_mentions"):
        if not callable(getattr(cls, attr, None)):
            raise _broken(kind, f"is not a source adapter (it has no {attr})")
    declared = getattr(cls, "type", None)
    if not isinstance(declared, str) or not declared:
        raise _broken(kind, "does not declare its `type` (a class attribute naming the source type)")
    version = getattr(cls, "api_version", None)
    if version != SOURCE_API_VERSION:
        raise ConfigError(f"the plugin for source type {kind!r} speaks source API {version}, h2h speaks {SOURCE_API_VERSION}",
                          hint="Upgrade the plugin or h2h so that they match.", code="plugin")
    return cls


def _broken(kind: str, what: str) -> ConfigError:
    from h2h.redact import redact

    return ConfigError(f"the plugin for source type {kind!r} {redact(what)[:300]}",
                       hint="Reinstall or remove that plugin; other sources still work.", code="plugin")


def build(source_config: Any, session: Any = None) -> Any:
    """A ready adapter for one `[sources.NAME]` table (see config.SourceConfig)."""
    cls = load(source_config.type)
    schema = getattr(cls, "options", None)
    if source_config.type not in BUILTIN and isinstance(schema, dict):
        from h2h.sources import options  # a plugin's own schema, read the way built-in tables are

        options.parse(source_config.type, source_config.name, source_config.table, schema)
    if session is None:
        from h2h.sources.http import make_session

        session = make_session()
    try:
        source = cls.from_config(source_config.name, source_config.table, session)  # type: ignore[attr-defined]
    except (H2HError, KeyboardInterrupt):
        raise
    except BaseException as exc:  # noqa: BLE001 - a plugin's setup costs its source only
        if source_config.type in BUILTIN:
            raise
        raise _broken(source_config.type, f"could not set up source {source_config.name!r}: "
                                          f"{type(exc).__name__}: {exc}") from None
    if getattr(source, "name", None) != source_config.name:
        raise _broken(source_config.type, f"gave source {source_config.name!r} another name "
                                          f"({getattr(source, 'name', None)!r})")
    return source
