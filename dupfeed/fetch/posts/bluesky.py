"""Bluesky accounts through the public AppView (``app.bsky.feed.getAuthorFeed``, docs.bsky.app).

- **Paging**: 100 feed items a page (the maximum), older pages asked with the ``cursor`` of the
  page before; no ``cursor`` ends the history. The feed has no "since": a later run pages from
  the newest item until it reaches the newest it stored (items sort by ``indexedAt``, a
  repost's by its ``reason.indexedAt``).
- **Posts as the export reader reads them**: the ``record`` of each post view goes through
  the CAR reader's conversion (links from facets, whose offsets are UTF-8 bytes; shortened link
  labels replaced by their URLs; the link card's URL), so ids (``bluesky:<AT URI>``), authors
  (the DID: the handle can change and is not in an export) and URLs are those of an export.
- **Reposts** (``reason`` ``app.bsky.feed.defs#reasonRepost``) are native reposts: kind
  ``repost``, the reposter as author, the reposted post's text and id as ``repost_of``.
- **Logged-out visibility**: an author whose profile carries the ``!no-unauthenticated`` label
  asked that logged-out viewers not see their posts; the AppView still serves them, dupfeed
  honours the wish ("private account") and keeps none.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from ...readers import reasons
from ...readers.common import BadRecord, parse_datetime
from ...readers.platforms.bluesky import _post as record_post
from ...records import Post
from ..failures import PRIVATE_ACCOUNT, UNEXPECTED_JSON, FetchFailure
from ..http import HttpClient
from .targets import Target
from .timeline import Page, get_json

APPVIEW = "https://public.api.bsky.app"
"""The public AppView: answers without an account."""
PAGE_SIZE = 100
REPOST_REASON = "app.bsky.feed.defs#reasonRepost"
NO_UNAUTHENTICATED = "!no-unauthenticated"


def _get(value: object, *path: str) -> Any:
    for name in path:
        value = value.get(name) if isinstance(value, dict) else None
    return value


def item_post(item: object, where: str) -> Post:
    """The post of a ``feedViewPost`` (a post, or a repost of one).

    Raises:
        BadRecord: not a post view, no text, no readable date.
    """
    uri, record, did = _get(item, "post", "uri"), _get(item, "post", "record"), _get(item, "post", "author", "did")
    if not isinstance(uri, str) or not isinstance(record, dict) or not isinstance(did, str):
        raise BadRecord(reasons.NOT_A_POST, "a feed item without post.uri, post.record or post.author.did")
    if isinstance(record.get("text"), str) and not record["text"].strip() and record.get("embed"):
        raise BadRecord(reasons.MEDIA_WITHOUT_TEXT, uri)
    post = record_post(record, did=did, rkey=uri.rsplit("/", 1)[-1], uri=uri, cid=None, member=where)
    reason = _get(item, "reason")
    if _get(reason, "$type") != REPOST_REASON:
        return post
    by, at = _get(reason, "by", "did"), _get(reason, "indexedAt")
    if not isinstance(by, str):
        raise BadRecord(reasons.MISSING_FIELD, "reason.by.did")
    try:
        when = parse_datetime(at)
    except ValueError:
        raise BadRecord(reasons.UNREADABLE_DATE, repr(at)) from None
    repost_uri = _get(reason, "uri")
    native = repost_uri if isinstance(repost_uri, str) else f"repost:{by}:{uri}"
    return replace(post, id=f"bluesky:{native}", author=by, created_at=when, kind="repost", repost_of=post.id, reply_to=None)


def _labelled_private(author: object) -> bool:
    labels = _get(author, "labels")
    return isinstance(labels, list) and any(_get(label, "val") == NO_UNAUTHENTICATED for label in labels)


class BlueskyTimeline:
    """An account's author feed (posts, replies, reposts) through an AppView."""

    def __init__(self, client: HttpClient, target: Target, appview: str = APPVIEW):
        self.client, self.target, self.appview = client, target, appview.rstrip("/")

    def open(self) -> None:
        """Nothing to look up: the feed takes a handle or a DID."""

    def page(self, key: str | None, newest: str | None) -> Page:
        query = {
            "actor": self.target.name,
            "limit": PAGE_SIZE,
            "filter": "posts_with_replies",
            **({"cursor": key} if key else {}),
        }
        url = f"{self.appview}/xrpc/app.bsky.feed.getAuthorFeed?{urlencode(query)}"
        answer, _ = get_json(self.client, url)
        feed = _get(answer, "feed")
        if not isinstance(feed, list):
            raise FetchFailure(UNEXPECTED_JSON, f"{url}: no feed list")
        if any(_get(item, "reason") is None and _labelled_private(_get(item, "post", "author")) for item in feed):
            raise FetchFailure(PRIVATE_ACCOUNT, "the author asks that logged-out viewers not see their posts")
        cursor = _get(answer, "cursor")
        return Page(feed, cursor if isinstance(cursor, str) and cursor else None)

    def post(self, item: Any) -> Post:
        return item_post(item, self.target.url)

    def mark(self, item: Any) -> str:
        at = _get(item, "reason", "indexedAt") if _get(item, "reason") is not None else _get(item, "post", "indexedAt")
        if not isinstance(at, str):
            raise FetchFailure(UNEXPECTED_JSON, "a feed item without indexedAt")
        uri = _get(item, "post", "uri")
        return f"{at} {uri}"

    def order(self, mark: str) -> tuple[Any, ...]:
        at, _, uri = mark.partition(" ")
        try:
            return (parse_datetime(at), uri)
        except ValueError:
            raise FetchFailure(UNEXPECTED_JSON, f"unreadable indexedAt {at!r}") from None

    def incremental(self) -> bool:
        return True
