"""What the nightly report's page and Markdown share: limits, defensive reading, grouping."""

from __future__ import annotations

import math
from collections import defaultdict

from ...records import VERDICT_RANK, VERDICTS
from ..html_base import esc, marked

DEFAULT_TITLE = "dupfeed nightly report"
SIDE_CHARS = 1500  # most characters of text shown on one side of a post/match pair
MIN_SIDE_CHARS = 400  # fewest, however many findings share the budget
TEXT_BUDGET = 12_000_000  # characters of post and match text shared by all the findings of a page
CHUNK = 50  # findings per collapsed block inside one group
TOP_GROUPS = 100  # groups of a verdict shown one by one; the rest are folded into one block
OTHER_MATCHES = 5  # weaker matches of a finding named under its strongest one
MAX_FAILURES = 200
MAX_CLUSTERS = 1000
MAX_CLUSTER_POSTS = 100
MAX_ORIGINALS = 500
ORIGINAL_CHARS = 1000
MD_CHARS = 160  # cap of an excerpt in a Markdown cell

_STATUSES = ("ok", "partial", "failed")
_COLOURS = {"copy": "#b3261e", "revision": "#e0a030"}
_RELATIONS = {
    "source": "copied from a source",
    "self_repost": "repost of an own earlier post",
    "cross_author": "copied from another author's post",
}


# --- reading the report defensively -----------------------------------------------------------


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _number(value) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return value if ok else None


def _int(value) -> int:
    """A count from the report; anything but a finite number counts as 0."""
    return int(_number(value) or 0)


def _ratio(value) -> float:
    return float(_number(value) or 0)


def _str(value) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def _esc(value) -> str:
    return esc(_str(value))


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _pct(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "–"


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _ranges(spans, start_key: str, end_key: str, offset: int, length: int) -> list[tuple[int, int]]:
    """The spans' ``[start, end)`` moved back by ``offset``, clipped to ``[0, length)``, merged."""
    out = []
    for span in (_dict(s) for s in _list(spans)):
        start, end = _number(span.get(start_key)), _number(span.get(end_key))
        if start is not None and end is not None:
            start, end = max(int(start) - offset, 0), min(int(end) - offset, length)
            if start < end:
                out.append((start, end))
    return _merge(out)


def _windows(length: int, ranges: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """The parts of a text to show: all of it when short, else its ranges with even context."""
    if length <= limit:
        return [(0, length)]
    if not ranges:
        return [(0, limit)]
    context = max(limit - sum(end - start for start, end in ranges), 0) // (2 * len(ranges))
    out, left = [], limit
    for start, end in _merge([(max(s - context, 0), min(e + context, length)) for s, e in ranges]):
        if left <= 0:
            break
        end = min(end, start + left)
        out.append((start, end))
        left -= end - start
    return out


def _highlight(text: str, ranges: list[tuple[int, int]], limit: int, *, lead: bool = False) -> str:
    """``text`` escaped and cut to ``limit`` characters around ``ranges``, each in ``<mark>``.

    "…" stands for each cut; ``lead`` says the text is itself cut from a longer document.
    """
    windows = _windows(len(text), ranges, limit)
    out = ["…" if lead or (windows and windows[0][0] > 0) else ""]
    for i, (start, end) in enumerate(windows):
        out.append(" … " if i else "")
        out.append(marked(text, ranges, start, end))
    out.append("…" if windows and windows[-1][1] < len(text) else "")
    return "".join(out)


def _short(text, limit: int) -> str:
    """One line of at most ``limit`` characters."""
    text = " ".join(_str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- what both formats show ---------------------------------------------------------------------


def _scored(report: dict) -> tuple[dict[str, int], int]:
    scored = _dict(report.get("scored"))
    counts: dict[str, int] = {v: _int(scored.get(v)) for v in VERDICTS}
    return counts, _int(scored.get("posts")) or sum(counts.values())


def _day(day: dict) -> tuple[str, int, dict[str, int]]:
    counts: dict[str, int] = {v: _int(day.get(v)) for v in VERDICTS}
    return _str(day.get("date")), _int(day.get("posts")) or sum(counts.values()), counts


def _strongest(finding: dict) -> tuple[dict | None, list[dict]]:
    """The finding's strongest match and the others: the first match, since a finding's matches
    are strongest first as the engine ranked them (a source ahead of a post that copies as
    much), and the report keeps that order rather than ranking them again."""
    matches = [_dict(m) for m in _list(finding.get("matches"))]
    return (matches[0] if matches else None), matches[1:]


def _credited(findings: list[dict]) -> int:
    return sum(1 for f in findings if (_strongest(f)[0] or {}).get("attributed") is True)


def _target_label(match: dict | None) -> str:
    """Plain text naming a matched document: a source's title, or the post and its author."""
    if match is None:
        return "no match recorded"
    name = _str(match.get("id")) or "unknown"
    if match.get("kind") == "source" or match.get("relation") == "source":
        return _str(match.get("title")) or name
    return f"post {name}" + (f" by {_str(match.get('author'))}" if match.get("author") else "")


Group = tuple[str, dict | None, list[dict]]  # label, strongest match, findings


def _groups(findings: list[dict]) -> list[tuple[str, list[Group]]]:
    """Findings by verdict (copy, revision, others), then by strongest match, biggest group first."""
    by_verdict: dict[str, dict[tuple[str, str], list[dict]]] = defaultdict(lambda: defaultdict(list))
    targets: dict[tuple[str, str], dict | None] = {}
    for finding in findings:
        match, _ = _strongest(finding)
        key = (_str(match.get("kind")), _str(match.get("id"))) if match else ("", "")
        targets.setdefault(key, match)
        by_verdict[_str(finding.get("verdict")) or "unknown"][key].append(finding)
    out = []
    for verdict in sorted(by_verdict, key=lambda v: (-VERDICT_RANK.get(v, -1), v)):
        groups = [(_target_label(targets[k]), targets[k], fs) for k, fs in by_verdict[verdict].items()]
        out.append((verdict, sorted(groups, key=lambda g: (-len(g[2]), g[0]))))
    return out


def _cluster_posts(cluster: dict) -> list[dict]:
    """The cluster's posts in their order, the original moved first should the list say otherwise."""
    posts = [_dict(p) for p in _list(cluster.get("posts"))]
    return [p for p in posts if p.get("verdict") == "original"] + [p for p in posts if p.get("verdict") != "original"]
