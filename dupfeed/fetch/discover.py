"""Feeds (RSS, Atom, RDF) and sitemaps expanded to the article URLs they list.

XML is parsed with entities left unexpanded and the network off (no XXE, no "billion laughs").
A feed URL that serves an HTML page is read for the feed it advertises
(``<link rel="alternate" type="application/rss+xml">``); a sitemap URL that serves an HTML page
falls back to the ``Sitemap:`` lines of the host's robots.txt. Sitemap indexes are followed to a
bounded depth and count.
"""

from __future__ import annotations

import email.utils
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from ..html.page import decode_html, discover_feeds
from ..times import utc_iso
from ..urls import is_web_url
from .failures import FEED_NOT_XML, NO_FEED, NOT_A_FEED, NOT_A_SITEMAP, SITEMAP_NOT_XML, FetchFailure
from .http import HttpClient, Response

XML_ACCEPT = "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1"
SITEMAP_MAX_BYTES = 50_000_000
"""The sitemaps.org limit for one (uncompressed) sitemap file."""
MAX_SITEMAP_DEPTH = 3
MAX_SITEMAPS = 100
MAX_LISTED_URLS = 100_000


@dataclass(frozen=True)
class Entry:
    """A page listed by a feed or sitemap, with what the listing says about it."""

    url: str
    title: str | None = None
    published: str | None = None  # ISO 8601, used when the page itself gives no date


@dataclass
class Expansion:
    """The pages a feed or sitemap lists, and the listings that could not be read (url, failure)."""

    entries: list[Entry] = field(default_factory=list)
    failures: list[tuple[str, FetchFailure]] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    """Feed and sitemap URLs that were read fine."""


def _parser(recover: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(body: bytes):
    """The root element of an XML document, or None when the bytes are not XML.

    A document that is almost XML (an unescaped ``&`` in a title, as real feeds have) is read
    in lxml's recovery mode.
    """
    data = body.lstrip(b" \t\r\n")
    if not data.startswith((b"<", b"\xef\xbb\xbf")):
        return None
    for recover in (False, True):
        try:
            root = etree.fromstring(data, _parser(recover))
        except etree.XMLSyntaxError:
            continue
        if root is not None:
            return root
    return None


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _text(element) -> str:
    return "".join(t for t in element.itertext() if isinstance(t, str)).strip()


def _children(element, *names: str):
    return [child for child in element if _local(child) in names]


def _iso_date(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)  # RSS: RFC 822 dates
        except (TypeError, ValueError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return utc_iso(when.astimezone(UTC))


def _web_url(value: str | None, base: str) -> str | None:
    if not value or not value.strip():
        return None
    url = urljoin(base, value.strip())
    parts = urlsplit(url)
    return url if is_web_url(url) and parts.hostname else None


def _entry_link(item, base: str) -> str | None:
    links = _children(item, "link")
    for link in links:  # Atom: <link rel="alternate" href="…"/>, the page itself
        if link.get("href") is not None and (link.get("rel") or "alternate") == "alternate":
            return _web_url(link.get("href"), base)
    for link in links:  # RSS: <link>…</link>
        if link.get("href") is None and _web_url(_text(link), base):
            return _web_url(_text(link), base)
    for guid in _children(item, "guid", "id"):
        if (guid.get("isPermaLink") or "true").lower() != "false" and _web_url(_text(guid), base):
            return _web_url(_text(guid), base)
    return _web_url(item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"), base)


def parse_feed(body: bytes, base: str) -> list[Entry]:
    """The pages an RSS 2.0, RSS 1.0 (RDF) or Atom feed lists, in feed order.

    Raises:
        FetchFailure: ``feed is not XML`` or ``not a feed`` (another XML document).
    """
    root = parse_xml(body)
    if root is None:
        raise FetchFailure(FEED_NOT_XML)
    if _local(root) not in ("rss", "feed", "RDF"):
        raise FetchFailure(NOT_A_FEED, f"root element <{_local(root)}>")
    entries, seen = [], set()
    for item in root.iter():
        if _local(item) not in ("item", "entry"):
            continue
        url = _entry_link(item, base)
        if url is None or url in seen:
            continue
        seen.add(url)
        title = next((_text(t) for t in _children(item, "title")), None) or None
        dates = _children(item, "published", "pubDate", "date", "issued", "updated")
        entries.append(Entry(url, title, next((d for d in map(_iso_date, map(_text, dates)) if d), None)))
    return entries


def parse_sitemap(body: bytes, base: str) -> tuple[list[Entry], list[str]]:
    """``(pages, child sitemaps)`` of a sitemap (``urlset``), a sitemap index, or a text
    sitemap (one URL a line); gzip-compressed files are read too.

    Raises:
        FetchFailure: ``sitemap is not XML`` or ``not a sitemap``.
    """
    if body[:2] == b"\x1f\x8b":
        try:
            body = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, SITEMAP_MAX_BYTES)
        except zlib.error as err:
            raise FetchFailure(SITEMAP_NOT_XML, f"bad gzip data: {err}") from None
    root = parse_xml(body)
    if root is None:
        lines = [line.strip() for line in body.decode("utf-8", errors="replace").splitlines() if line.strip()]
        urls = [_web_url(line, base) if is_web_url(line) else None for line in lines]
        if lines and all(urls):
            return [Entry(u) for u in urls if u], []
        raise FetchFailure(SITEMAP_NOT_XML)
    kind = _local(root)
    if kind not in ("urlset", "sitemapindex"):
        raise FetchFailure(NOT_A_SITEMAP, f"root element <{kind}>")
    pages, children = [], []
    for item in root:
        loc = next((_web_url(_text(x), base) for x in _children(item, "loc")), None)
        if loc is None:
            continue
        if kind == "sitemapindex":
            children.append(loc)
            continue
        # Google News sitemaps give the publication date and title.
        news = next((n for n in _children(item, "news")), None)
        title = published = None
        if news is not None:
            title = next((_text(t) for t in _children(news, "title")), None)
            published = next((_iso_date(_text(d)) for d in _children(news, "publication_date")), None)
        pages.append(Entry(loc, title, published))
    return pages, children


def _is_html(response: Response) -> bool:
    if response.media_type in ("text/html", "application/xhtml+xml"):
        return True
    start = response.body[:512].lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html"))


def fetch_feed(client: HttpClient, url: str) -> Response:
    """The feed document at ``url``, or at the feed an HTML page at ``url`` advertises.

    Raises:
        FetchFailure: the fetch failed, or the page advertises no feed.
    """
    response = client.get(url, accept=XML_ACCEPT)
    if _is_html(response):
        feeds = discover_feeds(decode_html(response.body, response.charset), response.url)
        if not feeds:
            raise FetchFailure(NO_FEED, "an HTML page that advertises no RSS or Atom feed")
        response = client.get(feeds[0], accept=XML_ACCEPT)
        if _is_html(response):
            raise FetchFailure(FEED_NOT_XML, f"{feeds[0]} is an HTML page")
    return response


def expand_feed(client: HttpClient, url: str) -> Expansion:
    """The pages a feed lists; ``url`` may also be a page that advertises its feed."""
    out = Expansion()
    try:
        response = fetch_feed(client, url)
        out.entries = parse_feed(response.body, response.url)
        out.resolved.append(url)
    except FetchFailure as err:
        out.failures.append((url, err))
    return out


def expand_sitemap(client: HttpClient, url: str) -> Expansion:
    """The pages a sitemap lists, following sitemap indexes up to ``MAX_SITEMAP_DEPTH`` levels
    and ``MAX_SITEMAPS`` files; ``url`` may also be a site's page, whose robots.txt names them."""
    out = Expansion()
    queue, seen, read = [(url, 0)], {url}, 0
    while queue and read < MAX_SITEMAPS and len(out.entries) < MAX_LISTED_URLS:
        current, depth = queue.pop(0)
        try:
            response = client.get(current, accept=XML_ACCEPT, max_bytes=SITEMAP_MAX_BYTES)
            read += 1
            if _is_html(response) and depth == 0:
                children = [c for c in client.robots.sitemaps(current) if c not in seen]
                if not children:
                    raise FetchFailure(NOT_A_SITEMAP, "an HTML page, and robots.txt lists no sitemap")
                pages: list[Entry] = []
            else:
                pages, children = parse_sitemap(response.body, response.url)
        except FetchFailure as err:
            out.failures.append((current, err))
            continue
        out.resolved.append(current)
        out.entries.extend(pages[: MAX_LISTED_URLS - len(out.entries)])
        if depth < MAX_SITEMAP_DEPTH:
            for child in children:
                if child not in seen:
                    seen.add(child)
                    queue.append((child, depth + 1))
    return out
