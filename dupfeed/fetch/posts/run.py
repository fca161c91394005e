"""One ``dupfeed posts fetch`` run: each URL paged through, its new posts appended, its cursor
kept, a failure recorded with its reason while the run goes on."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...records import Post, Skip
from ...times import utc_now
from ..failures import FetchFailure
from ..fetcher import Failed, RunReport
from ..http import HttpClient
from ..options import FetchOptions
from .bluesky import APPVIEW, BlueskyTimeline
from .feed import FeedTimeline
from .mastodon import MastodonTimeline
from .store import PostsFile
from .targets import Target, target_of
from .timeline import Timeline, collect

DEFAULT_MAX_PAGES = 25
"""Pages asked per URL and run: 1,000 Mastodon statuses, 2,500 Bluesky items; a nightly run
asks only for what is new, so this bounds only a first fetch and a runaway pager."""


@dataclass
class PostsReport(RunReport):
    """What one run did. Every URL is either fetched (``fetched_urls``) or ``failed``."""

    fetched: int = 0
    """New posts written."""
    known: int = 0
    """Posts listed again that the file already holds."""
    fetched_urls: int = 0
    cut: list[str] = field(default_factory=list)
    """URLs whose history was cut at ``max_pages`` (their older posts not asked for)."""
    skipped: list[Skip] = field(default_factory=list)
    """Items that are no usable post (a media-only status, an unreadable date), with reasons."""

    @property
    def ok(self) -> bool:
        """Whether every URL was fetched and no item was bad (left-out items do not count)."""
        return not self.failed and not any(s.is_fault for s in self.skipped)


def timeline_of(target: Target, client: HttpClient, appview: str) -> Timeline:
    """The platform's view of a target."""
    if target.kind == "bluesky account":
        return BlueskyTimeline(client, target, appview)
    if target.kind == "feed":
        return FeedTimeline(client, target)
    return MastodonTimeline(client, target)


class _Run:
    def __init__(self, store: PostsFile, report: PostsReport):
        self.store, self.report = store, report

    def fetch(self, target: Target, timeline: Timeline, max_pages: int) -> None:
        previous = self.store.cursors.get(target.url, {})
        newest = previous.get("newest") if isinstance(previous.get("newest"), str) else None
        also = [i for i in previous.get("also", []) if isinstance(i, str)]

        def keep(post: Post) -> None:
            if self.store.add(post, target.url):
                self.report.fetched += 1
                return
            self.report.known += 1
            if self.store.ids.get(post.id) != target.url and post.id not in also:
                also.append(post.id)

        state: dict[str, Any] = {"kind": target.kind, "newest": newest, "also": also}
        try:
            outcome = collect(timeline, newest, max_pages, keep, self.report.skipped.append, target.url)
        except FetchFailure as err:
            attempts = err.attempts + (previous.get("attempts", 0) if previous.get("status") == "failed" else 0)
            state |= {"status": "failed", "reason": err.reason, "detail": err.detail, "attempts": attempts}
            self.report.failed.append(Failed(target.url, target.kind, err.reason, err.detail))
        else:
            if outcome.newest is not None and (newest is None or timeline.order(outcome.newest) > timeline.order(newest)):
                state["newest"] = outcome.newest
            state["status"] = "ok"
            self.report.fetched_urls += 1
            if outcome.cut:
                self.report.cut.append(target.url)
        state["fetched_at"] = utc_now()
        self.store.save_cursor(target.url, state)


def fetch_posts(
    urls: Iterable[str],
    *,
    out: str | Path,
    options: FetchOptions | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    appview: str = APPVIEW,
    progress: Callable[[int, int], None] | None = None,
    client: HttpClient | None = None,
) -> PostsReport:
    """Fetch the public posts behind ``urls`` (Mastodon accounts and hashtags, Bluesky accounts,
    feeds: see :mod:`dupfeed.fetch.posts.targets`) into the JSON Lines file ``out``.

    Each URL is paged through newest first, politely (see :class:`FetchOptions`); a URL fetched
    before is asked only for what is newer than its cursor. A post already in ``out`` is not
    written again. A URL that fails (an unknown account, a server error after the retries,
    malformed JSON, an endless pager, a private account) is recorded with its reason, its
    cursor left where it was, and the run goes on.

    Args:
        max_pages: pages asked per URL (a first fetch of a long history stops there).
        appview: the Bluesky AppView asked (a mirror, or a test server).
        progress: called as ``progress(done, total)`` after each URL.
        client: the HTTP client to use (tests pass one with a recording ``sleep``).

    Raises:
        InputError: a URL is not http(s), or ``out`` cannot be opened.
    """
    targets = list({t.url: t for t in map(target_of, urls)}.values())
    if max_pages < 1:
        raise InputError("max_pages must be >= 1")
    client = client or HttpClient(options)
    report = PostsReport()
    with PostsFile(out) as store:
        report.warnings.extend(store.warnings)
        run = _Run(store, report)
        for done, target in enumerate(targets, start=1):
            run.fetch(target, timeline_of(target, client, appview), max_pages)
            if progress is not None:
                progress(done, len(targets))
    return report
