"""URLs in posts, and the canonical form in which two links to one article compare equal."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'\u201c\u201d\u00ab\u00bb]+", re.IGNORECASE)
_TRAILING = ".,;:!?]}\u2026"
_TRACKING = {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref_src"}


def is_web_url(value: str) -> bool:
    """Whether ``value`` is an http(s) URL (scheme in any case) rather than a path or another
    scheme (``javascript:``, ``file:``, ``ftp:``): dupfeed's one test of a web address, for
    command-line and config values, links in pages and links made clickable in reports."""
    return value.lower().startswith(("http://", "https://"))


def extract_urls(text: str) -> list[str]:
    """The URLs written in a text, trailing punctuation removed, in order of appearance."""
    out = []
    for match in _URL_RE.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        # A closing parenthesis ends the URL only when the URL opened none: "(see x.org/a)".
        while url.endswith(")") and url.count("(") < url.count(")"):
            url = url[:-1].rstrip(_TRAILING)
        out.append(url)
    return out


@lru_cache(maxsize=1 << 14)  # a source's URL is compared with every post that matches it
def canonical_url(url: str) -> str:
    """The form in which two links to one page compare equal.

    Scheme and host are lower-cased, ``www.`` and default ports dropped, ``http`` and ``https``
    made one, the path percent-encoded one way, the fragment and a trailing slash dropped, and tracking parameters (``utm_*``,
    ``fbclid``, ``gclid``…) removed; the remaining query parameters are sorted. A link too
    malformed to parse (a port out of range, a broken IPv6 host) is only trimmed: it can then
    equal nothing but itself.
    """
    try:
        return _canonical(url.strip())
    except ValueError:
        return url.strip()


def _canonical(url: str) -> str:
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.IGNORECASE):
        url = "http://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = host.removeprefix("www.")
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = f"{host}:{port}" if port else host
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING
    ]
    # One spelling for every path: "/été" and "/%C3%A9t%C3%A9" are the same page.
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=~").rstrip("/")
    return urlunsplit(("https", netloc, path, urlencode(sorted(query)), ""))


@lru_cache(maxsize=1 << 14)
def host_of(url: str) -> str:
    """The host of a URL without ``www.``, lower-cased (empty when there is none)."""
    try:
        return urlsplit(canonical_url(url)).hostname or ""
    except ValueError:
        return ""
