"""Whether a post credits what it copies: a link to it, or its site or author named."""

from __future__ import annotations

import re
from functools import lru_cache

from ..records import Post, Source
from ..urls import canonical_url, extract_urls, host_of
from .normalize import normalize_text


def linked_urls(post: Post) -> set[str]:
    """Canonical forms of every URL the post links to, in its text or given by its platform."""
    return {canonical_url(u) for u in (*post.links, *extract_urls(post.text))}


@lru_cache(maxsize=256)
def _padded_words(text: str) -> str:
    # A post is checked against each of its matches: normalise it once.
    return f" {normalize_text(text)} "


@lru_cache(maxsize=4096)
def _name_words(name: str) -> str:
    # Site and author names repeat across every match of a scan.
    return normalize_text(name)


def _names(text: str, name: str | None, normalized: str | None = None) -> bool:
    """Whether ``name`` occurs in ``text`` as whole words (after normalisation; ``normalized``
    is the text's normal form when the caller has it already)."""
    wanted = _name_words(name or "")
    padded = f" {normalized} " if normalized is not None else _padded_words(text)
    return bool(wanted) and f" {wanted} " in padded


def credits_source(post: Post, source: Source, *, normalized: str | None = None) -> bool:
    """A post credits a source when it links to it or names its site (by name or host);
    ``normalized``: the post's normal form (:func:`~dupfeed.engine.normalize.normalize_text`)."""
    if source.url and canonical_url(source.url) in linked_urls(post):
        return True
    if _names(post.text, source.site_name, normalized):
        return True
    host = host_of(source.url) if source.url else ""
    return bool(host) and re.search(rf"(?<![\w.-]){re.escape(host)}(?![\w-])", post.text, re.IGNORECASE) is not None


def credits_post(post: Post, earlier: Post, *, normalized: str | None = None) -> bool:
    """A post credits an earlier post when it links to it or names its author."""
    if earlier.url and canonical_url(earlier.url) in linked_urls(post):
        return True
    author = earlier.author or ""
    mention = re.search(rf"@{re.escape(author)}(?![\w-])", post.text, re.IGNORECASE) if author else None
    return bool(author) and (mention is not None or _names(post.text, author, normalized))
