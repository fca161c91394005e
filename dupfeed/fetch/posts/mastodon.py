"""Mastodon accounts and hashtags through the public REST API (docs.joinmastodon.org).

- **Account**: ``GET /api/v1/accounts/lookup?acct=user`` gives the account (its ``id``,
  ``locked``, ``suspended``), then ``GET /api/v1/accounts/:id/statuses`` its public statuses,
  newest first, 40 a page (the maximum).
- **Hashtag**: ``GET /api/v1/timelines/tag/:hashtag``, paged the same way.
- **Paging** backwards with ``max_id`` (the oldest id of the page before); a ``Link`` header
  without ``rel="next"`` ends the history. **Incrementally** with ``since_id``: a later run asks
  only for statuses newer than the newest it stored.
- **Statuses as the export reader reads them**: ``content`` HTML to text with
  :func:`html_to_text` (shortened link labels read as their targets), mention and hashtag links
  left out of ``links`` (they point at profiles and tag pages), the content warning left out, the
  link card's URL kept. Ids are ``mastodon:<status URI>`` and authors ``user@host``, as in an
  export, so an export and a fetch of the same account are the same posts.
- **Boosts** are native reposts: kind ``repost``, ``repost_of`` the boosted status, the text of
  the boosted status (a repost is never scored as a copy), the booster as author.
- **Visibility**: only ``public`` and ``unlisted`` statuses are kept (logged out, nothing else
  should come back). A locked account that shows no public status is a "private account".
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from ...html.text import html_to_text
from ...readers.common import BadRecord, checked_text, parse_datetime
from ...readers.platforms.mastodon import _inward_links
from ...readers.reasons import DIRECT_MESSAGE, EMPTY_TEXT, MEDIA_WITHOUT_TEXT, MISSING_FIELD, NOT_A_POST, UNREADABLE_DATE
from ...records import Post
from ...urls import extract_urls
from ..failures import ACCOUNT_SUSPENDED, PRIVATE_ACCOUNT, UNEXPECTED_JSON, FetchFailure
from ..http import HttpClient
from .targets import Target
from .timeline import Page, get_json

PAGE_SIZE = 40
"""Statuses asked per page: the API's maximum."""
_NEXT = re.compile(r"""rel=(?:"[^"]*\bnext\b[^"]*"|next\b)""")


def status_post(status: object, host: str) -> Post:
    """The post of a REST API ``Status``; ``host`` is the instance asked (local accounts' ``acct``
    has no domain).

    Raises:
        BadRecord: not a status, no text, no readable date, or not public.
    """
    if not isinstance(status, dict):
        raise BadRecord(NOT_A_POST, type(status).__name__)
    uri = status.get("uri")
    if not isinstance(uri, str) or not uri:
        raise BadRecord(MISSING_FIELD, "uri")
    if status.get("visibility", "public") not in ("public", "unlisted"):
        raise BadRecord(DIRECT_MESSAGE, uri)
    reblog = status.get("reblog")
    shown = reblog if isinstance(reblog, dict) else status
    content = shown["content"] if isinstance(shown.get("content"), str) else ""
    text, hrefs = html_to_text(content)
    media = bool(shown.get("media_attachments") or shown.get("poll"))
    checked_text(text, empty=MEDIA_WITHOUT_TEXT if media else EMPTY_TEXT, detail=uri)
    try:
        created = parse_datetime(status.get("created_at"))
    except ValueError:
        raise BadRecord(UNREADABLE_DATE, repr(status.get("created_at"))) from None
    inward = _inward_links(content)
    card = shown.get("card")
    card_url = card.get("url") if isinstance(card, dict) and isinstance(card.get("url"), str) else None
    links = [h for h in hrefs if h not in inward] + ([card_url] if card_url else []) + extract_urls(text)
    url = next((u for u in (status.get("url"), shown.get("url")) if isinstance(u, str) and u), uri)
    repost_of = f"mastodon:{reblog['uri']}" if isinstance(reblog, dict) and isinstance(reblog.get("uri"), str) else None
    kind = "repost" if isinstance(reblog, dict) else "reply" if status.get("in_reply_to_id") else "post"
    lang = shown.get("language")
    return Post(
        id=f"mastodon:{uri}",
        text=text,
        author=_author(status.get("account"), host),
        created_at=created,
        url=url,
        links=tuple(dict.fromkeys(links)),
        platform="mastodon",
        kind=kind,
        repost_of=repost_of,
        lang=lang if isinstance(lang, str) else None,
    )


def _author(account: object, host: str) -> str | None:
    """``user@host`` of an ``Account``: its ``acct``, with the instance's host for a local one."""
    acct = account.get("acct") if isinstance(account, dict) else None
    if not isinstance(acct, str) or not acct:
        return None
    return acct if "@" in acct else f"{acct}@{host}"


def _status_order(mark: str) -> tuple[Any, ...]:
    # Status ids are decimal strings (snowflakes) that grow with time: compare them as numbers.
    return (len(mark), mark) if mark.isdigit() else (0, mark)


class MastodonTimeline:
    """An account's statuses, or a hashtag's, through an instance's REST API."""

    def __init__(self, client: HttpClient, target: Target):
        self.client, self.target = client, target
        self.locked = False
        self.path = ""

    def open(self) -> None:
        if self.target.kind == "mastodon tag":
            self.path = f"/api/v1/timelines/tag/{quote(self.target.name, safe='')}"
            return
        lookup = f"{self.target.base}/api/v1/accounts/lookup?{urlencode({'acct': self.target.name})}"
        account, _ = get_json(self.client, lookup)
        if not isinstance(account, dict) or not isinstance(account.get("id"), (str, int)):
            raise FetchFailure(UNEXPECTED_JSON, f"{lookup}: not an Account")
        if account.get("suspended"):
            raise FetchFailure(ACCOUNT_SUSPENDED, str(account.get("acct") or self.target.name))
        self.locked = bool(account.get("locked"))
        self.path = f"/api/v1/accounts/{quote(str(account['id']), safe='')}/statuses"

    def page(self, key: str | None, newest: str | None) -> Page:
        query = {"limit": PAGE_SIZE, **({"max_id": key} if key else {}), **({"since_id": newest} if newest else {})}
        url = f"{self.target.base}{self.path}?{urlencode(query)}"
        statuses, response = get_json(self.client, url)
        if not isinstance(statuses, list):
            raise FetchFailure(UNEXPECTED_JSON, f"{url}: not a list of statuses")
        if not statuses and key is None and newest is None and self.locked:
            raise FetchFailure(PRIVATE_ACCOUNT, "a locked account that shows no public post")
        ids = [self.mark(s) for s in statuses]
        link = response.headers.get("Link")
        last = link is not None and not _NEXT.search(link)
        return Page(statuses, None if last or not ids else min(ids, key=_status_order))

    def post(self, item: Any) -> Post:
        return status_post(item, self.target.host)

    def mark(self, item: Any) -> str:
        value = item.get("id") if isinstance(item, dict) else None
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise FetchFailure(UNEXPECTED_JSON, "a status without an id")
        return str(value)

    def order(self, mark: str) -> tuple[Any, ...]:
        return _status_order(mark)

    def incremental(self) -> bool:
        return True
