"""Sources named by URL on the command line: fetched (or taken from the cache) and read."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from ..readers.common import ReadResult
from ..readers.reasons import fetch_failed
from ..readers.sources import read_sources
from ..records import Skip, Source
from .fetcher import fetch_sources
from .options import FetchOptions


def default_cache() -> Path:
    """Where fetched sources are kept between scans: ``$XDG_CACHE_HOME/dupfeed/sources.jsonl``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dupfeed" / "sources.jsonl"


def web_sources(
    urls: Iterable[str] = (),
    feeds: Iterable[str] = (),
    *,
    cache: str | Path,
    options: FetchOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReadResult[Source]:
    """The sources behind these page and feed URLs: fetched into ``cache`` unless already
    there, then read back. A URL that gave nothing is a skip with its reason."""
    Path(cache).parent.mkdir(parents=True, exist_ok=True)
    report = fetch_sources(urls, feeds=feeds, store=cache, options=options, progress=progress)
    wanted = set(report.source_ids)
    stored = read_sources(cache)
    result: ReadResult[Source] = ReadResult([s for s in stored.records if s.id in wanted])
    result.skipped = [Skip(f.url, None, fetch_failed(f.reason), f.detail) for f in report.failed]
    return result
