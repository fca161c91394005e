"""What the nightly report's page and Markdown share besides the HTML base: limits, counts."""

from __future__ import annotations

from ...records import VERDICTS
from ..html_base import _dict, _int, _list, _str

DEFAULT_TITLE = "dupfeed nightly report"
TEXT_BUDGET = 12_000_000  # characters of post and match text shared by all the findings of a page
MAX_FAILURES = 200
MAX_CLUSTERS = 1000
MAX_CLUSTER_POSTS = 100
MAX_ORIGINALS = 500
ORIGINAL_CHARS = 1000
MD_CHARS = 160  # cap of an excerpt in a Markdown cell

_STATUSES = ("ok", "partial", "failed")
_COLOURS = {"copy": "#b3261e", "revision": "#e0a030"}


def _short(text, limit: int) -> str:
    """One line of at most ``limit`` characters."""
    text = " ".join(_str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _scored(report: dict) -> tuple[dict[str, int], int]:
    scored = _dict(report.get("scored"))
    counts: dict[str, int] = {v: _int(scored.get(v)) for v in VERDICTS}
    return counts, _int(scored.get("posts")) or sum(counts.values())


def _day(day: dict) -> tuple[str, int, dict[str, int]]:
    counts: dict[str, int] = {v: _int(day.get(v)) for v in VERDICTS}
    return _str(day.get("date")), _int(day.get("posts")) or sum(counts.values()), counts


def _cluster_posts(cluster: dict) -> list[dict]:
    """The cluster's posts in their order, the original moved first should the list say otherwise."""
    posts = [_dict(p) for p in _list(cluster.get("posts"))]
    return [p for p in posts if p.get("verdict") == "original"] + [p for p in posts if p.get("verdict") != "original"]
