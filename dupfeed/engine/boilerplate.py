"""Recurring text that is not copying: an author's footer, a campaign tagline, a hashtag block.

Such text recurs across many posts while the rest of each post differs, and it sits at an edge
of the post: a sign-off, a hashtag block, an opening tag line. A shingle found in at least
``min_posts`` posts is recurring; a run of recurring words that opens or closes its post, is
short and is less than half of the post is boilerplate, and is left out of matching. A post
copied whole many times is not boilerplate (its recurring run is the whole post), and neither
are the stock phrases that recur inside the bodies of a large feed.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class PhraseCounts(Protocol):
    """How many posts hold each shingle: what recurring text is known from."""

    def add(self, shingle_sets: list[np.ndarray]) -> None:
        """Count a batch of posts, given each post's unique shingles."""

    def count(self, shingles: np.ndarray) -> np.ndarray:
        """The number of posts holding each of ``shingles``."""


def _key(shingles: np.ndarray) -> np.ndarray:
    """The 32 bits of a shingle hash that count it (its high bits: the hash is already mixed)."""
    return (np.asarray(shingles, dtype=np.uint64) >> np.uint64(32)).astype(np.uint32)


class ShingleCounts:
    """How many posts contain each shingle (each post counted once).

    Counts live in a few sorted runs, merged when the newest grow large (as in a log-structured
    merge tree): adding one post costs about as much as adding a thousand, so checking a stream
    of posts one at a time stays linear. A shingle is counted under 32 bits of its hash, with a
    32-bit count: 8 bytes per distinct shingle, so a store of a million posts keeps its counts in
    memory. Two shingles sharing those bits (one pair in tens of millions) add up their counts,
    which can only make a few words look recurring.
    """

    def __init__(self, runs: list[tuple[np.ndarray, np.ndarray]] = ()) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = list(runs)
        """Sorted unique shingles and their counts, oldest run first (a store saves them)."""

    @staticmethod
    def _merge(runs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        keys = np.concatenate([k for k, _ in runs])
        counts = np.concatenate([c for _, c in runs])
        merged, inverse = np.unique(keys, return_inverse=True)
        return merged, np.bincount(inverse, weights=counts, minlength=len(merged)).astype(np.uint32)

    def add(self, shingle_sets: list[np.ndarray]) -> None:
        """Count a batch of posts, given each post's unique shingles."""
        if not shingle_sets:
            return
        keys = _key(np.concatenate(shingle_sets))
        if not len(keys):
            return
        self.runs.append(self._merge([(keys, np.ones(len(keys), dtype=np.uint32))]))
        # Merge the newest runs while a run is no larger than the one after it.
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            self.runs[-2:] = [self._merge(self.runs[-2:])]

    def count(self, shingles: np.ndarray) -> np.ndarray:
        """The number of posts holding each of ``shingles``."""
        total = np.zeros(len(shingles), dtype=np.int64)
        shingles = _key(shingles)
        for keys, counts in self.runs:
            pos = np.minimum(np.searchsorted(keys, shingles), len(keys) - 1)
            total += np.where(keys[pos] == shingles, counts[pos], 0)
        return total


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
        at_edge = start == 0 or end == n_words
        if at_edge and length <= max_words and 2 * length < n_words:
            out[start:end] = True
    return out
