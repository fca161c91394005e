"""Any RSS or Atom feed of posts (Mastodon's ``/@user.rss``, a blog's microposts), read with
the feed file reader: each entry a post, its HTML to text with link targets. A feed has no
pages and no order to trust: it is read whole each time, and entries already stored are
known by their ids."""

from __future__ import annotations

from typing import Any

from ...errors import InputError
from ...readers.platforms.feeds import _read_feed, parse_feed
from ...records import Post
from ..discover import fetch_feed
from ..failures import FEED_NOT_XML, NOT_A_FEED, FetchFailure
from ..http import HttpClient
from .targets import Target
from .timeline import Page


class FeedTimeline:
    """The entries of one feed, as one page."""

    def __init__(self, client: HttpClient, target: Target):
        self.client, self.target = client, target

    def open(self) -> None:
        """Nothing to look up."""

    def page(self, key: str | None, newest: str | None) -> Page:
        response = fetch_feed(self.client, self.target.url)
        try:
            root = parse_feed(response.body, response.url)
            if root is None:
                raise FetchFailure(NOT_A_FEED, "an XML document that is not RSS or Atom", attempts=response.attempts)
            read = _read_feed(root, response.url, self.target.url)
        except InputError as err:
            raise FetchFailure(FEED_NOT_XML, err.reason, attempts=response.attempts) from None
        return Page(list(read.records), None, read.skipped)

    def post(self, item: Any) -> Post:
        return item

    def mark(self, item: Any) -> str:
        return item.id

    def order(self, mark: str) -> tuple[Any, ...]:
        return (mark,)

    def incremental(self) -> bool:
        return False
