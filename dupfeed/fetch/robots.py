"""robots.txt, fetched once per host through the fetcher's own client and cached for the run.

Follows RFC 9309: a robots.txt that does not exist (any 4xx) allows everything; one that cannot
be reached (5xx, network failure) disallows the whole host for this run, and its pages are
recorded as failed, to be tried again next time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from .failures import BAD_REDIRECT, DISALLOWED, ROBOTS_UNAVAILABLE, TOO_LARGE, TOO_MANY_REDIRECTS, FetchFailure

MAX_ROBOTS_BYTES = 512_000
"""RFC 9309 asks crawlers to read at least 500 KiB of a robots.txt."""
ROBOTS_ACCEPT = "text/plain,*/*;q=0.1"
MAX_CRAWL_DELAY = 60.0
"""Longest ``Crawl-delay`` honoured, in seconds: a longer one would stall a run for hours."""


class RobotsCache:
    """The robots.txt rules of each host (``scheme://host:port``) met during one run.

    ``fetch`` takes a robots.txt URL and returns its body, raising :class:`FetchFailure` as the
    client's GET does (the client hands in its GET without the robots.txt check).
    """

    def __init__(self, fetch: Callable[[str], bytes], user_agent: str):
        self._fetch = fetch
        self._agent = user_agent
        self._rules: dict[str, RobotFileParser | FetchFailure] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _rules_for(self, url: str) -> RobotFileParser | FetchFailure:
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        with self._guard:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:  # one robots.txt request per host, however many threads ask
            if origin not in self._rules:
                self._rules[origin] = self._load(origin)
        return self._rules[origin]

    def sitemaps(self, url: str) -> list[str]:
        """The sitemaps that the robots.txt of ``url``'s host lists (``Sitemap:`` lines)."""
        rules = self._rules_for(url)
        return list(rules.site_maps() or []) if isinstance(rules, RobotFileParser) else []

    def check(self, url: str) -> float:
        """The crawl delay (seconds) the host asks of us, once we know ``url`` may be fetched.

        Raises:
            FetchFailure: robots.txt disallows the URL, or could not be read.
        """
        rules = self._rules_for(url)
        if isinstance(rules, FetchFailure):
            raise FetchFailure(rules.reason, rules.detail)
        if not rules.can_fetch(self._agent, url):
            raise FetchFailure(DISALLOWED)
        return min(float(rules.crawl_delay(self._agent) or 0.0), MAX_CRAWL_DELAY)

    def _load(self, origin: str) -> RobotFileParser | FetchFailure:
        parser = RobotFileParser(origin + "/robots.txt")
        try:
            body = self._fetch(origin + "/robots.txt")
        except FetchFailure as err:
            if err.reason.startswith("HTTP 5"):
                return FetchFailure(ROBOTS_UNAVAILABLE, f"robots.txt: {err.reason}")
            if err.reason.startswith("HTTP 4") or err.reason in (TOO_LARGE, TOO_MANY_REDIRECTS, BAD_REDIRECT):
                parser.parse([])  # "unavailable" in RFC 9309 terms: no rules, everything allowed
                return parser
            # Unreachable: the pages of this host would fail the same way.
            return FetchFailure(err.reason, f"robots.txt: {err.detail or err.reason}")
        parser.parse(body.decode("utf-8", errors="replace").splitlines())
        return parser
