"""Posts named by URL on the command line or in the nightly config: fetched into a posts file
(a cache, unless asked for what is new) and read back, only those of these URLs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ...readers.common import BadRecord, ReadResult
from ...readers.posts import post_from_mapping
from ...readers.reasons import fetch_failed
from ...records import Post, Skip
from ..cache import read_store
from ..options import FetchOptions
from ..web_sources import default_cache
from .bluesky import APPVIEW
from .run import fetch_posts
from .store import read_cursors


def default_posts_cache() -> Path:
    """Where fetched posts are kept between scans: ``$XDG_CACHE_HOME/dupfeed/posts.jsonl``."""
    return default_cache().with_name("posts.jsonl")


def web_posts(
    urls: Iterable[str],
    *,
    cache: str | Path,
    options: FetchOptions | None = None,
    appview: str = APPVIEW,
    progress: Callable[[int, int], None] | None = None,
) -> ReadResult[Post]:
    """The posts behind these URLs: what is new fetched into ``cache``, then every post stored
    for them read back. A URL that failed is a skip with its reason (its posts stored by earlier
    runs are still read)."""
    urls = list(dict.fromkeys(urls))
    report = fetch_posts(urls, out=cache, options=options, appview=appview, progress=progress)
    wanted = set(urls)
    also = {i for url in urls for i in read_cursors(cache).get(url, {}).get("also", [])}
    records, _ = read_store(cache)  # the fetch has warned about its lines already
    result: ReadResult[Post] = ReadResult()
    for row in records:
        if row.get("feed") not in wanted and row.get("id") not in also:
            continue
        try:
            result.records.append(post_from_mapping(row, platform=str(row.get("platform") or "jsonl")))
        except BadRecord as err:
            result.skipped.append(err.skip(str(cache), None))
    result.skipped.extend(Skip(f.url, None, fetch_failed(f.reason), f.detail) for f in report.failed)
    result.skipped.extend(report.skipped)
    return result
