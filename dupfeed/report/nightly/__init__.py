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

from ..html_base import CHUNK
from .markdown import format_nightly_markdown
from .page import format_nightly_html

__all__ = ["CHUNK", "format_nightly_html", "format_nightly_markdown"]
