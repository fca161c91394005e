"""HTML article → main text and metadata, with trafilatura.

Menus, footers, cookie banners and "read also" boxes are left out: kept, they would make every
article of a site resemble every other.
"""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura


@dataclass(frozen=True)
class Extracted:
    """The main text of a page and what trafilatura found about it."""

    text: str
    title: str | None
    author: str | None
    site_name: str | None
    url: str | None
    date: str | None
    lang: str | None


def extract_article(html: bytes | str, *, url: str | None = None) -> Extracted | None:
    """The main text and metadata of an HTML page, or None when it has no main text."""
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False, include_tables=True)
    if doc is None or not (doc.text or "").strip():
        return None
    return Extracted(
        text=doc.text,
        title=doc.title or None,
        author=doc.author or None,
        site_name=doc.sitename or None,
        url=doc.url or url,
        date=doc.date or None,
        lang=doc.language or None,
    )
