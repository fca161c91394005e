"""One account's (or hashtag's, or feed's) posts, page by page, newest first: what each
platform module provides, and the loop that pages through any of them.

The loop stops at the end of the history, at the first post already fetched by an earlier
run (``newest``), or after ``max_pages``; a pager that asks for a page it already gave, or
whose page brings only posts it already gave, is an "endless pager" and stops the URL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ...readers.common import BadRecord
from ...records import Post, Skip
from ..failures import ACCOUNT_NOT_FOUND, ACCOUNT_SUSPENDED, ENDLESS_PAGER, NOT_JSON, PRIVATE_ACCOUNT, FetchFailure
from ..http import HttpClient, Response

JSON_ACCEPT = "application/json"


@dataclass
class Page:
    """One page of a timeline: its items (newest first), what to ask for the next (older) page
    (None: this was the last), and entries skipped while reading it."""

    items: list[Any]
    next: str | None = None
    skipped: list[Skip] = field(default_factory=list)


class Timeline(Protocol):
    """A platform's view of one URL. ``page`` and ``open`` raise :class:`FetchFailure`; ``post``
    raises :class:`BadRecord` for an item that is no usable post."""

    def open(self) -> None:
        """Look the account up (before the first page)."""

    def page(self, key: str | None, newest: str | None) -> Page:
        """The page after ``key`` (the first when None), as new as ``newest`` at most."""

    def post(self, item: Any) -> Post: ...

    def mark(self, item: Any) -> str:
        """Where an item sits in the timeline (a status id, a time): what a cursor keeps."""

    def order(self, mark: str) -> tuple[Any, ...]:
        """A sort key of marks: newer is greater."""

    def incremental(self) -> bool:
        """Whether the timeline is ordered newest first, so that a run may stop at ``newest``."""


@dataclass
class Outcome:
    """How far the loop got through a timeline."""

    newest: str | None = None
    """The mark of the newest item seen (None when the timeline gave nothing new)."""
    pages: int = 0
    cut: bool = False
    """Stopped after ``max_pages`` pages: older posts were not asked for."""


def collect(
    timeline: Timeline,
    newest: str | None,
    max_pages: int,
    keep: Callable[[Post], None],
    skip: Callable[[Skip], None],
    where: str,
) -> Outcome:
    """Page through ``timeline`` newest first, handing each post to ``keep`` and each item that
    is none to ``skip``, until the end, the first item at or before ``newest``, or
    ``max_pages``. Posts handed over before a failure stay handed over.

    Raises:
        FetchFailure: a page could not be had, or the pager is endless.
    """
    outcome = Outcome()
    timeline.open()
    key: str | None = None
    asked: set[str] = set()
    seen: set[str] = set()
    floor = timeline.order(newest) if newest is not None and timeline.incremental() else None
    while True:
        if outcome.pages >= max_pages:
            outcome.cut = True
            return outcome
        page = timeline.page(key, newest if floor is not None else None)
        outcome.pages += 1
        for skipped in page.skipped:
            skip(skipped)
        marks = [timeline.mark(item) for item in page.items]
        fresh = [m for m in marks if m not in seen]
        if page.items and not fresh:
            raise FetchFailure(ENDLESS_PAGER, f"page {outcome.pages} repeats the posts of an earlier page")
        reached = False
        for item, mark in zip(page.items, marks):
            if floor is not None and timeline.order(mark) <= floor:
                reached = True
                break
            if mark in seen:
                continue
            seen.add(mark)
            if outcome.newest is None or timeline.order(mark) > timeline.order(outcome.newest):
                outcome.newest = mark
            try:
                keep(timeline.post(item))
            except BadRecord as err:
                skip(err.skip(where, None))
        if reached or not page.items or page.next is None:
            return outcome
        if page.next in asked:
            raise FetchFailure(ENDLESS_PAGER, f"page {outcome.pages + 1} asks again for {page.next!r}")
        asked.add(page.next)
        key = page.next


def get_json(client: HttpClient, url: str) -> tuple[Any, Response]:
    """The JSON document at ``url`` and its response. An account missing, suspended or hidden
    from logged-out readers fails with that reason (the API's own message as detail).

    Raises:
        FetchFailure: no usable answer, or one that is not JSON.
    """
    try:
        response = client.get(url, accept=JSON_ACCEPT)
    except FetchFailure as err:
        raise _account_failure(err) from None
    try:
        return json.loads(response.body), response
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FetchFailure(NOT_JSON, f"{url}: {err}", attempts=response.attempts) from None


def _account_failure(err: FetchFailure) -> FetchFailure:
    """An HTTP error of an API as what it says of the account: Mastodon answers 404 for an
    unknown account, 410 for a suspended one, 401/403 when the server shows nothing to logged-out
    readers; Bluesky's AppView answers 400 with an error name (``AccountTakedown``…) and a message
    ("Profile not found")."""
    try:
        body = json.loads(err.body) if err.body else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        body = {}
    body = body if isinstance(body, dict) else {}
    name, message = str(body.get("error") or ""), str(body.get("message") or body.get("error") or "")
    reason = None
    if err.status == 404 or (err.status == 400 and "not found" in message.lower()):
        reason = ACCOUNT_NOT_FOUND
    elif err.status == 410 or name in ("AccountTakedown", "AccountDeactivated"):
        reason = ACCOUNT_SUSPENDED
    elif err.status in (401, 403) or name in ("BlockedActor", "BlockedByActor"):
        reason = PRIVATE_ACCOUNT
    if reason is None:
        if message:
            err.detail = message
        return err
    return FetchFailure(reason, message or err.reason, attempts=err.attempts, status=err.status)
