"""Why a fetch failed: one exception, and the short reasons the summary counts.

A reason is a stable string ("timeout", "HTTP 404", "page too large"…): the run summary counts
failures per reason and the store keeps it with each failed record, so a user can grep for it.
HTTP errors read ``HTTP <status>``.
"""

from __future__ import annotations

from ..errors import DupfeedError

# Network and HTTP
TIMEOUT = "timeout"
REFUSED = "connection refused"
CONNECTION = "connection failed"
NO_HOST = "host not found"
TLS = "TLS error"
BAD_URL = "unsupported URL"
TOO_MANY_REDIRECTS = "too many redirects"
BAD_REDIRECT = "bad redirect"
TOO_LARGE = "page too large"
BAD_ENCODING = "bad content encoding"
INTERRUPTED = "interrupted"
# robots.txt
DISALLOWED = "disallowed by robots.txt"
ROBOTS_UNAVAILABLE = "robots.txt unavailable"
# Pages
NOT_HTML = "not HTML"
NO_TEXT = "no main text"
EXTRACTION_FAILED = "extraction failed"
# Feeds and sitemaps
FEED_NOT_XML = "feed is not XML"
NOT_A_FEED = "not a feed"
NO_FEED = "no feed found"
SITEMAP_NOT_XML = "sitemap is not XML"
NOT_A_SITEMAP = "not a sitemap"
# Accounts and their posts (Mastodon, Bluesky)
ACCOUNT_NOT_FOUND = "account not found"
ACCOUNT_SUSPENDED = "account suspended"
PRIVATE_ACCOUNT = "private account"
NOT_JSON = "malformed JSON"
UNEXPECTED_JSON = "unexpected JSON"
ENDLESS_PAGER = "endless pager"


class FetchFailure(DupfeedError):
    """A URL that gave nothing usable: ``reason`` is counted, ``detail`` explains.

    ``attempts`` is how many requests were made for it in this run (retries included). An
    HTTP error answer keeps its ``status`` and the start of its ``body`` (an API says there why).
    """

    def __init__(self, reason: str, detail: str = "", *, attempts: int = 1, status: int | None = None, body: bytes = b""):
        self.reason = reason
        self.detail = detail
        self.attempts = attempts
        self.status = status
        self.body = body
        super().__init__(f"{reason} ({detail})" if detail else reason)
