"""HTML article → main text and metadata, with trafilatura.

Menus, footers, cookie banners and "read also" boxes are left out: kept, they would make every
article of a site resemble every other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import trafilatura
from trafilatura.settings import Document

_HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)", re.IGNORECASE)


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
    # A Document, or None; typed as possibly a dict too, which only as_dict=True gives.
    if not isinstance(doc, Document) or not doc.text or not doc.text.strip():
        return None
    return Extracted(
        text=doc.text,
        title=doc.title or None,
        author=doc.author or None,
        site_name=doc.sitename or None,
        url=doc.url or url,
        date=doc.date or None,
        lang=normalize_lang(doc.language) or _declared_lang(html),
    )


def normalize_lang(value: str | None) -> str | None:
    """A language tag as its lower-case primary subtag (``fr-FR``, ``en_US`` → ``fr``, ``en``)."""
    primary = re.split(r"[-_]", (value or "").strip())[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def _declared_lang(html: bytes | str) -> str | None:
    """The language the page declares in ``<html lang>`` (trafilatura only guesses it with an
    optional language detector, which dupfeed does not install)."""
    head = html[:4096] if isinstance(html, bytes) else html[:4096].encode("utf-8", "replace")
    found = _HTML_LANG.search(head)
    return normalize_lang(found.group(1).decode("ascii")) if found else None
