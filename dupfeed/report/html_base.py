"""What every HTML page of dupfeed shares: one stylesheet, escaping, links, marked passages,
and the findings shown the same way on the scan page and in the nightly report.

Pages are self-contained (no script, nothing loaded) and every text in them is escaped. A link
is made only to an http(s) URL without spaces or control characters; any other (``javascript:``,
``data:``, a bare path) is shown as text, never as an ``href``: posts and sources are not trusted.

Findings are given as JSON-ready dicts (a finding's ``to_dict()`` with the post's ``url`` and
``text``, each match with its ``title`` and an ``excerpt`` of the matched text) and read
defensively: odd data (missing keys, wrong types, spans out of range) is shown as far as it
makes sense, never raised on. They are grouped by verdict, then by the source or post they copy
most, in closed ``<details>`` with counts in their summaries; a group of more than ``CHUNK``
posts is cut into blocks of ``CHUNK``, and past the ``TOP_GROUPS`` biggest groups of a verdict
the rest are folded into one block. Each side of a post/match pair is cut around its copied
passages, the sides sharing a page's text budget (at most ``SIDE_CHARS`` characters a side,
never under ``MIN_SIDE_CHARS``); a cut and a highlight never start or end inside a word, and a
text file's front matter (``---`` … ``---``) is not shown as its text.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from html import escape

from ..records import VERDICT_RANK, VERDICTS
from ..urls import is_web_url

SIDE_CHARS = 1500  # most characters of text shown on one side of a post/match pair
MIN_SIDE_CHARS = 400  # fewest, however many findings share the budget
CHUNK = 50  # findings per collapsed block inside one group
TOP_GROUPS = 100  # groups of a verdict shown one by one; the rest are folded into one block
OTHER_MATCHES = 5  # weaker matches of a finding named under its strongest one
WORD_REACH = 30  # most characters a cut or a highlight moves to reach the edge of a word
_RELATIONS = {
    "source": "copied from a source",
    "self_repost": "repost of an own earlier post",
    "cross_author": "copied from another author's post",
}

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:78rem;padding:0 1rem;color:#222;overflow-wrap:anywhere}
h1{font-size:1.6rem} h2{margin-top:2.4rem;border-bottom:1px solid #ddd} h3{margin-bottom:.3rem}
nav,.summary{background:#f4f4f6;padding:.5rem 1rem;border-radius:6px} nav ul{margin:.2rem 0}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:.8rem 0}
.card{background:#f4f4f6;border-radius:6px;padding:.4rem .9rem;min-width:9rem}
.card b{display:block;font-size:1.4rem} table{border-collapse:collapse;margin:.6rem 0}
th,td{text-align:left;padding:.2rem .9rem .2rem 0;border-bottom:1px solid #eee;vertical-align:top}
.summary td{border-bottom:0} .n{text-align:right;font-variant-numeric:tabular-nums}
details{border:1px solid #ddd;border-radius:6px;margin:.5rem 0;padding:.3rem .8rem} summary{cursor:pointer}
.verdict,.status{text-transform:uppercase;font-size:.75rem;padding:.1rem .4rem;border-radius:4px;color:#fff;
background:#666} .copy{background:#b3261e} .revision{background:#c77700} .original{background:#1b6e20}
.ok{background:#1b6e20} .partial{background:#c77700} .failed{background:#b3261e}
.finding{border-top:1px solid #eee;padding:.5rem 0} .pair{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1rem}
.text{white-space:pre-wrap;overflow-wrap:anywhere;background:#fafafa;padding:.5rem;border-radius:4px;
font-size:.9rem;max-height:24rem;overflow:auto} mark{background:#ffe08a}
.meta{color:#555;font-size:.85rem} .credited{color:#1b6e20} .uncredited{color:#b3261e}
svg{max-width:100%;height:auto}
@media (max-width:700px){body{margin:1rem auto;padding:0 .5rem} .pair{grid-template-columns:minmax(0,1fr)}
th,td{padding:.2rem .4rem .2rem 0} details{padding:.3rem .4rem}}
"""
"""The stylesheet of every page: the scan page's and the nightly report's parts, one look."""

_NOT_PLAIN = re.compile(r"[\s\x00-\x1f\x7f]")


def esc(text: str) -> str:
    """``text`` escaped for HTML, quotes included (safe in an attribute too)."""
    return escape(text, quote=True)


def safe_url(value: object) -> str | None:
    """The URL (stripped) when it is a plain http(s) link, else None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    plain = is_web_url(url) and url.partition("://")[2] != "" and not _NOT_PLAIN.search(url)
    return url if plain else None


def link(url: object, label_html: str) -> str:
    """``label_html`` linked to ``url`` when that is a plain http(s) URL, else left unlinked."""
    safe = safe_url(url)
    return f'<a href="{esc(safe)}" rel="nofollow noreferrer">{label_html}</a>' if safe else label_html


def marked(text: str, ranges: Iterable[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` escaped, each ``[s, e)`` of ``ranges`` inside it wrapped in ``<mark>``
    (ranges may overlap; a range partly outside is cut to the part inside)."""
    end = len(text) if end is None else end
    out, at = [], start
    for s, e in sorted(ranges):
        s, e = max(s, at), min(e, end)
        if s < e:
            out += [esc(text[at:s]), f"<mark>{esc(text[s:e])}</mark>"]
            at = e
    out.append(esc(text[at:end]))
    return "".join(out)


def page(title: str, body_html: str) -> str:
    """A whole page: ``title`` as its title and heading, then ``body_html``."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1>{body_html}</body></html>\n"
    )


# --- reading findings defensively -----------------------------------------------------------


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


def _in_word(char: str) -> bool:
    return char.isalnum() or char in "'’&#"  # an elision (C'est, l’État), an entity (&lt; &#39;)


def _outward(text: str, start: int, end: int) -> tuple[int, int]:
    """A highlight ``[start, end)`` grown to whole words: passages start at the words the engine
    compares, which would leave an elided ``C'`` or an entity written in a text (``&lt;``)
    outside the mark; a word longer than ``WORD_REACH`` (a URL) is left as it is."""
    s, e = start, end
    while s > 0 and _in_word(text[s - 1]) and start - s < WORD_REACH:
        s -= 1
    while 0 < e < len(text) and text[e].isalnum() and text[e - 1].isalnum() and e - end < WORD_REACH:
        e += 1
    return (s if s == 0 or not _in_word(text[s - 1]) else start), (e if e == len(text) or not text[e].isalnum() else end)


def _passage(text: str, start: int, end: int) -> str:
    """The text of a passage ``[start, end)`` as a quote shows it: from the start of its first
    word to the end of its last (see :func:`_outward`)."""
    s, e = _outward(text, start, end)
    return text[s:e]


def _inward(text: str, start: int, end: int) -> tuple[int, int]:
    """A cut ``[start, end)`` of a text shrunk to whole words, so that it never shows a word's tail or head."""
    s, e = start, end
    while s < e and s > 0 and not text[s - 1].isspace() and s - start < WORD_REACH:
        s += 1
    while e > s and e < len(text) and not text[e].isspace() and end - e < WORD_REACH:
        e -= 1
    return (s if s == 0 or s == e or text[s - 1].isspace() else start), (e if e == len(text) or text[e].isspace() else end)


_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(?:.*\r?\n){0,48}?---[ \t]*(?:\r?\n|\Z)")


def _body_start(text: str) -> int:
    """Where a text file's body starts: after its front matter (``title:``, ``url:``… between
    two ``---`` lines at the top, as the sources reader reads it), else 0."""
    found = _FRONT_MATTER.match(text)
    return found.end() if found else 0


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


def _highlight(text: str, ranges: list[tuple[int, int]], limit: int, *, lead: bool = False, skip: int = 0) -> str:
    """``text`` escaped and cut to ``limit`` characters around ``ranges``, each in ``<mark>``;
    marks and cuts on whole words, the first ``skip`` characters (front matter) left out.

    "…" stands for each cut; ``lead`` says the text is itself cut from a longer document.
    """
    ranges = _merge([_outward(text, max(s, skip), e) for s, e in ranges if e > skip])
    shown = _windows(len(text) - skip, [(s - skip, e - skip) for s, e in ranges], limit)
    windows = [_inward(text, s + skip, e + skip) for s, e in shown]
    out = ["…" if lead or (windows and windows[0][0] > skip) else ""]
    for i, (start, end) in enumerate(windows):
        out.append(" … " if i else "")
        out.append(marked(text, ranges, start, end))
    out.append("…" if windows and windows[-1][1] < len(text) else "")
    return "".join(out)


# --- findings, as both pages show them --------------------------------------------------------


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


def _badge(verdict) -> str:
    name = _str(verdict)
    return f'<span class="verdict {name if name in VERDICTS else "other"}">{_esc(name or "unknown")}</span>'


def _finding_html(finding: dict, side: int) -> str:
    """One post beside its strongest match, the copied passages marked on both sides."""
    match, others = _strongest(finding)
    text = _str(finding.get("text"))
    where = " · ".join(_esc(finding.get(k)) for k in ("created_at", "platform", "kind") if finding.get(k))
    out = [
        (
            f'<article class="finding"><p>{_badge(finding.get("verdict"))} '
            f"<b>{link(finding.get('url'), _esc(finding.get('id')))}</b> by {_esc(finding.get('author') or 'unknown')} "
            f'<span class="meta">{where}</span></p>'
        )
    ]
    if match is None:
        return "".join(out) + f'<div class="text">{_highlight(text, [], side)}</div></article>'
    credit = (
        '<span class="credited">credited</span>'
        if match.get("attributed") is True
        else '<span class="uncredited">not credited</span>'
    )
    relation = _str(match.get("relation"))
    out.append(
        f'<p class="meta">{_esc(_RELATIONS.get(relation, relation))}: '
        f"<b>{link(match.get('url'), _esc(_target_label(match)))}</b> · "
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
        skip = _body_start(ex_text) if ex_start == 0 else 0  # a text file's front matter is not its text
        theirs = _highlight(ex_text, ranges, side, lead=ex_start > 0, skip=skip)
    out.append(f'<div class="pair"><div class="text">{mine}</div><div class="text">{theirs}</div></div>')
    if others:
        names = ", ".join(
            f"{link(o.get('url'), _esc(_target_label(o)))} ({_ratio(o.get('containment')):.0%})" for o in others[:OTHER_MATCHES]
        )
        more = f" and {len(others) - OTHER_MATCHES:,} more" if len(others) > OTHER_MATCHES else ""
        out.append(f'<p class="meta">also matches {names}{more}</p>')
    return "".join(out) + "</article>"


def _group_html(group: Group, side: int) -> str:
    label, match, findings = group
    credited = _credited(findings)
    kind = "" if match is None else " (source)" if match.get("kind") == "source" else " (post)"
    url = _str(match.get("url")) if match else ""
    body = [f'<p class="meta">{link(url, _esc(url))}</p>' if url else ""]  # an unsafe URL shown as text
    if len(findings) <= CHUNK:
        body += [_finding_html(f, side) for f in findings]
    else:
        for at in range(0, len(findings), CHUNK):
            part = findings[at : at + CHUNK]
            body.append(
                f"<details><summary>posts {at + 1:,}–{at + len(part):,}</summary>"
                + "".join(_finding_html(f, side) for f in part)
                + "</details>"
            )
    return (
        f"<details><summary><b>{_esc(label)}</b>{kind} · {_plural(len(findings), 'post')} · "
        f"{credited:,} credited, {len(findings) - credited:,} not</summary>{''.join(body)}</details>"
    )


def _findings_html(groups: list[tuple[str, list[Group]]], total: int, budget: int, *, min_side: int = MIN_SIDE_CHARS) -> str:
    """Every finding, grouped, both sides of all of them sharing ``budget`` characters of text
    (a side keeps at least ``min_side``)."""
    if not total:
        return "<p>No copies or revisions found.</p>"
    side = min(SIDE_CHARS, max(min_side, budget // (2 * total)))
    out = [
        (
            f"<p>{_plural(total, 'post')} that are not original, by verdict and then by the source or post "
            "they copy most; each beside its match, the copied passages marked, texts cut to "
            f"{side:,} characters around them.</p>"
        )
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
                + "".join(_group_html(g, side) for g in rest)
                + "</details>"
            )
    return "".join(out)
