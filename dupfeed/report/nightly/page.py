"""The nightly report as one self-contained HTML page: no script, no remote resource, every text escaped."""

from __future__ import annotations

import math
from collections.abc import Collection

from ...records import VERDICTS
from ..html_base import (
    _badge,
    _dict,
    _esc,
    _findings_html,
    _groups,
    _highlight,
    _int,
    _list,
    _pct,
    _plural,
    _str,
    link,
    page,
)
from .common import (
    _COLOURS,
    _STATUSES,
    DEFAULT_TITLE,
    MAX_CLUSTER_POSTS,
    MAX_CLUSTERS,
    MAX_FAILURES,
    MAX_ORIGINALS,
    ORIGINAL_CHARS,
    TEXT_BUDGET,
    _cluster_posts,
    _day,
    _scored,
    _short,
)


def _table(head: list[str], rows: list[list[str]], numeric: Collection[int] = ()) -> str:
    """A table of cells already in HTML; the columns in ``numeric`` are right-aligned."""
    cls = [' class="n"' if i in numeric else "" for i in range(len(head))]
    th = "".join(f"<th{c}>{h}</th>" for c, h in zip(cls, head))
    body = "".join("<tr>" + "".join(f"<td{c}>{v}</td>" for c, v in zip(cls, row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _chart(days: list[dict]) -> str:
    """Stacked bars per day of the shares of copies and revisions; originals are the rest.

    The axis runs to a round share just above the worst day rather than to 100 %: copies are
    usually a few percent of the posts, which a full-height axis would flatten to nothing.
    """
    if not days:
        return "<p>No daily history yet.</p>"
    rows = [_day(d) for d in days]
    worst = max((c["copy"] + c["revision"]) / p if p else 0 for _, p, c in rows)
    top = next((s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5) if worst <= s), 1.0)
    width, height, left, right, above, below = 760, 250, 52, 12, 30, 36
    plot_w, plot_h, bottom = width - left - right, height - above - below, height - below
    slot = plot_w / len(rows)
    bar = min(slot * 0.8, 48)
    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-labelledby="chart-title chart-desc" font-size="11">'
        ),
        '<title id="chart-title">Share of each day\'s posts that are copies or revisions</title>',
        (
            f'<desc id="chart-desc">{_plural(len(rows), "day")}, one stacked bar each: copies at the bottom, '
            "revisions above, originals the rest. Each bar's tooltip gives the day's counts.</desc>"
        ),
    ]
    for i in range(3):
        y = bottom - plot_h * i / 2
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{top * i / 2 * 100:g}%</text>'
        )
    out.append(f'<text transform="translate(12 {above + plot_h / 2:.0f}) rotate(-90)" text-anchor="middle">share of posts</text>')
    step = math.ceil(len(rows) / 8)  # at most 8 dates under the axis
    for i, (date, posts, counts) in enumerate(rows):
        x = left + slot * i + (slot - bar) / 2
        tip = f"{date}: {posts:,} posts; " + ", ".join(f"{counts[v]:,} {v} ({_pct(counts[v], posts)})" for v in VERDICTS)
        # A transparent bar of full height, so that a day without copies still shows its tooltip.
        out.append(
            f'<g class="day"><title>{_esc(tip)}</title><rect x="{x:.1f}" y="{above}" width="{bar:.1f}" '
            f'height="{plot_h}" fill="#000" fill-opacity="0"/>'
        )
        base: float = bottom
        for verdict, colour in _COLOURS.items():
            h = min(plot_h * (counts[verdict] / posts if posts else 0) / top, base - above)
            base -= h
            out.append(f'<rect class="{verdict}" x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}"/>')
        if i % step == 0:
            out.append(f'<text x="{x + bar / 2:.1f}" y="{bottom + 16}" text-anchor="middle">{_esc(date[5:] or date)}</text>')
        out.append("</g>")
    out.append(
        f'<g transform="translate({left + 8} 12)"><rect width="10" height="10" fill="{_COLOURS["copy"]}"/>'
        f'<text x="14" y="9">copy</text><rect x="60" width="10" height="10" fill="{_COLOURS["revision"]}"/>'
        '<text x="74" y="9">revision</text><text x="140" y="9">original: the rest of the day\'s posts</text></g>'
    )
    return "".join(out) + "</svg>"


def _glance_html(report: dict) -> str:
    run, added = _dict(report.get("run")), _dict(report.get("added"))
    skipped = {_str(k): _int(v) for k, v in _dict(added.get("skipped")).items()}
    failures = [_dict(f) for f in _list(added.get("fetch_failures"))]
    counts, scored = _scored(report)
    out = []
    if run:
        status = _str(run.get("status"))
        span = f"{_esc(run.get('started'))} → {_esc(run.get('finished'))}"
        out.append(
            f'<p class="meta">Run <b>{_esc(run.get("id"))}</b> <span class="status '
            f'{status if status in _STATUSES else "other"}">{_esc(status or "unknown")}</span> · {span} · '
            f"database {_esc(run.get('db'))}</p>"
        )
    cards = (
        ("posts added", _int(added.get("posts"))),
        ("articles added", _int(added.get("sources"))),
        ("records skipped", sum(skipped.values())),
        ("fetch failures", len(failures)),
        ("posts scored", scored),
    )
    out.append('<div class="cards">' + "".join(f'<div class="card"><b>{n:,}</b>{k}</div>' for k, n in cards) + "</div>")
    rows = [[_badge(v), f"{counts[v]:,}", _pct(counts[v], scored)] for v in VERDICTS]
    out.append(_table(["verdict", "posts", "share of scored"], rows, {1, 2}))
    if skipped:
        rows = [[_esc(reason), f"{n:,}"] for reason, n in sorted(skipped.items(), key=lambda kv: -kv[1])]
        out.append("<h3>Skipped</h3>" + _table(["reason", "records"], rows, {1}))
    if failures:
        rows = [[link(f.get("url"), _esc(f.get("url"))), _esc(f.get("reason"))] for f in failures[:MAX_FAILURES]]
        more = f"<p>{len(failures) - MAX_FAILURES:,} more not shown.</p>" if len(failures) > MAX_FAILURES else ""
        out.append(
            f"<details><summary>{_plural(len(failures), 'fetch failure')}</summary>"
            f"{_table(['url', 'reason'], rows)}{more}</details>"
        )
    out.append("<h3>Day by day</h3>" + _chart([_dict(d) for d in _list(report.get("days"))]))
    return "".join(out)


def _sources_html(report: dict) -> str:
    rows = []
    for source in (_dict(s) for s in _list(report.get("top_sources"))):
        name = _str(source.get("title")) or _str(source.get("id")) or "unknown source"
        credited, uncredited = _int(source.get("credited")), _int(source.get("uncredited"))
        rows.append(
            [
                f'{link(source.get("url"), _esc(name))}<br><span class="meta">{_esc(source.get("id"))}</span>',
                f"{_int(source.get('copies')):,}",
                f"{_int(source.get('revisions')):,}",
                f'<span class="credited">{credited:,}</span>',
                f'<span class="uncredited">{uncredited:,}</span>',
                _pct(credited, credited + uncredited),
            ]
        )
    if not rows:
        return "<p>No source was copied.</p>"
    head = ["source", "copies", "revisions", "credited", "not credited", "share credited"]
    return _table(head, rows, {1, 2, 3, 4, 5})


def _clusters_html(report: dict) -> str:
    clusters = [_dict(c) for c in _list(report.get("clusters"))]
    if not clusters:
        return "<p>No text was posted more than once.</p>"
    out = [
        (
            f"<p>{_plural(len(clusters), 'text')} posted more than once, by first appearance; "
            "each lists its posts in order, the original first.</p>"
        )
    ]
    for cluster in clusters[:MAX_CLUSTERS]:
        posts = _cluster_posts(cluster)
        first = posts[0] if posts else {}
        items = "".join(
            f"<li>{_badge(p.get('verdict'))} <b>{link(p.get('url'), _esc(p.get('id')))}</b> by "
            f'{_esc(p.get("author") or "unknown")} <span class="meta">{_esc(p.get("created_at"))}</span>'
            f'<div class="text">{_esc(_short(p.get("snippet"), 300))}</div></li>'
            for p in posts[:MAX_CLUSTER_POSTS]
        )
        more = len(posts) - MAX_CLUSTER_POSTS
        out.append(
            f"<details><summary>{_plural(_int(cluster.get('size')) or len(posts), 'post')} · "
            f"{_plural(_int(cluster.get('authors')), 'author')} · first {_esc(first.get('created_at'))} by "
            f"{_esc(first.get('author') or 'unknown')}: “{_esc(_short(first.get('snippet'), 90))}”</summary>"
            f"<ol>{items}</ol>" + (f"<p>{more:,} more posts not shown.</p>" if more > 0 else "") + "</details>"
        )
    if len(clusters) > MAX_CLUSTERS:
        out.append(f"<p>{len(clusters) - MAX_CLUSTERS:,} more clusters not shown; see the JSON report.</p>")
    return "".join(out)


def _originals_html(report: dict) -> str:
    originals = _dict(report.get("originals"))
    shown = [_dict(p) for p in _list(originals.get("shown"))][:MAX_ORIGINALS]
    total = max(_int(originals.get("total")), len(shown))
    items = "".join(
        f"<li><b>{link(p.get('url'), _esc(p.get('id')))}</b> by {_esc(p.get('author') or 'unknown')} "
        f'<span class="meta">{_esc(p.get("created_at"))}</span>'
        f'<div class="text">{_highlight(_str(p.get("text")), [], ORIGINAL_CHARS)}</div></li>'
        for p in shown
    )
    return f"<p>Showing {len(shown):,} of {total:,} original posts.</p>" + (f"<ol>{items}</ol>" if items else "")


def format_nightly_html(report: dict) -> str:
    """The nightly report as one page: the night at a glance, sources, clusters, findings, originals."""
    report = _dict(report)
    title = _str(report.get("title")) or DEFAULT_TITLE
    findings = [_dict(f) for f in _list(report.get("findings"))]
    groups = _groups(findings)
    sections = (
        ("glance", "The night at a glance", _glance_html(report)),
        ("sources", "Sources copied most", _sources_html(report)),
        ("clusters", "Repost clusters", _clusters_html(report)),
        ("findings", f"Findings ({len(findings):,})", _findings_html(groups, len(findings), TEXT_BUDGET)),
        ("originals", "Original posts of the period", _originals_html(report)),
    )
    by_verdict = "".join(
        f'<li><a href="#findings-{i}">{_esc(v)} ({sum(len(fs) for _, _, fs in g):,})</a></li>' for i, (v, g) in enumerate(groups)
    )
    toc = "".join(
        f'<li><a href="#{key}">{_esc(head)}</a>'
        + (f"<ul>{by_verdict}</ul>" if key == "findings" and by_verdict else "")
        + "</li>"
        for key, head, _ in sections
    )
    body = "".join(f'<section id="{key}"><h2>{_esc(head)}</h2>{html}</section>' for key, head, html in sections)
    return page(title, f'<nav aria-label="contents"><ul>{toc}</ul></nav>{body}')
