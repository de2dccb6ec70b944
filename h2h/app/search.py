"""`h2h search TEXT`: the conversations whose messages, or whose person's handle or name,
hold every word of TEXT, best match first, whatever their state (answered, done, ignored...)."""

from typing import Any

from h2h.app.inbox import did_you_mean
from h2h.errors import UsageError
from h2h.store import Store
from h2h.store.search import MARK_END, MARK_START, fts_query

DEFAULT_LIMIT = 20


def search(store: Store, text: str, *, platform: str | None = None, limit: int | None = DEFAULT_LIMIT) -> dict[str, Any]:
    query = fts_query(text)
    if not query:
        raise UsageError("nothing to search for: give a word, a name or a handle",
                         hint='For example: h2h search export, h2h search "Marie Dubois", h2h search @marie@piaille.fr')
    if platform is not None and platform not in (names := store.platform_names()):
        raise UsageError(f"no conversation on platform {platform!r}{did_you_mean(platform, names)}",
                         hint="Platforms here: " + (", ".join(names) or "none yet") + ".")
    want = limit or None
    items: list[dict[str, Any]] = []
    matches: dict[str, int] = {}
    # A conversation's best message stands for it; its other matches are counted.
    for row in store.search_mentions(query, platform=platform, limit=max(200, 10 * (want or 100))):
        key = row["key"]
        if key is None:
            continue
        if key in matches:
            matches[key] += 1
            continue
        if want is not None and len(items) >= want:
            continue
        matches[key] = 1
        items.append({
            "id": key, "state": row["state"], "section": row["section"], "snooze_until": row["snooze_until"],
            "source": row["source"], "platform": row["platform"],
            "person": {"handle": row["handle"], "name": row["name"]},
            "message": {"id": row["remote_id"], "created_at": row["created_at"], "role": row["role"],
                        "text": row["text"], "url": row["url"]},
            "snippet": row["snippet"] or "",
        })
    for item in items:
        item["matches"] = matches[item["id"]]
    return {"query": text, "platform": platform, "items": items}


def plain(snippet: str) -> str:
    """A snippet without its match marks."""
    return snippet.replace(MARK_START, "").replace(MARK_END, "")
