"""The one options object of the fetcher: how hard and how politely it asks web servers."""

from __future__ import annotations

from dataclasses import dataclass

from .._version import __version__
from ..errors import require

DEFAULT_USER_AGENT = f"dupfeed/{__version__} (+https://github.com/dupfeed/dupfeed)"


@dataclass(frozen=True)
class FetchOptions:
    """Timeouts, retries and politeness of every request the fetcher makes, validated once.

    Attributes:
        timeout: seconds to wait for a connection or for the next bytes of a response.
        total_timeout: most seconds spent on one response, body included (a server that
            trickles bytes cannot hold a worker for ever).
        retries: further attempts after a timeout, a dropped connection, a 429 or a 5xx.
            Each waits ``backoff * 2 ** n`` seconds first (n = 0, 1, …), or what the server's
            ``Retry-After`` asks, never more than ``max_wait``.
        backoff: seconds before the first retry; doubles at each further one.
        max_wait: longest wait before a retry, in seconds, whatever the backoff or a
            ``Retry-After`` header asks (a server asking for an hour gets ``max_wait``).
        delay: seconds between the starts of two requests to one host. A robots.txt
            ``Crawl-delay`` that asks for more is honoured, up to 60 seconds.
        concurrency: requests in flight at once, over all hosts (worker threads).
        user_agent: the ``User-Agent`` header, also the name matched in robots.txt.
        max_bytes: largest response read (after decompression); a bigger page is recorded as
            "page too large" and its download stopped.
        max_redirects: redirects followed per request; one more is "too many redirects".
    """

    timeout: float = 10.0
    total_timeout: float = 60.0
    retries: int = 2
    backoff: float = 1.0
    max_wait: float = 30.0
    delay: float = 1.0
    concurrency: int = 4
    user_agent: str = DEFAULT_USER_AGENT
    max_bytes: int = 5_000_000
    max_redirects: int = 5

    def __post_init__(self) -> None:
        require(self.timeout > 0 and self.total_timeout >= self.timeout, "need 0 < timeout <= total_timeout")
        require(0 <= self.retries <= 10, "retries must be between 0 and 10")
        require(self.backoff >= 0 and self.max_wait >= 0, "backoff and max_wait must be >= 0")
        require(self.delay >= 0, "delay must be >= 0")
        require(1 <= self.concurrency <= 32, "concurrency must be between 1 and 32")
        require(bool(self.user_agent.strip()) and "\n" not in self.user_agent, "user_agent must be one non-empty line")
        require(self.max_bytes >= 1024, "max_bytes must be at least 1024")
        require(0 <= self.max_redirects <= 20, "max_redirects must be between 0 and 20")
