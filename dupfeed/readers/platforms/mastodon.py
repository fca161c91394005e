"""Mastodon account archives (``archive-<stamp>-<hex>.zip``; ``.tar.gz`` before 2023): the
statuses in ``outbox.json``.

Quirks handled, and why:

- **Activities.** The outbox is an ActivityStreams ``OrderedCollection``. A ``Create`` wraps the
  status (a ``Note``, or a ``Question`` for a poll); an ``Announce`` is a boost whose ``object``
  is the boosted status's URI (inlined as a ``Note`` in old exports and for self-boosts). A boost
  has no text of its own: it is skipped as "boost" with the boosted URI as detail, so it is
  counted but can never be matched as text.
- **Direct messages are in the outbox.** Visibility comes from ``to``/``cc``: a status addressed
  neither to the Public collection nor to a followers collection is direct, and is skipped as
  "direct message" unless ``include_direct`` (they are private; a report should not show them).
  Followers-only statuses are the user's own posts and are read.
- **HTML.** ``content`` is sanitised HTML; :func:`html_to_text` drops the ``span.invisible``
  parts of shortened URLs and renders such a link as its full ``href``. Mention and hashtag
  links point at profiles and tag pages, not outward, so they are left out of ``links``.
- **Content warnings.** ``summary`` holds the CW, a label such as "politics" shown before the
  post. It is left out of ``text``: copies of the post elsewhere do not carry it, and a label
  repeated over many posts would only add noise to the comparison.
- **Edits.** Only the current version of an edited status is exported (``updated`` is set);
  ``created_at`` stays ``published``, the time the post first appeared, which is what decides
  which of two posts came first.
- **Media without text.** A status of pictures only (an ``attachment``, no ``content``) is left
  out as "media without text", counted, not a fault.
- **Ids.** ``mastodon:<status URI>``: numeric status ids are unique within one server only.
  The author is ``user@host``, from ``actor.json`` beside the outbox, else from the actor URL.
"""

from __future__ import annotations

import json
import posixpath
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from ...errors import InputError
from ...html.text import html_to_text
from ...records import Post, Skip
from ...urls import extract_urls
from ..archive import Archive, root_above
from ..common import BadRecord, ReadResult, add_post, checked_text, parse_datetime, parse_json
from ..reasons import (
    BOOST,
    DIRECT_MESSAGE,
    EMPTY_TEXT,
    MEDIA_WITHOUT_TEXT,
    MISSING_FIELD,
    NOT_A_POST,
    NOT_AN_ACTIVITY,
    UNREADABLE_DATE,
)

NAME = "mastodon"
PUBLIC = {"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"}


def detect(archive: Archive) -> bool:
    """An ``outbox.json`` member, at any depth."""
    return bool(archive.find("outbox.json"))


def export_roots(archive: Archive) -> list[str]:
    """The folder of each ``outbox.json`` (``actor.json`` and ``media_attachments/`` beside it)."""
    return list(dict.fromkeys(root_above(member) for member in archive.find("outbox.json")))


def read(archive: Archive, *, include_direct: bool = False) -> ReadResult[Post]:
    """Every status of every ``outbox.json`` in the archive; boosts and (unless
    ``include_direct``) direct messages are skipped with their reasons."""
    result: ReadResult[Post] = ReadResult()
    outboxes = archive.find("outbox.json")
    if not outboxes:
        raise InputError("no outbox.json: not a Mastodon archive", path=str(archive.path))
    for member in outboxes:
        where = archive.where(member)
        outbox = archive.read_json(member)
        items = outbox.get("orderedItems") if isinstance(outbox, dict) else None
        if not isinstance(items, list):
            raise InputError("not a Mastodon outbox (no orderedItems list)", path=where)
        author = _author(archive, member)
        for number, activity in enumerate(items, start=1):
            try:
                add_post(result, _post(activity, author, member, include_direct=include_direct), where, number)
            except BadRecord as err:
                result.skipped.append(Skip(where, number, err.reason, err.detail))
    return result


def _author(archive: Archive, outbox: str) -> str | None:
    """``user@host`` of the account; None when neither actor.json nor the items name it."""
    member = posixpath.join(posixpath.dirname(outbox), "actor.json")
    if member in archive.members():
        try:
            actor = parse_json(archive.read_text(member))
        except (json.JSONDecodeError, InputError):
            actor = None  # the author is also in every activity's actor URL
        if isinstance(actor, dict) and isinstance(actor.get("preferredUsername"), str):
            host = urlsplit(str(actor.get("id") or actor.get("url") or "")).hostname
            name = actor["preferredUsername"]
            return f"{name}@{host}" if host else name
    return None


def _handle(actor_url: object) -> str | None:
    """``user@host`` from an actor URL such as ``https://host/users/user`` or ``https://host/@user``."""
    if not isinstance(actor_url, str):
        return None
    parts = urlsplit(actor_url)
    name = parts.path.rstrip("/").rsplit("/", 1)[-1].lstrip("@")
    return f"{name}@{parts.hostname}" if name and parts.hostname else actor_url


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _is_direct(activity: dict, status: dict) -> bool:
    source = status if ("to" in status or "cc" in status) else activity
    audience = _strings(source.get("to")) + _strings(source.get("cc"))
    return not any(a in PUBLIC or a.endswith("/followers") for a in audience)


def _post(activity: object, author: str | None, member: str, *, include_direct: bool) -> Post:
    if not isinstance(activity, dict):
        raise BadRecord(NOT_AN_ACTIVITY)
    kind = activity.get("type")
    status = activity.get("object")
    if kind == "Announce":
        boosted = status.get("id") if isinstance(status, dict) else status
        raise BadRecord(BOOST, str(boosted or ""))
    if kind != "Create" or not isinstance(status, dict):
        raise BadRecord(NOT_A_POST, f"{kind} activity")
    status_id = status.get("id") or activity.get("id")
    if not isinstance(status_id, str):
        raise BadRecord(MISSING_FIELD, "id")
    if _is_direct(activity, status) and not include_direct:
        raise BadRecord(DIRECT_MESSAGE, status_id)
    content = status.get("content")
    content_map = status.get("contentMap")
    if not isinstance(content_map, dict):
        content_map = {}
    if not isinstance(content, str):
        content = next((v for v in content_map.values() if isinstance(v, str)), "")
    text, hrefs = html_to_text(content)
    media = bool(status.get("attachment"))
    checked_text(text, empty=MEDIA_WITHOUT_TEXT if media else EMPTY_TEXT, detail=status_id)
    published = status.get("published") or activity.get("published")
    try:
        created = parse_datetime(published)
    except ValueError:
        raise BadRecord(UNREADABLE_DATE, repr(published)) from None
    inward = _inward_links(content)
    links = [h for h in hrefs if h not in inward] + extract_urls(text)
    reply_to = status.get("inReplyTo")
    if isinstance(reply_to, dict):
        reply_to = reply_to.get("id")
    url = status.get("url") if isinstance(status.get("url"), str) else status_id
    return Post(
        id=f"mastodon:{status_id}",
        text=text,
        author=author or _handle(status.get("attributedTo") or activity.get("actor")),
        created_at=created,
        url=url,
        links=tuple(dict.fromkeys(links)),
        platform="mastodon",
        kind="reply" if isinstance(reply_to, str) and reply_to else "post",
        reply_to=reply_to if isinstance(reply_to, str) and reply_to else None,
        lang=next(iter(content_map), None),
        source_file=member,
    )


def _inward_links(content: str) -> set[str]:
    """Targets of mention and hashtag links: profiles and tag pages, not outbound links."""
    if "mention" not in content and 'rel="tag"' not in content:
        return set()
    try:
        root = lxml.html.fragment_fromstring(content, create_parent="div")
    except (etree.ParserError, ValueError):
        return set()
    return {
        a.get("href")
        for a in root.iter("a")
        if {"mention", "hashtag", "u-url"} & set((a.get("class") or "").split()) or a.get("rel") == "tag"
    }
