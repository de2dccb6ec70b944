"""Everything triage needs from the configuration, frozen into one value.

Its `fingerprint` changes whenever stored verdicts would change (an engine
version, a weight, a VIP, our handles), and a changed fingerprint makes the
store recompute lazily.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from h2h.triage import score, version
from h2h.triage.people import handle_set
from h2h.triage.weights import DEFAULT_WEIGHTS


@dataclass(frozen=True)
class Engine:
    me: frozenset[str] = frozenset()
    team: frozenset[str] = frozenset()
    vip: frozenset[str] = frozenset()
    muted: frozenset[str] = frozenset()
    languages: tuple[str, ...] = ("en", "fr")
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    sla_s: float = 4 * 3600.0
    window_s: float = 6 * 3600.0

    @classmethod
    def from_config(cls, config) -> "Engine":  # type: ignore[no-untyped-def]
        return cls(me=handle_set(config.me.handles), team=handle_set(config.me.team),
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

    def analyze(self, text: str, lang: str | None = None):  # type: ignore[no-untyped-def]
        from h2h.triage import signals  # the models: only for commands that score text

        return signals.analyze(text, languages=self.languages, lang=lang)
