"""Recurring text that is not copying: an author's footer, a campaign tagline, a hashtag block.

Such text recurs across many posts while the rest of each post differs. A shingle found in at
least ``min_posts`` posts is recurring; a run of recurring words that is short and less than
half of its post is boilerplate and is left out of matching. A post copied whole many times
is not boilerplate: its recurring run is the whole post.
"""

from __future__ import annotations

import numpy as np


class ShingleCounts:
    """How many posts contain each shingle (each post counted once)."""

    def __init__(self) -> None:
        self._keys = np.zeros(0, dtype=np.uint64)
        self._counts = np.zeros(0, dtype=np.int64)

    def add(self, shingle_sets: list[np.ndarray]) -> None:
        """Count a batch of posts, given each post's unique shingles."""
        if not shingle_sets:
            return
        keys = np.concatenate([self._keys, *shingle_sets])
        weights = np.concatenate([self._counts, np.ones(len(keys) - len(self._keys), dtype=np.int64)])
        self._keys, inverse = np.unique(keys, return_inverse=True)
        self._counts = np.bincount(inverse, weights=weights, minlength=len(self._keys)).astype(np.int64)

    def count(self, shingles: np.ndarray) -> np.ndarray:
        """The number of posts holding each of ``shingles``."""
        pos = np.searchsorted(self._keys, shingles)
        pos = np.minimum(pos, max(len(self._keys) - 1, 0))
        if not len(self._keys):
            return np.zeros(len(shingles), dtype=np.int64)
        return np.where(self._keys[pos] == shingles, self._counts[pos], 0)


def boilerplate_words(common: np.ndarray, n_words: int, k: int, max_words: int) -> np.ndarray:
    """Mask of a post's words that are boilerplate.

    Args:
        common: per shingle position, whether that shingle recurs across posts.
        n_words: words in the post.
        k: shingle size (shingle ``p`` covers words ``p .. p+k-1``).
        max_words: longest run that can be boilerplate.
    """
    recurring = np.zeros(n_words + 1, dtype=np.int64)
    starts = np.flatnonzero(common)
    np.add.at(recurring, starts, 1)
    np.add.at(recurring, np.minimum(starts + k, n_words), -1)
    mask = np.cumsum(recurring)[:n_words] > 0
    out = np.zeros(n_words, dtype=bool)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    for start, end in zip(edges[::2], edges[1::2]):
        length = end - start
        if length <= max_words and 2 * length < n_words:
            out[start:end] = True
    return out
