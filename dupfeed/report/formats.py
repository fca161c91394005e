"""Findings as text: a table for people, JSONL/JSON/CSV/Markdown for tools. Pure functions."""

from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..records import Finding, Match, Skip

FORMATS = ("table", "jsonl", "json", "csv", "markdown", "html")


@dataclass(frozen=True)
class Summary:
    """What a scan read, skipped and found."""

    posts: int
    sources: int
    verdicts: dict[str, int]
    skipped: tuple[Skip, ...] = ()
    skipped_sources: tuple[Skip, ...] = field(default=())

    @classmethod
    def of(cls, findings: Sequence[Finding], sources: int, skipped=(), skipped_sources=()) -> Summary:
        counts = Counter(f.verdict for f in findings)
        verdicts = {v: counts.get(v, 0) for v in ("copy", "revision", "original")}
        return cls(len(findings), sources, verdicts, tuple(skipped), tuple(skipped_sources))

    def to_dict(self) -> dict:
        return {
            "posts": self.posts,
            "sources": self.sources,
            "verdicts": self.verdicts,
            "skipped": dict(Counter(s.reason for s in self.skipped)),
            "skipped_sources": dict(Counter(s.reason for s in self.skipped_sources)),
        }

    def line(self) -> str:
        """One line for a person: counts of posts, verdicts and skips."""
        v = self.verdicts
        text = (
            f"{self.posts} posts against {self.sources} sources: "
            f"{v['copy']} copy, {v['revision']} revision, {v['original']} original"
        )
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


def format_jsonl(findings: Sequence[Finding], summary: Summary | None = None) -> str:
    """One JSON object per post, in processing order (the machine contract)."""
    return "".join(json.dumps(f.to_dict(), ensure_ascii=False) + "\n" for f in findings)


def format_json(findings: Sequence[Finding], summary: Summary) -> str:
    """One JSON document: the summary and every finding."""
    doc = {"summary": summary.to_dict(), "findings": [f.to_dict() for f in findings]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = (
    "id",
    "author",
    "created_at",
    "verdict",
    "match_kind",
    "match_id",
    "match_author",
    "match_url",
    "relation",
    "similarity",
    "containment",
    "attributed",
    "spans",
)


def format_csv(findings: Sequence[Finding], summary: Summary | None = None) -> str:
    """One row per post and match (a post without matches has one row with empty match cells)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for f in findings:
        head = [f.id, f.author or "", f.to_dict()["created_at"], f.verdict]
        if not f.matches:
            writer.writerow(head + [""] * (len(CSV_COLUMNS) - len(head)))
        for m in f.matches:
            spans = json.dumps([s.to_dict() for s in m.spans])
            writer.writerow(
                head
                + [
                    m.kind,
                    m.id,
                    m.author or "",
                    m.url or "",
                    m.relation,
                    m.similarity,
                    m.containment,
                    str(m.attributed).lower(),
                    spans,
                ]
            )
    return out.getvalue()


def _copied(f: Finding, m: Match, limit: int) -> str:
    """The first copied passage of the post, shortened to ``limit`` characters."""
    if f.post is None or not m.spans:
        return ""
    span = m.spans[0]
    text = " ".join(f.post.text[span.post_start : span.post_end].split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _where(m: Match) -> str:
    label = {"source": "source", "self_repost": "own earlier post", "cross_author": "earlier post by"}[m.relation]
    if m.relation == "cross_author":
        label += f" {m.author or 'unknown'}"
    credit = "credited" if m.attributed else "not credited"
    return f"{label} {m.id}" + (f" <{m.url}>" if m.url else "") + f", {credit}"


def flagged(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.verdict != "original"]


def format_table(findings: Sequence[Finding], summary: Summary, *, width: int | None = None) -> str:
    """The posts that are not original, each with its copied passage and where it comes from."""
    width = width or min(shutil.get_terminal_size((100, 20)).columns, 120)
    lines = []
    for f in flagged(findings):
        m = f.matches[0]
        stamp = f.to_dict()["created_at"]
        lines.append(
            f"{f.verdict.upper():<9} {f.id}  by {f.author or 'unknown'}  {stamp}  "
            f"{m.containment:.0%} copied, similarity {m.similarity:.2f}"
        )
        lines.append(textwrap.fill(_where(m), width, initial_indent="  from ", subsequent_indent="       "))
        passage = _copied(f, m, 240)
        if passage:
            lines.append(textwrap.fill(f"“{passage}”", width, initial_indent="  ", subsequent_indent="  "))
        if len(f.matches) > 1:
            others = ", ".join(f"{o.id} ({o.containment:.0%})" for o in f.matches[1:4])
            more = f" and {len(f.matches) - 4} more" if len(f.matches) > 4 else ""
            lines.append(textwrap.fill(f"also {others}{more}", width, initial_indent="  ", subsequent_indent="  "))
        lines.append("")
    if not lines:
        lines.append("No copies found.\n")
    lines.append(summary.line())
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def format_markdown(findings: Sequence[Finding], summary: Summary) -> str:
    """A Markdown report: the summary, then a table of the posts that are not original."""
    out = ["# dupfeed report", "", summary.line(), ""]
    rows = flagged(findings)
    if rows:
        out += ["| post | author | verdict | copied | from | credited | passage |", "|---|---|---|---|---|---|---|"]
        for f in rows:
            m = f.matches[0]
            target = f"[{_md(m.id)}]({m.url})" if m.url else _md(m.id)
            out.append(
                f"| {_md(f.id)} | {_md(f.author or '')} | {f.verdict} | {m.containment:.0%} | "
                f"{m.relation}: {target} | {'yes' if m.attributed else 'no'} | {_md(_copied(f, m, 160))} |"
            )
    else:
        out.append("No copies found.")
    return "\n".join(out) + "\n"


def format_html(findings: Sequence[Finding], summary: Summary) -> str:
    """One self-contained HTML page (see :mod:`dupfeed.report.scan_page`)."""
    from .scan_page import format_html as page

    return page(findings, summary)


FORMATTERS = {
    "html": format_html,
    "table": format_table,
    "jsonl": format_jsonl,
    "json": format_json,
    "csv": format_csv,
    "markdown": format_markdown,
}
