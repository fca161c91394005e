"""The findings as one self-contained HTML page: no script, no network, every text escaped."""

from __future__ import annotations

from collections.abc import Sequence

from ..records import Finding, Match
from ..summary import Summary, flagged
from .html_base import esc, link, marked, page


def _match_block(finding: Finding, match: Match) -> str:
    post_text = finding.post.text if finding.post else ""
    other_text = match.target.text if match.target is not None else ""
    post_ranges = [(s.post_start, s.post_end) for s in match.spans]
    other_ranges = [(s.match_start, s.match_end) for s in match.spans]
    credit = '<span class="credited">credited</span>' if match.attributed else '<span class="uncredited">not credited</span>'
    url = f" {link(match.url, esc(match.url))}" if match.url else ""
    who = f" by {esc(match.author)}" if match.author else ""
    return (
        f'<p class="meta">{esc(match.relation)}: <b>{esc(match.id)}</b>{who}{url} · '
        f"{match.containment:.0%} of the post copied · similarity {match.similarity:.2f} · {credit}</p>"
        f'<div class="pair"><div class="text">{marked(post_text, post_ranges)}</div>'
        f'<div class="text">{marked(other_text, other_ranges)}</div></div>'
    )


def format_html(findings: Sequence[Finding], summary: Summary, *, title: str = "dupfeed report") -> str:
    """A page with the summary at the top, then each flagged post beside its matches."""
    rows = "".join(
        f"<tr><td>{esc(label)}</td><td>{value}</td></tr>"
        for label, value in (
            ("posts scanned", summary.posts),
            ("sources", summary.sources),
            ("copies", summary.verdicts["copy"]),
            ("revisions", summary.verdicts["revision"]),
            ("originals", summary.verdicts["original"]),
            ("records skipped", len(summary.skipped) + len(summary.skipped_sources)),
        )
    )
    items = []
    for finding in flagged(findings):
        matches = "".join(_match_block(finding, m) for m in finding.matches)
        stamp = finding.to_dict()["created_at"]
        items.append(
            f'<details open><summary><span class="verdict {esc(finding.verdict)}">{esc(finding.verdict)}</span> '
            f"{esc(finding.id)} by {esc(finding.author or 'unknown')} · {esc(stamp)}</summary>{matches}</details>"
        )
    body = "".join(items) or "<p>No copies found.</p>"
    return page(title, f'<div class="summary"><p>{esc(summary.line())}</p><table>{rows}</table></div>{body}')
