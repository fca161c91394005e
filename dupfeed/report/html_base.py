"""What every HTML page of dupfeed shares: one stylesheet, escaping, links, marked passages.

Pages are self-contained (no script, nothing loaded) and every text in them is escaped. A link
is made only to an http(s) URL without spaces or control characters; any other (``javascript:``,
``data:``, a bare path) is shown as text, never as an ``href``: posts and sources are not trusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape

from ..urls import is_web_url

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:78rem;padding:0 1rem;color:#222}
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
.finding{border-top:1px solid #eee;padding:.5rem 0} .pair{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
.text{white-space:pre-wrap;overflow-wrap:anywhere;background:#fafafa;padding:.5rem;border-radius:4px;
font-size:.9rem;max-height:24rem;overflow:auto} mark{background:#ffe08a}
.meta{color:#555;font-size:.85rem} .credited{color:#1b6e20} .uncredited{color:#b3261e}
svg{max-width:100%;height:auto} @media (max-width:700px){.pair{grid-template-columns:1fr}}
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
