"""The nightly report (one JSON-ready dict) as a self-contained HTML page and as Markdown.

Pure functions, no I/O. The page runs no script and loads nothing: its CSS and its SVG chart are
inline, and its only URLs are links (``<a href>``) to posts and sources, kept when they are http(s)
and dropped otherwise (``javascript:``, ``data:``…). Every text taken from the report is escaped;
odd data (missing keys, wrong types, spans out of range) is shown as far as it makes sense, never
raised on.

The page stays usable with many findings: they are grouped by verdict, then by the source or post
they copy most, in closed ``<details>`` with counts in the summaries; a group of more than
``CHUNK`` posts is cut into blocks of ``CHUNK``, and past the ``TOP_GROUPS`` biggest groups of a
verdict the rest are folded into one block. Each side of a post/match pair is cut around its copied
passages: the sides share ``TEXT_BUDGET`` characters, so a side keeps up to ``SIDE_CHARS``
characters while there are at most 4,000 findings, fewer beyond, never under ``MIN_SIDE_CHARS``.

Measured with the generator of ``tests/test_report_nightly.py`` (posts of ~3,000 characters,
excerpts of ~3,650, two matches per finding, 100 sources, 2,500 clusters of three posts): at
10,000 findings the page is 19.6 MB (built in 0.5 s) and the Markdown 2.7 MB; at 1,000 findings
the page is 4.4 MB, at 4,000 (the most with full 1,500-character sides) 15.5 MB, at 20,000 30.4 MB.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Collection
from html import escape

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

_VERDICTS = ("copy", "revision", "original")
_STATUSES = ("ok", "partial", "failed")
_COLOURS = {"copy": "#b3261e", "revision": "#e0a030"}
_SAFE_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f]+\Z", re.IGNORECASE)
_RELATIONS = {
    "source": "copied from a source",
    "self_repost": "repost of an own earlier post",
    "cross_author": "copied from another author's post",
}

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:78rem;padding:0 1rem;color:#222}
h1{font-size:1.6rem} h2{margin-top:2.4rem;border-bottom:1px solid #ddd} h3{margin-bottom:.3rem}
nav{background:#f4f4f6;padding:.5rem 1rem;border-radius:6px} nav ul{margin:.2rem 0}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:.8rem 0}
.card{background:#f4f4f6;border-radius:6px;padding:.4rem .9rem;min-width:9rem}
.card b{display:block;font-size:1.4rem} table{border-collapse:collapse;margin:.6rem 0}
th,td{text-align:left;padding:.2rem .9rem .2rem 0;border-bottom:1px solid #eee;vertical-align:top}
.n{text-align:right;font-variant-numeric:tabular-nums}
details{border:1px solid #ddd;border-radius:6px;margin:.5rem 0;padding:.3rem .8rem} summary{cursor:pointer}
.verdict,.status{text-transform:uppercase;font-size:.75rem;padding:.1rem .4rem;border-radius:4px;color:#fff;
background:#666} .copy{background:#b3261e} .revision{background:#c77700} .original{background:#1b6e20}
.ok{background:#1b6e20} .partial{background:#c77700} .failed{background:#b3261e}
.finding{border-top:1px solid #eee;padding:.5rem 0} .pair{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
.text{white-space:pre-wrap;overflow-wrap:anywhere;background:#fafafa;padding:.5rem;border-radius:4px;
font-size:.9rem;max-height:24rem;overflow:auto} mark{background:#ffe08a}
.meta{color:#555;font-size:.85rem} .credited{color:#1b6e20} .uncredited{color:#b3261e}
svg{max-width:100%;height:auto} @media (max-width:700px){.pair{grid-template-columns:1fr}}
"""


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
    return escape(_str(value), quote=True)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _safe_url(value) -> str | None:
    """The URL when it is a plain http(s) link, else None."""
    url = _str(value).strip()
    return url if _SAFE_URL.match(url) else None


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
        at = start
        for s, e in ranges:
            s, e = max(s, at), min(e, end)
            if s < e:
                out += [escape(text[at:s]), f"<mark>{escape(text[s:e])}</mark>"]
                at = e
        out.append(escape(text[at:end]))
    out.append("…" if windows and windows[-1][1] < len(text) else "")
    return "".join(out)


def _short(text, limit: int) -> str:
    """One line of at most ``limit`` characters."""
    text = " ".join(_str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- what both formats show ---------------------------------------------------------------------


def _scored(report: dict) -> tuple[dict[str, int], int]:
    scored = _dict(report.get("scored"))
    counts = {v: _int(scored.get(v)) for v in _VERDICTS}
    return counts, _int(scored.get("posts")) or sum(counts.values())


def _day(day: dict) -> tuple[str, int, dict[str, int]]:
    counts = {v: _int(day.get(v)) for v in _VERDICTS}
    return _str(day.get("date")), _int(day.get("posts")) or sum(counts.values()), counts


def _strongest(finding: dict) -> tuple[dict | None, list[dict]]:
    """The finding's strongest match (by containment, then similarity) and the others."""
    matches = sorted(
        (_dict(m) for m in _list(finding.get("matches"))),
        key=lambda m: (_ratio(m.get("containment")), _ratio(m.get("similarity"))),
        reverse=True,
    )
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
    rank = {v: i for i, v in enumerate(_VERDICTS)}
    out = []
    for verdict in sorted(by_verdict, key=lambda v: (rank.get(v, len(rank)), v)):
        groups = [(_target_label(targets[k]), targets[k], fs) for k, fs in by_verdict[verdict].items()]
        out.append((verdict, sorted(groups, key=lambda g: (-len(g[2]), g[0]))))
    return out


def _cluster_posts(cluster: dict) -> list[dict]:
    """The cluster's posts in their order, the original moved first should the list say otherwise."""
    posts = [_dict(p) for p in _list(cluster.get("posts"))]
    return [p for p in posts if p.get("verdict") == "original"] + [p for p in posts if p.get("verdict") != "original"]


# --- HTML ----------------------------------------------------------------------------------------


def _a(url, label_html: str) -> str:
    """``label_html`` linked to ``url`` when that is an http(s) URL, else left unlinked."""
    safe = _safe_url(url)
    return f'<a href="{escape(safe, quote=True)}" rel="nofollow noreferrer">{label_html}</a>' if safe else label_html


def _badge(verdict) -> str:
    name = _str(verdict)
    return f'<span class="verdict {name if name in _VERDICTS else "other"}">{_esc(name or "unknown")}</span>'


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
        (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
         f'height="{height}" role="img" aria-labelledby="chart-title chart-desc" font-size="11">'),
        "<title id=\"chart-title\">Share of each day's posts that are copies or revisions</title>",
        (f'<desc id="chart-desc">{_plural(len(rows), "day")}, one stacked bar each: copies at the bottom, '
         "revisions above, originals the rest. Each bar's tooltip gives the day's counts.</desc>"),
    ]
    for i in range(3):
        y = bottom - plot_h * i / 2
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{top * i / 2 * 100:g}%</text>'
        )
    out.append(
        f'<text transform="translate(12 {above + plot_h / 2:.0f}) rotate(-90)" text-anchor="middle">'
        "share of posts</text>"
    )
    step = math.ceil(len(rows) / 8)  # at most 8 dates under the axis
    for i, (date, posts, counts) in enumerate(rows):
        x = left + slot * i + (slot - bar) / 2
        tip = f"{date}: {posts:,} posts; " + ", ".join(
            f"{counts[v]:,} {v} ({_pct(counts[v], posts)})" for v in _VERDICTS
        )
        # A transparent bar of full height, so that a day without copies still shows its tooltip.
        out.append(
            f'<g class="day"><title>{_esc(tip)}</title><rect x="{x:.1f}" y="{above}" width="{bar:.1f}" '
            f'height="{plot_h}" fill="#000" fill-opacity="0"/>'
        )
        base = bottom
        for verdict, colour in _COLOURS.items():
            h = min(plot_h * (counts[verdict] / posts if posts else 0) / top, base - above)
            base -= h
            out.append(
                f'<rect class="{verdict}" x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour}"/>'
            )
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
    rows = [[_badge(v), f"{counts[v]:,}", _pct(counts[v], scored)] for v in _VERDICTS]
    out.append(_table(["verdict", "posts", "share of scored"], rows, {1, 2}))
    if skipped:
        rows = [[_esc(reason), f"{n:,}"] for reason, n in sorted(skipped.items(), key=lambda kv: -kv[1])]
        out.append("<h3>Skipped</h3>" + _table(["reason", "records"], rows, {1}))
    if failures:
        rows = [[_a(f.get("url"), _esc(f.get("url"))), _esc(f.get("reason"))] for f in failures[:MAX_FAILURES]]
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
        rows.append([
            f'{_a(source.get("url"), _esc(name))}<br><span class="meta">{_esc(source.get("id"))}</span>',
            f"{_int(source.get('copies')):,}",
            f"{_int(source.get('revisions')):,}",
            f'<span class="credited">{credited:,}</span>',
            f'<span class="uncredited">{uncredited:,}</span>',
            _pct(credited, credited + uncredited),
        ])
    if not rows:
        return "<p>No source was copied.</p>"
    head = ["source", "copies", "revisions", "credited", "not credited", "share credited"]
    return _table(head, rows, {1, 2, 3, 4, 5})


def _clusters_html(report: dict) -> str:
    clusters = [_dict(c) for c in _list(report.get("clusters"))]
    if not clusters:
        return "<p>No text was posted more than once.</p>"
    out = [
        (f"<p>{_plural(len(clusters), 'text')} posted more than once, by first appearance; "
         "each lists its posts in order, the original first.</p>")
    ]
    for cluster in clusters[:MAX_CLUSTERS]:
        posts = _cluster_posts(cluster)
        first = posts[0] if posts else {}
        items = "".join(
            f'<li>{_badge(p.get("verdict"))} <b>{_a(p.get("url"), _esc(p.get("id")))}</b> by '
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


def _finding_html(finding: dict, side: int) -> str:
    """One post beside its strongest match, the copied passages marked on both sides."""
    match, others = _strongest(finding)
    text = _str(finding.get("text"))
    where = " · ".join(_esc(finding.get(k)) for k in ("created_at", "platform", "kind") if finding.get(k))
    out = [
        (f'<article class="finding"><p>{_badge(finding.get("verdict"))} '
         f'<b>{_a(finding.get("url"), _esc(finding.get("id")))}</b> by {_esc(finding.get("author") or "unknown")} '
         f'<span class="meta">{where}</span></p>')
    ]
    if match is None:
        return "".join(out) + f'<div class="text">{_highlight(text, [], side)}</div></article>'
    credit = (
        '<span class="credited">credited</span>' if match.get("attributed") is True
        else '<span class="uncredited">not credited</span>'
    )
    relation = _str(match.get("relation"))
    out.append(
        f'<p class="meta">{_esc(_RELATIONS.get(relation, relation))}: '
        f'<b>{_a(match.get("url"), _esc(_target_label(match)))}</b> · '
        f"{_ratio(match.get('containment')):.0%} of the post copied · "
        f"similarity {_ratio(match.get('similarity')):.2f} · {credit}</p>"
    )
    spans = match.get("spans")
    excerpt = _dict(match.get("excerpt"))
    ex_text, ex_start = _str(excerpt.get("text")), max(_int(excerpt.get("start")), 0)
    mine = _highlight(text, _ranges(spans, "post_start", "post_end", 0, len(text)), side)
    theirs = '<span class="meta">no excerpt</span>'
    if ex_text:
        ranges = _ranges(spans, "match_start", "match_end", ex_start, len(ex_text))
        theirs = _highlight(ex_text, ranges, side, lead=ex_start > 0)
    out.append(f'<div class="pair"><div class="text">{mine}</div><div class="text">{theirs}</div></div>')
    if others:
        names = ", ".join(
            f"{_a(o.get('url'), _esc(_target_label(o)))} ({_ratio(o.get('containment')):.0%})"
            for o in others[:OTHER_MATCHES]
        )
        more = f" and {len(others) - OTHER_MATCHES:,} more" if len(others) > OTHER_MATCHES else ""
        out.append(f'<p class="meta">also matches {names}{more}</p>')
    return "".join(out) + "</article>"


def _group_html(group: Group, side: int) -> str:
    label, match, findings = group
    credited = _credited(findings)
    kind = "" if match is None else " (source)" if match.get("kind") == "source" else " (post)"
    link = _safe_url(match.get("url")) if match else None
    body = [f'<p class="meta">{_a(link, _esc(link))}</p>' if link else ""]
    if len(findings) <= CHUNK:
        body += [_finding_html(f, side) for f in findings]
    else:
        for at in range(0, len(findings), CHUNK):
            part = findings[at : at + CHUNK]
            body.append(
                f"<details><summary>posts {at + 1:,}–{at + len(part):,}</summary>"
                + "".join(_finding_html(f, side) for f in part) + "</details>"
            )
    return (
        f"<details><summary><b>{_esc(label)}</b>{kind} · {_plural(len(findings), 'post')} · "
        f"{credited:,} credited, {len(findings) - credited:,} not</summary>{''.join(body)}</details>"
    )


def _findings_html(groups: list[tuple[str, list[Group]]], total: int) -> str:
    if not total:
        return "<p>No copies or revisions found.</p>"
    side = min(SIDE_CHARS, max(MIN_SIDE_CHARS, TEXT_BUDGET // (2 * total)))
    out = [
        (f"<p>{_plural(total, 'post')} that are not original, by verdict and then by the source or post "
         "they copy most; each beside its match, the copied passages marked, texts cut to "
         f"{side:,} characters around them.</p>")
    ]
    for i, (verdict, groups_of_verdict) in enumerate(groups):
        count = sum(len(fs) for _, _, fs in groups_of_verdict)
        out.append(
            f'<h3 id="findings-{i}">{_badge(verdict)} {_plural(count, "post")} from '
            f"{len(groups_of_verdict):,} sources and posts</h3>"
        )
        out += [_group_html(g, side) for g in groups_of_verdict[:TOP_GROUPS]]
        rest = groups_of_verdict[TOP_GROUPS:]
        if rest:
            out.append(
                f"<details><summary>{len(rest):,} more sources and posts "
                f"({_plural(sum(len(fs) for _, _, fs in rest), 'post')})</summary>"
                + "".join(_group_html(g, side) for g in rest) + "</details>"
            )
    return "".join(out)


def _originals_html(report: dict) -> str:
    originals = _dict(report.get("originals"))
    shown = [_dict(p) for p in _list(originals.get("shown"))][:MAX_ORIGINALS]
    total = max(_int(originals.get("total")), len(shown))
    items = "".join(
        f'<li><b>{_a(p.get("url"), _esc(p.get("id")))}</b> by {_esc(p.get("author") or "unknown")} '
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
        ("findings", f"Findings ({len(findings):,})", _findings_html(groups, len(findings))),
        ("originals", "Original posts of the period", _originals_html(report)),
    )
    by_verdict = "".join(
        f'<li><a href="#findings-{i}">{_esc(v)} ({sum(len(fs) for _, _, fs in g):,})</a></li>'
        for i, (v, g) in enumerate(groups)
    )
    toc = "".join(
        f'<li><a href="#{key}">{_esc(head)}</a>'
        + (f"<ul>{by_verdict}</ul>" if key == "findings" and by_verdict else "") + "</li>"
        for key, head, _ in sections
    )
    body = "".join(f'<section id="{key}"><h2>{_esc(head)}</h2>{html}</section>' for key, head, html in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{_STYLE}</style></head><body>"
        f'<h1>{_esc(title)}</h1><nav aria-label="contents"><ul>{toc}</ul></nav>{body}</body></html>\n'
    )


# --- Markdown -------------------------------------------------------------------------------------


def _md(value, limit: int | None = None) -> str:
    """A table cell: one line, capped, with what would break the table or become markup escaped."""
    text = _short(value, limit) if limit else " ".join(_str(value).split())
    return re.sub(r"([\\|<>\[\]`])", r"\\\1", text)


def _md_link(url, label: str) -> str:
    safe = _safe_url(url)
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
            (f"Run {_md(run.get('id'))} ({_md(run.get('status') or 'unknown')}), {_md(run.get('started'))} → "
             f"{_md(run.get('finished'))}, database {_md(run.get('db'))}"),
            "",
        ]
    rows = [
        ["posts added", f"{_int(added.get('posts')):,}"],
        ["articles added", f"{_int(added.get('sources')):,}"],
        ["records skipped", f"{sum(skipped.values()):,}"],
        ["fetch failures", f"{len(failures):,}"],
        ["posts scored", f"{scored:,}"],
    ] + [[v, f"{counts[v]:,} ({_pct(counts[v], scored)})"] for v in _VERDICTS]
    out += _md_table(["", "count"], rows)
    if skipped:
        rows = [[_md(r), f"{n:,}"] for r, n in sorted(skipped.items(), key=lambda kv: -kv[1])]
        out += _md_table(["skipped because", "records"], rows)
    if failures:
        rows = [[_md(f.get("url")), _md(f.get("reason"), MD_CHARS)] for f in failures[:MAX_FAILURES]]
        out += _md_table(["fetch failed", "reason"], rows)
    days = [_day(_dict(d)) for d in _list(report.get("days"))]
    if days:
        rows = [
            [_md(date), f"{posts:,}"] + [f"{c[v]:,} ({_pct(c[v], posts)})" for v in _VERDICTS]
            for date, posts, c in days
        ]
        out += _md_table(["day", "posts", "copy", "revision", "original"], rows)
    return out


def _md_sources_and_clusters(report: dict) -> list[str]:
    out = ["## Sources copied most", ""]
    rows = [
        [_md_link(s.get("url"), _md(_str(s.get("title")) or _str(s.get("id")) or "unknown source", MD_CHARS))]
        + [f"{_int(s.get(k)):,}" for k in ("copies", "revisions", "credited", "uncredited")]
        for s in (_dict(s) for s in _list(report.get("top_sources")))
    ]
    out += _md_table(["source", "copies", "revisions", "credited", "not credited"], rows) if rows else [
        "No source was copied.", ""
    ]
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
                rows.append(_md_post(f) + [
                    _md(_RELATIONS.get(_str(m.get("relation")), m.get("relation"))),
                    f"{_ratio(m.get('containment')):.0%}",
                    "yes" if m.get("attributed") is True else "no",
                    _md(text[copied[0][0] : copied[0][1]] if copied else text, MD_CHARS),
                ])
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
