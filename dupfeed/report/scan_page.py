"""The findings of a scan as one self-contained HTML page: no script, no network, every text escaped.

The page has the nightly report's design, from the same base (:mod:`dupfeed.report.html_base`):
a contents list, the summary, then the posts that are not original grouped by verdict and by
the source or post they copy most, in closed sections, each post beside its match with the
texts cut around the copied passages. Its text budget is smaller than the nightly report's, so
that a scan of thousands of findings stays a page a browser opens at once: 5,000 findings of
``tests/test_scan_page.py`` (posts of ~3,000 characters copying 1,500 of a 3,600-character
article) make 5.5 MB, each side cut to 300 characters, where showing every text whole made
38.6 MB.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..records import Finding, Match, Source
from ..summary import Summary, flagged
from .html_base import _findings_html, _groups, esc, page

TEXT_BUDGET = 3_000_000
"""Characters of post and match text shared by all the findings of a page (both sides)."""
MIN_SIDE_CHARS = 300
"""Fewest characters shown on a side, however many findings share the budget."""


def _match_dict(match: Match) -> dict[str, Any]:
    target = match.target
    title = target.title if isinstance(target, Source) else None
    # The whole matched text as the excerpt: the page cuts it around the passages itself.
    return {**match.to_dict(), "title": title, "excerpt": {"start": 0, "text": target.text if target else ""}}


def finding_dict(finding: Finding) -> dict[str, Any]:
    """A finding as the shared page base reads it: its JSONL record, the post's URL and text,
    and each match's title and text."""
    post = finding.post
    return {
        **finding.to_dict(),
        "url": post.url if post else None,
        "text": post.text if post else "",
        "matches": [_match_dict(m) for m in finding.matches],
    }


def format_html(findings: Sequence[Finding], summary: Summary, *, title: str = "dupfeed report") -> str:
    """A page with a contents list and the summary at the top, then the flagged posts, grouped."""
    rows = "".join(
        f'<tr><td>{esc(label)}</td><td class="n">{value:,}</td></tr>'
        for label, value in (
            ("posts scanned", summary.posts),
            ("sources", summary.sources),
            ("copies", summary.verdicts["copy"]),
            ("revisions", summary.verdicts["revision"]),
            ("originals", summary.verdicts["original"]),
            ("records skipped", len(summary.skipped) + len(summary.skipped_sources)),
        )
    )
    shown = [finding_dict(f) for f in flagged(findings)]
    groups = _groups(shown)
    by_verdict = "".join(
        f'<li><a href="#findings-{i}">{esc(v)} ({sum(len(fs) for _, _, fs in g):,})</a></li>' for i, (v, g) in enumerate(groups)
    )
    contents = (
        '<nav aria-label="contents"><ul><li><a href="#summary">Summary</a></li>'
        f'<li><a href="#findings">Findings ({len(shown):,})</a>'
        + (f"<ul>{by_verdict}</ul>" if by_verdict else "")
        + "</li></ul></nav>"
    )
    body = (
        f'{contents}<section id="summary"><h2>Summary</h2><div class="summary"><p>{esc(summary.line())}</p>'
        f'<table>{rows}</table></div></section><section id="findings"><h2>Findings</h2>'
        + (_findings_html(groups, len(shown), TEXT_BUDGET, min_side=MIN_SIDE_CHARS) if shown else "<p>No copies found.</p>")
        + "</section>"
    )
    return page(title, body)
