"""Findings as text: a table for people, JSONL/JSON/CSV/Markdown for tools. Pure functions."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import textwrap
from collections.abc import Callable, Sequence

from ..records import Finding, Match
from ..summary import Summary, flagged
from .html_base import _passage
from .scan_page import format_html

FORMATS = ("table", "jsonl", "json", "csv", "markdown", "html")

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` with its control characters written out (``\\x1b``, ``\\u202e``): posts, names and
    file names are not trusted, and printed raw an escape sequence recolours the terminal or sets
    its title, a carriage return overwrites the line, a bidirectional override reverses it."""
    text = text if keep_newlines else text.replace("\n", "\\n")
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


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


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(cell: object) -> object:
    """A text cell that a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``@SUM(…)``,
    ``-2+3``) prefixed with ``'``, which spreadsheets read as "this is text" (OWASP's defence
    against CSV injection); numbers are left as they are."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS) else cell


def format_csv(findings: Sequence[Finding], summary: Summary | None = None) -> str:
    """One row per post and match (a post without matches has one row with empty match cells).
    A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return starts with
    ``'`` instead (see :func:`_inert`): ids and names come from posts, which are not trusted.
    Rows end with CRLF as RFC 4180 says, so that a cell holding a carriage return is quoted
    (with ``\\n`` alone it would not be, and a spreadsheet would start a new row inside it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for f in findings:
        head = [f.id, f.author or "", f.to_dict()["created_at"], f.verdict]
        if not f.matches:
            writer.writerow([_inert(c) for c in head] + [""] * (len(CSV_COLUMNS) - len(head)))
        for m in f.matches:
            spans = json.dumps([s.to_dict() for s in m.spans])
            row = [
                *head,
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
            writer.writerow([_inert(c) for c in row])
    return out.getvalue()


def _copied(f: Finding, m: Match, limit: int) -> str:
    """The first copied passage of the post, shortened to ``limit`` characters."""
    if f.post is None or not m.spans:
        return ""
    span = m.spans[0]
    text = " ".join(_passage(f.post.text, span.post_start, span.post_end).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _where(m: Match) -> str:
    label = {"source": "source", "self_repost": "own earlier post", "cross_author": "earlier post by"}[m.relation]
    if m.relation == "cross_author":
        label += f" {m.author or 'unknown'}"
    credit = "credited" if m.attributed else "not credited"
    return f"{label} {m.id}" + (f" <{m.url}>" if m.url else "") + f", {credit}"


def format_table(findings: Sequence[Finding], summary: Summary, *, width: int | None = None) -> str:
    """The posts that are not original, each with its copied passage and where it comes from."""
    width = width or min(shutil.get_terminal_size((100, 20)).columns, 120)
    lines = []
    for f in flagged(findings):
        m = f.matches[0]
        stamp = f.to_dict()["created_at"]
        post_id, author = (terminal_safe(v, keep_newlines=False) for v in (f.id, f.author or "unknown"))
        lines.append(
            f"{f.verdict.upper():<9} {post_id}  by {author}  {stamp}  {m.containment:.0%} copied, similarity {m.similarity:.2f}"
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
    return terminal_safe("\n".join(lines) + "\n")


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


FORMATTERS: dict[str, Callable[[Sequence[Finding], Summary], str]] = {
    "html": format_html,
    "table": format_table,
    "jsonl": format_jsonl,
    "json": format_json,
    "csv": format_csv,
    "markdown": format_markdown,
}
