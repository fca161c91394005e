"""The findings as one self-contained HTML page: no script, no network, every text escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ..records import Finding, Match
from ..summary import Summary, flagged

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}
h1{font-size:1.6rem} .summary{background:#f4f4f6;padding:.8rem 1rem;border-radius:6px}
.summary td{padding:0 1.2rem 0 0}
details{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
summary{cursor:pointer;font-weight:600} .verdict{text-transform:uppercase;font-size:.8rem;
padding:.1rem .4rem;border-radius:4px;color:#fff} .copy{background:#b3261e}.revision{background:#c77700}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1rem} .text{white-space:pre-wrap;background:#fafafa;
padding:.6rem;border-radius:4px;font-size:.9rem;max-height:28rem;overflow:auto}
mark{background:#ffe08a} .meta{color:#555;font-size:.85rem} .credited{color:#1b6e20}.uncredited{color:#b3261e}
"""


def _highlight(text: str, ranges: Sequence[tuple[int, int]]) -> str:
    """``text`` escaped, with each ``[start, end)`` range wrapped in ``<mark>``."""
    out, at = [], 0
    for start, end in sorted(ranges):
        start = max(start, at)
        if end <= start:
            continue
        out.append(escape(text[at:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    out.append(escape(text[at:]))
    return "".join(out)


def _match_block(finding: Finding, match: Match) -> str:
    post_text = finding.post.text if finding.post else ""
    other_text = match.target.text if match.target is not None else ""
    post_ranges = [(s.post_start, s.post_end) for s in match.spans]
    other_ranges = [(s.match_start, s.match_end) for s in match.spans]
    credit = '<span class="credited">credited</span>' if match.attributed else '<span class="uncredited">not credited</span>'
    link = f' <a href="{escape(match.url)}">{escape(match.url)}</a>' if match.url else ""
    who = f" by {escape(match.author)}" if match.author else ""
    return (
        f'<p class="meta">{escape(match.relation)}: <b>{escape(match.id)}</b>{who}{link} · '
        f"{match.containment:.0%} of the post copied · similarity {match.similarity:.2f} · {credit}</p>"
        f'<div class="pair"><div class="text">{_highlight(post_text, post_ranges)}</div>'
        f'<div class="text">{_highlight(other_text, other_ranges)}</div></div>'
    )


def format_html(findings: Sequence[Finding], summary: Summary, *, title: str = "dupfeed report") -> str:
    """A page with the summary at the top, then each flagged post beside its matches."""
    rows = "".join(
        f"<tr><td>{escape(label)}</td><td>{value}</td></tr>"
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
            f'<details open><summary><span class="verdict {escape(finding.verdict)}">{escape(finding.verdict)}</span> '
            f"{escape(finding.id)} by {escape(finding.author or 'unknown')} · {escape(stamp)}</summary>{matches}</details>"
        )
    body = "".join(items) or "<p>No copies found.</p>"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f'<h1>{escape(title)}</h1><div class="summary"><p>{escape(summary.line())}</p><table>{rows}</table></div>'
        f"{body}</body></html>\n"
    )
