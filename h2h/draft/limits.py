"""How long a reply may be on each platform, counted the way each platform counts.

People see user-perceived characters (grapheme clusters), not code points:
"é" written as e + U+0301, a family emoji of seven code points and a flag
are one character each. Platforms differ on top of that:

- Mastodon counts graphemes, but every URL as 23 and a remote mention
  `@user@domain` as `@user` (its StatusLengthValidator); 500 unless the
  instance says otherwise.
- Bluesky: 300 graphemes, and at most 3000 bytes of UTF-8.
- X: "weighted" length (twitter-text v3): code points in the Latin, general
  punctuation ranges weigh 1, everything else 2, an emoji sequence 2, a URL 23;
  text is NFC-normalised first. 280.
- GitHub, Reddit, Lemmy, Discourse: code points, with limits drafts never reach.

Where a limit comes from, first found wins (see `limit_for`): `limit` in the
source's config table; the limit the source adapter itself reported (its
`limit` attribute, remembered in the store by `remember`); this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from h2h import length

if TYPE_CHECKING:
    from h2h.store import Store

GRAPHEMES = "graphemes"
MASTODON = "mastodon"
X_WEIGHTED = "x"
CHARS = "chars"
UNITS = (GRAPHEMES, MASTODON, X_WEIGHTED, CHARS)

@dataclass(frozen=True)
class Limit:
    max: int | None              # None: no limit a reply could reach
    unit: str = GRAPHEMES
    max_bytes: int | None = None  # Bluesky also caps the UTF-8 size

    def count(self, text: str) -> int:
        return count(text, self.unit)

    def fits(self, text: str) -> bool:
        if self.max_bytes is not None and len(text.encode("utf-8", "replace")) > self.max_bytes:
            return False
        return self.max is None or self.count(text) <= self.max

    @property
    def label(self) -> str:
        names = {GRAPHEMES: "characters", MASTODON: "characters", X_WEIGHTED: "weighted characters",
                 CHARS: "characters"}
        return names.get(self.unit, "characters")


# The platform defaults. The mention a reply needs lives in draft/mention.py.
PLATFORMS: dict[str, Limit] = {
    "mastodon": Limit(500, MASTODON),
    "bluesky": Limit(300, GRAPHEMES, max_bytes=3000),
    "x": Limit(280, X_WEIGHTED),
    "twitter": Limit(280, X_WEIGHTED),
    "github": Limit(None, CHARS),        # 65,536 per comment: no reply gets near it
    "reddit": Limit(10000, CHARS),
    "lemmy": Limit(10000, CHARS),
    "discourse": Limit(32000, CHARS),    # the default max_post_length; sites may lower it
    "stackexchange": Limit(600, CHARS),  # a comment, the only reply h2h can make there
    "hackernews": Limit(None, CHARS),
}
DEFAULT = Limit(None, GRAPHEMES)


# --- counting ------------------------------------------------------------------

def count(text: str, unit: str = GRAPHEMES) -> int:
    if unit == CHARS:
        return len(text)
    if unit == MASTODON:
        return length.mastodon_length(text)
    if unit == X_WEIGHTED:
        return length.weighted_length(text)
    return length.count_graphemes(text)


# --- trimming ------------------------------------------------------------------

ELLIPSIS = "…"


def trim(text: str, limit: Limit, *, reserve: str = "") -> str:
    """`text` cut so that `text + reserve` fits, at a sentence end if one is close, else
    at a word boundary with an ellipsis; never inside a grapheme cluster."""
    if limit.fits(text + reserve):
        return text
    clusters = length.graphemes(text)

    def ok(n: int) -> bool:
        return limit.fits("".join(clusters[:n]).rstrip() + ELLIPSIS + reserve)

    lo, hi = 0, len(clusters)
    while lo < hi:  # the longest prefix that fits, with room for the ellipsis
        mid = (lo + hi + 1) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid - 1
    head = "".join(clusters[:lo])
    if not head.strip():
        return ""
    sentence_end = max(head.rfind(p) for p in (". ", "! ", "? ", ".\n", "!\n", "?\n"))
    if sentence_end >= len(head) * 0.6:
        return head[:sentence_end + 1].rstrip()
    if lo < len(clusters) and not clusters[lo].isspace():
        space = max(head.rfind(" "), head.rfind("\n"))
        if space > len(head) * 0.5:
            head = head[:space]
    # Only ever shorter than the prefix measured above, so it still fits.
    return head.rstrip().rstrip(",;:-–—").rstrip() + ELLIPSIS


# --- where a limit comes from ---------------------------------------------------

META_KEY = "limit:"


def limit_for(platform: str, *, table: Mapping[str, Any] | None = None, learned: int | None = None) -> Limit:
    """The limit for a reply on `platform`: the config table's `limit`, then what the
    source reported (`learned`), then the platform's default."""
    base = PLATFORMS.get(platform, DEFAULT)
    configured = (table or {}).get("limit")
    if isinstance(configured, int) and not isinstance(configured, bool) and configured > 0:
        return Limit(configured, base.unit, base.max_bytes)
    if learned:
        return Limit(learned, base.unit, base.max_bytes)
    return base


def reported_limit(source: Any) -> int | None:
    """What an adapter says its platform allows: an int `limit` attribute (or property);
    None, absent, or an error asking for it means "use the defaults"."""
    try:
        value = getattr(source, "limit", None)
    except Exception:  # noqa: BLE001 - a property that asks the platform may fail; defaults still hold
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def remembered(store: Store, source_name: str) -> int | None:
    value = store.get_meta(META_KEY + source_name)
    try:
        return int(value) if value else None
    except ValueError:
        return None


def remember(store: Store, source_name: str, source: Any) -> int | None:
    """Keep what the adapter reported, so that drafting (offline) respects it next time."""
    value = reported_limit(source)
    if value is not None and value != remembered(store, source_name):
        with store.transaction():
            store.set_meta(META_KEY + source_name, str(value))
    return value
