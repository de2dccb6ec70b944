"""Everything triage needs from the configuration, frozen into one value.

Its `fingerprint` changes whenever stored verdicts would change (an engine
version, a weight, a VIP, our handles), and a changed fingerprint makes the
store recompute lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from h2h.triage import score, version
from h2h.triage.handles import account_set, handle_set
from h2h.triage.weights import DEFAULT_WEIGHTS

if TYPE_CHECKING:
    from h2h.config import Config
    from h2h.models import Signals


class Engine:
    """A plain class rather than a dataclass (see h2h/models.py); never changed once made."""

    __slots__ = ("me", "team", "vip", "muted", "languages", "weights", "sla_s", "window_s")

    def __init__(self, *, me: frozenset[str] = frozenset(), team: frozenset[str] = frozenset(),
                 vip: frozenset[str] = frozenset(), muted: frozenset[str] = frozenset(),
                 languages: tuple[str, ...] = ("en", "fr"), weights: Mapping[str, float] | None = None,
                 sla_s: float = 4 * 3600.0, window_s: float = 6 * 3600.0):
        self.me, self.team, self.vip, self.muted = me, team, vip, muted
        self.languages = languages
        self.weights: Mapping[str, float] = dict(DEFAULT_WEIGHTS if weights is None else weights)
        self.sla_s, self.window_s = sla_s, window_s

    def __repr__(self) -> str:
        return f"Engine(languages={self.languages!r}, sla_s={self.sla_s!r}, window_s={self.window_s!r})"

    @classmethod
    def from_config(cls, config: Config) -> Engine:
        return cls(me=account_set(config.me.handles), team=account_set(config.me.team),
                   vip=handle_set(config.triage.vip), muted=handle_set(config.triage.muted),
                   languages=tuple(config.me.languages), weights=dict(config.triage.weights),
                   sla_s=config.triage.sla_s, window_s=config.triage.group_window_s)

    @property
    def signals_version(self) -> str:
        """Stored with each message: its signals are stale when this changes."""
        return f"{version.version()}:{','.join(self.languages)}"

    @property
    def fingerprint(self) -> str:
        return score.fingerprint(self.weights, {
            "me": sorted(self.me), "team": sorted(self.team), "vip": sorted(self.vip),
            "muted": sorted(self.muted), "window": self.window_s}, self.signals_version)

    def analyze(self, text: str, lang: str | None = None) -> Signals:
        from h2h.triage import signals  # the models: only for commands that score text

        return signals.analyze(text, languages=self.languages, lang=lang)
