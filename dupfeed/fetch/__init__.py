"""Fetch source articles from the web into the JSONL source file that ``dupfeed scan`` reads.

    from dupfeed.fetch import FetchOptions, fetch_sources
    report = fetch_sources(["https://example.org/news/1"], feeds=["https://example.org/"],
                           store="sources.jsonl", options=FetchOptions(delay=2.0))

Pages are fetched politely (robots.txt, per-host delay, bounded retries and sizes, see
:class:`FetchOptions`), their main text and metadata extracted with trafilatura, and each
appended as one line; a URL already stored is not fetched again unless ``refresh`` is set.
"""

from .cache import read_store
from .failures import FetchFailure
from .fetcher import Failed, FetchReport, check_url, fetch_sources
from .options import DEFAULT_USER_AGENT, FetchOptions

__all__ = [
    "DEFAULT_USER_AGENT",
    "Failed",
    "FetchFailure",
    "FetchOptions",
    "FetchReport",
    "check_url",
    "fetch_sources",
    "read_store",
]
