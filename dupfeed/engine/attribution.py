"""Whether a post credits what it copies: a link to it, or its site or author named."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from ..records import Post, Source
from ..urls import canonical_url, extract_urls, host_of
from .normalize import normalize_text, token_hashes


def linked_urls(post: Post) -> frozenset[str]:
    """Canonical forms of every URL the post links to, in its text or given by its platform."""
    return _linked(tuple(post.links), post.text)


@lru_cache(maxsize=256)
def _linked(links: tuple[str, ...], text: str) -> frozenset[str]:
    # A post is checked against each of its matches: its links are found once.
    return frozenset(canonical_url(u) for u in (*links, *extract_urls(text)))


@lru_cache(maxsize=256)
def _padded_words(text: str) -> str:
    # A post is checked against each of its matches: normalise it once.
    return f" {normalize_text(text)} "


@lru_cache(maxsize=4096)
def _name_words(name: str) -> str:
    # Site and author names repeat across every match of a scan.
    return normalize_text(name)


@lru_cache(maxsize=4096)
def _name_hashes(name: str) -> tuple[int, ...]:
    # The name's words as the tokeniser hashes them: looked for in a post's word hashes.
    return tuple(token_hashes(name).tolist())


def _names(text: str, name: str | None, words: np.ndarray | None = None) -> bool:
    """Whether ``name`` occurs in ``text`` as whole words (after normalisation). With ``words``,
    the text's word hashes by position (a document has them), the name's word hashes are looked
    for among them instead: the same test without normalising the text again."""
    if words is None:
        wanted = _name_words(name or "")
        return bool(wanted) and f" {wanted} " in _padded_words(text)
    needle = _name_hashes(name or "")
    if not needle or len(needle) > len(words):
        return False
    first = np.flatnonzero(words[: len(words) - len(needle) + 1] == np.uint64(needle[0]))
    target = np.array(needle, dtype=np.uint64)
    return any(np.array_equal(words[i : i + len(needle)], target) for i in first.tolist())


def credits_source(post: Post, source: Source, *, words: np.ndarray | None = None) -> bool:
    """A post credits a source when it links to it or names its site (by name or host);
    ``words``: the post's word hashes, when the caller has them."""
    if source.url and canonical_url(source.url) in linked_urls(post):
        return True
    if _names(post.text, source.site_name, words):
        return True
    host = host_of(source.url) if source.url else ""
    return bool(host) and re.search(rf"(?<![\w.-]){re.escape(host)}(?![\w-])", post.text, re.IGNORECASE) is not None


def credits_post(post: Post, earlier: Post, *, words: np.ndarray | None = None) -> bool:
    """A post credits an earlier post when it links to it or names its author."""
    if earlier.url and canonical_url(earlier.url) in linked_urls(post):
        return True
    author = earlier.author or ""
    mention = re.search(rf"@{re.escape(author)}(?![\w-])", post.text, re.IGNORECASE) if author else None
    return bool(author) and (mention is not None or _names(post.text, author, words))
