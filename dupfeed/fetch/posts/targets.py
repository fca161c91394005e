"""What a URL given to ``dupfeed posts fetch`` names: a Mastodon account or hashtag, a Bluesky
account, or a feed of posts.

- ``https://instance/@user`` (also ``/@user@other.host`` and ``/users/user``): a Mastodon account,
  read through that instance's REST API.
- ``https://instance/tags/name``: a Mastodon hashtag timeline.
- ``https://bsky.app/profile/handle`` (a handle or a DID): a Bluesky account, read through the
  public AppView.
- Anything else: an RSS or Atom feed (Mastodon serves ``/@user.rss`` and ``/tags/name.rss``), or
  a page that advertises one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

from ..fetcher import check_url

Kind = Literal["mastodon account", "mastodon tag", "bluesky account", "feed"]
BLUESKY_HOSTS = frozenset({"bsky.app", "www.bsky.app"})
_ACCOUNT = re.compile(r"^/(?:@|users/)([^/@]+(?:@[^/@]+)?)/?$")
_TAG = re.compile(r"^/tags/([^/]+)/?$")
_PROFILE = re.compile(r"^/profile/([^/]+)/?$")
_FEED_SUFFIXES = (".rss", ".atom", ".xml")


@dataclass(frozen=True)
class Target:
    """One URL to fetch posts from: ``kind``, the server asked (``base``, scheme and host) and the
    ``name`` there (an account's address, a hashtag, a handle)."""

    url: str
    kind: Kind
    base: str
    name: str

    @property
    def host(self) -> str:
        return urlsplit(self.base).hostname or ""


def target_of(url: str) -> Target:
    """The target a URL names (see the module's docstring).

    Raises:
        InputError: ``url`` is not an http(s) URL.
    """
    url = check_url(url)
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}"
    path = unquote(parts.path)
    host = (parts.hostname or "").lower()
    if host in BLUESKY_HOSTS:
        profile = _PROFILE.match(path)
        if profile:
            return Target(url, "bluesky account", base, profile.group(1))
    elif not path.lower().endswith(_FEED_SUFFIXES) and not parts.query:
        account = _ACCOUNT.match(path)
        if account:
            return Target(url, "mastodon account", base, account.group(1))
        tag = _TAG.match(path)
        if tag:
            return Target(url, "mastodon tag", base, tag.group(1))
    return Target(url, "feed", base, url)
