"""The nightly report as Markdown: the same sections as the page, as tables."""

from __future__ import annotations

import re

from ...records import VERDICTS
from ..html_base import (
    _RELATIONS,
    _credited,
    _dict,
    _groups,
    _int,
    _list,
    _passage,
    _pct,
    _plural,
    _ranges,
    _ratio,
    _str,
    _strongest,
    safe_url,
)
from .common import (
    DEFAULT_TITLE,
    MAX_CLUSTER_POSTS,
    MAX_CLUSTERS,
    MAX_FAILURES,
    MAX_ORIGINALS,
    MD_CHARS,
    _cluster_posts,
    _day,
    _scored,
    _short,
)

# --- Markdown -------------------------------------------------------------------------------------


def _md(value, limit: int | None = None) -> str:
    """A table cell: one line, capped, with what would break the table or become markup escaped."""
    text = _short(value, limit) if limit else " ".join(_str(value).split())
    return re.sub(r"([\\|<>\[\]`])", r"\\\1", text)


def _md_link(url, label: str) -> str:
    safe = safe_url(url)
    if not safe:
        return label
    for char, code in (("(", "%28"), (")", "%29"), ("|", "%7C"), ("<", "%3C"), (">", "%3E")):
        safe = safe.replace(char, code)
    return f"[{label}]({safe})"


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows] + [""]


def _md_post(post: dict) -> list[str]:
    return [_md_link(post.get("url"), _md(post.get("id"))), _md(post.get("author")), _md(post.get("created_at"))]


def _md_glance(report: dict) -> list[str]:
    run, added = _dict(report.get("run")), _dict(report.get("added"))
    counts, scored = _scored(report)
    skipped = {_str(k): _int(v) for k, v in _dict(added.get("skipped")).items()}
    failures = [_dict(f) for f in _list(added.get("fetch_failures"))]
    out = ["## The night at a glance", ""]
    if run:
        out += [
            (
                f"Run {_md(run.get('id'))} ({_md(run.get('status') or 'unknown')}), {_md(run.get('started'))} → "
                f"{_md(run.get('finished'))}, database {_md(run.get('db'))}"
            ),
            "",
        ]
    rows = [
        ["posts added", f"{_int(added.get('posts')):,}"],
        ["articles added", f"{_int(added.get('sources')):,}"],
        ["records skipped", f"{sum(skipped.values()):,}"],
        ["fetch failures", f"{len(failures):,}"],
        ["posts scored", f"{scored:,}"],
    ] + [[v, f"{counts[v]:,} ({_pct(counts[v], scored)})"] for v in VERDICTS]
    out += _md_table(["", "count"], rows)
    if skipped:
        rows = [[_md(r), f"{n:,}"] for r, n in sorted(skipped.items(), key=lambda kv: -kv[1])]
        out += _md_table(["skipped because", "records"], rows)
    if failures:
        rows = [[_md(f.get("url")), _md(f.get("reason"), MD_CHARS)] for f in failures[:MAX_FAILURES]]
        out += _md_table(["fetch failed", "reason"], rows)
    days = [_day(_dict(d)) for d in _list(report.get("days"))]
    if days:
        rows = [[_md(date), f"{posts:,}"] + [f"{c[v]:,} ({_pct(c[v], posts)})" for v in VERDICTS] for date, posts, c in days]
        out += _md_table(["day", "posts", *VERDICTS], rows)
    return out


def _md_sources_and_clusters(report: dict) -> list[str]:
    out = ["## Sources copied most", ""]
    rows = [
        [_md_link(s.get("url"), _md(_str(s.get("title")) or _str(s.get("id")) or "unknown source", MD_CHARS))]
        + [f"{_int(s.get(k)):,}" for k in ("copies", "revisions", "credited", "uncredited")]
        for s in (_dict(s) for s in _list(report.get("top_sources")))
    ]
    out += (
        _md_table(["source", "copies", "revisions", "credited", "not credited"], rows) if rows else ["No source was copied.", ""]
    )
    out += ["## Repost clusters", ""]
    clusters = [_dict(c) for c in _list(report.get("clusters"))]
    for n, cluster in enumerate(clusters[:MAX_CLUSTERS], 1):
        posts = _cluster_posts(cluster)
        size = _int(cluster.get("size")) or len(posts)
        out += [f"### Cluster {n}: {_plural(size, 'post')}, {_plural(_int(cluster.get('authors')), 'author')}", ""]
        rows = [_md_post(p) + [_md(p.get("verdict")), _md(p.get("snippet"), MD_CHARS)] for p in posts[:MAX_CLUSTER_POSTS]]
        out += _md_table(["post", "author", "created", "verdict", "text"], rows)
    return out + ([] if clusters else ["No text was posted more than once.", ""])


def _md_findings(findings: list[dict]) -> list[str]:
    out = [f"## Findings ({len(findings):,})", ""]
    for verdict, groups in _groups(findings):
        out += [f"### {_md(verdict)} ({_plural(sum(len(fs) for _, _, fs in groups), 'post')})", ""]
        for label, match, group in groups:
            title = _md_link(match.get("url") if match else None, _md(label, MD_CHARS))
            out += [f"#### {title}: {_plural(len(group), 'post')}, {_credited(group):,} credited", ""]
            rows = []
            for f in group:
                m = _strongest(f)[0] or {}
                text = _str(f.get("text"))
                copied = _ranges(m.get("spans"), "post_start", "post_end", 0, len(text))
                rows.append(
                    _md_post(f)
                    + [
                        _md(_RELATIONS.get(_str(m.get("relation")), m.get("relation"))),
                        f"{_ratio(m.get('containment')):.0%}",
                        "yes" if m.get("attributed") is True else "no",
                        _md(_passage(text, *copied[0]) if copied else text, MD_CHARS),
                    ]
                )
            out += _md_table(["post", "author", "created", "relation", "copied", "credited", "passage"], rows)
    return out + ([] if findings else ["No copies or revisions found.", ""])


def format_nightly_markdown(report: dict) -> str:
    """The nightly report in Markdown: the page's sections and counts, as tables with capped excerpts."""
    report = _dict(report)
    originals = _dict(report.get("originals"))
    shown = [_dict(p) for p in _list(originals.get("shown"))][:MAX_ORIGINALS]
    out = [f"# {_md(_str(report.get('title')) or DEFAULT_TITLE)}", ""]
    out += _md_glance(report)
    out += _md_sources_and_clusters(report)
    out += _md_findings([_dict(f) for f in _list(report.get("findings"))])
    out += [
        "## Original posts of the period",
        "",
        f"Showing {len(shown):,} of {max(_int(originals.get('total')), len(shown)):,} original posts.",
        "",
    ]
    if shown:
        out += _md_table(["post", "author", "created", "text"], [_md_post(p) + [_md(p.get("text"), MD_CHARS)] for p in shown])
    return "\n".join(out).rstrip("\n") + "\n"
