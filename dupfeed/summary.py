"""What a scan read, skipped and found: owned by the workflows (:mod:`dupfeed.scan`), shown by
every report (:mod:`dupfeed.report`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .records import VERDICTS, Finding, Skip, verdict_counts


@dataclass(frozen=True)
class Summary:
    """What a scan read, skipped and found."""

    posts: int
    sources: int
    verdicts: dict[str, int]
    skipped: tuple[Skip, ...] = ()
    skipped_sources: tuple[Skip, ...] = field(default=())

    @classmethod
    def of(
        cls, findings: Sequence[Finding], sources: int, skipped: Iterable[Skip] = (), skipped_sources: Iterable[Skip] = ()
    ) -> Summary:
        counts = Counter(f.verdict for f in findings)
        verdicts: dict[str, int] = {v: counts.get(v, 0) for v in VERDICTS}
        return cls(len(findings), sources, verdicts, tuple(skipped), tuple(skipped_sources))

    def to_dict(self) -> dict[str, Any]:
        return {
            "posts": self.posts,
            "sources": self.sources,
            "verdicts": self.verdicts,
            "skipped": dict(Counter(s.reason for s in self.skipped)),
            "skipped_sources": dict(Counter(s.reason for s in self.skipped_sources)),
        }

    def line(self) -> str:
        """One line for a person: counts of posts, verdicts and skips."""
        text = f"{self.posts} posts against {self.sources} sources: {verdict_counts(self.verdicts)}"
        groups = (
            ("posts skipped", [s for s in self.skipped if s.is_fault]),
            ("sources skipped", self.skipped_sources),
            ("records left out", [s for s in self.skipped if not s.is_fault]),
        )
        for label, skips in groups:
            if skips:
                reasons = ", ".join(f"{n} {r}" for r, n in Counter(s.reason for s in skips).most_common())
                text += f"; {len(skips)} {label} ({reasons})"
        return text


def flagged(findings: Sequence[Finding]) -> list[Finding]:
    """The findings a report shows in detail: every one that is not ``original``."""
    return [f for f in findings if f.verdict != "original"]
