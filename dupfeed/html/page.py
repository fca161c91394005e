"""A fetched HTML page → text in the right encoding, its declared canonical URL, language and feeds."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from ..urls import is_web_url
from .extract import normalize_lang

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# WHATWG Encoding Standard: browsers read these labels as windows-1252, and so do pages.
_AS_WINDOWS_1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "cp819", "iso_8859-1"}
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")


def _codec(label: str | None) -> str | None:
    """A Python codec for an encoding label, or None when the label names none."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _AS_WINDOWS_1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(body: bytes, http_charset: str | None = None) -> str | bytes:
    """The page as text, in the encoding it declares.

    The HTTP ``charset`` wins, then a byte-order mark, then ``<meta charset>`` (or its
    ``http-equiv`` form) in the first 4 KB, then UTF-8 when the bytes are valid UTF-8.
    Undecodable bytes are replaced, not fatal. With no usable declaration and bytes that are
    not UTF-8, the bytes are returned unchanged for trafilatura to guess.
    """
    if body.startswith(codecs.BOM_UTF8):
        declared = "utf-8"
        body = body[len(codecs.BOM_UTF8) :]
    else:
        declared = None
    codec = _codec(http_charset) or declared
    if codec is None:
        found = _META_CHARSET.search(body[:4096])
        codec = _codec(found.group(1).decode("ascii", "replace")) if found else None
        # A meta tag readable as ASCII cannot be in UTF-16: the page is UTF-8 (WHATWG rule).
        if codec is not None and codec.startswith(("utf-16", "utf-32")):
            codec = "utf-8"
    if codec is not None:
        return body.decode(codec, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body


@dataclass(frozen=True)
class PageMeta:
    """What a page declares about itself in its ``<head>``."""

    canonical: str | None
    lang: str | None
    feeds: tuple[str, ...] = ()


def _parse(html: str | bytes):
    if isinstance(html, str):
        # lxml refuses str input that carries an XML encoding declaration (XHTML pages).
        html = _XML_DECLARATION.sub("", html, count=1)
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _trusted_canonical(declared: str | None, page_url: str) -> str | None:
    """The declared canonical URL, absolute, unless it cannot name this page.

    A canonical that is the site's home page while the page is not is a known CMS bug (every
    article "is" the home page); trusted, it would merge a whole site into one source.
    """
    if not declared or not declared.strip():
        return None
    url = urljoin(page_url, declared.strip())
    parts, page = urlsplit(url), urlsplit(page_url)
    if not is_web_url(url) or not parts.hostname:
        return None
    if parts.path in ("", "/") and not parts.query and page.path not in ("", "/"):
        return None
    return url


def page_meta(html: str | bytes, page_url: str) -> PageMeta:
    """The canonical URL (``<link rel=canonical>``, else ``og:url``), the language
    (``<html lang>``, else ``og:locale``) and the RSS/Atom feeds a page declares.

    The canonical is read here rather than taken from trafilatura, which drops the query
    string (``spip.php?article8532`` becomes ``spip.php``, merging every article of a site).
    """
    root = _parse(html)
    if root is None:
        return PageMeta(None, None)
    canonical = None
    for link in root.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels and canonical is None:
            canonical = link.get("href")
    if canonical is None:
        for meta in root.iter("meta"):
            if (meta.get("property") or meta.get("name") or "").lower() == "og:url":
                canonical = meta.get("content")
                break
    lang = (root.get("lang") or root.get("xml:lang") or "").strip()
    if not lang:
        for meta in root.iter("meta"):
            if (meta.get("property") or "").lower() == "og:locale":
                lang = (meta.get("content") or "").strip()
                break
    return PageMeta(_trusted_canonical(canonical, page_url), normalize_lang(lang), tuple(feed_links(root, page_url)))


def feed_links(root, page_url: str) -> list[str]:
    """The RSS/Atom feeds a parsed page advertises (``<link rel="alternate" type="…rss+xml">``)."""
    found = []
    for link in root.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rels and kind in FEED_TYPES and href:
            url = urljoin(page_url, href)
            if url not in found:
                found.append(url)
    return found


def discover_feeds(html: str | bytes, page_url: str) -> list[str]:
    """The RSS/Atom feeds an HTML page advertises, absolute, in page order."""
    root = _parse(html)
    return [] if root is None else feed_links(root, page_url)
