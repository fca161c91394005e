"""Common text, learned from the corpus: text that is shared without being copied.

Real feeds are full of it: an author's footer or tagline, a hashtag block, an app's template
("My Top 3 Weekly #lastfm artists: ..."), a stock reply, an event's title. Such text recurs
across many posts while the text around it changes. A shingle found in at least ``min_posts``
posts is recurring; a run of recurring words of at most ``max_words`` words, wherever it sits
in the post, is common text, and is not evidence of copying. A post copied whole many times is
not common text (its recurring run is long), and neither is a passage also found in a source.

Function words are learned the same way, from the words of every document counted: a word that
makes up a large share of all words (``the``, ``de``, ``and``) says nothing about who copied whom.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol, cast

import numpy as np

from .shingle import sorted_unique
from .space import MEMORY, ArraySpace, merge_sorted


class PhraseCounts(Protocol):
    """How many posts hold each shingle: what recurring text is known from."""

    def add(self, shingle_sets: list[np.ndarray]) -> None:
        """Count a batch of posts, given each post's unique shingles."""

    def count(self, shingles: np.ndarray) -> np.ndarray:
        """The number of posts holding each of ``shingles``."""

    def total(self) -> int:
        """The sum of all counts."""


def counting_key(shingles: np.ndarray) -> np.ndarray:
    """The 32 bits of a shingle hash that count it (its high bits: the hash is already mixed)."""
    return (np.asarray(shingles, dtype=np.uint64) >> np.uint64(32)).astype(np.uint32)


def sum_runs(runs: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Runs of (keys, counts) as one: sorted distinct keys, each with its counts added up."""
    keys = np.concatenate([k for k, _ in runs])
    counts = np.concatenate([c for _, c in runs])
    merged, inverse = np.unique(keys, return_inverse=True)
    return merged, np.bincount(inverse, weights=counts, minlength=len(merged)).astype(np.uint32)


class ShingleCounts:
    """How many posts contain each shingle (each post counted once).

    Counts live in a few sorted runs, merged when the newest grow large (as in a log-structured
    merge tree): adding one post costs about as much as adding a thousand, so checking a stream
    of posts one at a time stays linear. A shingle is counted under 32 bits of its hash, with a
    32-bit count: 8 bytes per distinct shingle, so a store of a million posts keeps its counts in
    memory. Two shingles sharing those bits (one pair in tens of millions) add up their counts,
    which can only make a few words look recurring.
    """

    def __init__(
        self, runs: Iterable[tuple[np.ndarray, np.ndarray]] = (), *, total: int | None = None, space: ArraySpace = MEMORY
    ) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = list(runs)
        """Sorted unique shingles and their counts, oldest run first (a store saves them)."""
        self._total: int | None = total  # given: the runs hold only the counts of some shingles
        self.space = space
        """Where merged runs are made (a store's files, so that a merge needs little memory)."""

    def add(self, shingle_sets: list[np.ndarray]) -> None:
        """Count a batch of posts, given each post's unique shingles (or each occurrence, to
        count occurrences)."""
        if not shingle_sets:
            return
        keys = counting_key(np.concatenate(shingle_sets))
        if not len(keys):
            return
        if self._total is not None:
            self._total += len(keys)
        distinct, seen = np.unique(keys, return_counts=True)  # a sort: several times faster than sum_runs' inverse
        self.runs.append((distinct, seen.astype(np.uint32)))
        # Merge the newest runs while a run is no larger than the one after it.
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (older, older_counts), (newer, newer_counts) = self.runs[-2:]
            keys, counts = merge_sorted(older, newer, older_counts, newer_counts, self.space)
            self.runs[-2:] = [(keys, cast(np.ndarray, counts))]

    def total(self) -> int:
        """The sum of all counts (what a share of them is taken of)."""
        if self._total is None:
            self._total = int(sum(int(c.sum(dtype=np.int64)) for _, c in self.runs))
        return self._total

    def count(self, shingles: np.ndarray) -> np.ndarray:
        """The number of posts holding each of ``shingles``."""
        total = np.zeros(len(shingles), dtype=np.int64)
        shingles = counting_key(shingles)
        for keys, counts in self.runs:
            if not len(keys):  # a store's range of keys may hold none of a run's
                continue
            pos = np.minimum(np.searchsorted(keys, shingles), len(keys) - 1)
            total += np.where(keys[pos] == shingles, counts[pos], 0)
        return total


def common_words(recurring: np.ndarray, n_words: int, k: int, max_words: int) -> np.ndarray:
    """Mask of a post's words that are common text: runs of at most ``max_words`` words covered
    by recurring shingles, anywhere in the post.

    Args:
        recurring: per shingle position, whether that shingle recurs across posts.
        n_words: words in the post.
        k: shingle size (shingle ``p`` covers words ``p .. p+k-1``).
        max_words: longest run that can be common text; a longer recurring run is a text
            copied whole, which stays evidence.
    """
    if not recurring.any():
        return np.zeros(n_words, dtype=bool)
    covered = np.zeros(n_words + 1, dtype=np.int64)
    starts = np.flatnonzero(recurring)
    np.add.at(covered, starts, 1)
    np.add.at(covered, np.minimum(starts + k, n_words), -1)
    mask = np.cumsum(covered)[:n_words] > 0
    out = np.zeros(n_words, dtype=bool)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    for start, end in zip(edges[::2], edges[1::2]):
        if end - start <= max_words:
            out[start:end] = True
    return out


def author_key(author: str) -> int:
    """32 bits standing for an author, the same in every process (a store keeps them)."""
    return int.from_bytes(hashlib.blake2b(author.encode("utf-8", "surrogatepass"), digest_size=4).digest(), "big")


def author_number(author: str | None) -> int:
    """:func:`author_key` of an author, 0 for none (a source, a post without an author)."""
    return author_key(author) if author else 0


class AuthorCounts:
    """How many distinct authors use each shingle.

    The (shingle, author) pairs seen are kept as sorted, disjoint runs of 64-bit keys (the
    shingle's 32 counting bits, then the author's): a pair seen again adds nothing, a new pair
    adds one author to its shingle's count (a :class:`ShingleCounts`). 8 bytes per distinct
    pair, plus the counts.
    """

    def __init__(
        self, pairs: Iterable[np.ndarray] = (), counts: ShingleCounts | None = None, *, space: ArraySpace = MEMORY
    ) -> None:
        self.pairs: list[np.ndarray] = list(pairs)
        """Sorted unique pair keys, oldest run first, no key in two runs (a store saves them)."""
        self.counts = counts if counts is not None else ShingleCounts(space=space)
        """Authors per shingle (a store saves its runs)."""
        self.space = space
        """Where merged pair runs are made (see :class:`ShingleCounts`)."""

    def add(self, shingle_sets: list[np.ndarray], authors: list[int]) -> None:
        """Count a batch of posts, given each post's unique shingles and its author's key."""
        if not shingle_sets:
            return
        shingles = counting_key(np.concatenate(shingle_sets)).astype(np.uint64)
        owners = np.repeat(np.array(authors, dtype=np.uint64), [len(s) for s in shingle_sets])
        keys = sorted_unique((shingles << np.uint64(32)) | owners)
        for run in self.pairs:
            at = np.minimum(np.searchsorted(run, keys), len(run) - 1)
            keys = keys[run[at] != keys]
        if not len(keys):
            return
        self.pairs.append(keys)
        while len(self.pairs) > 1 and len(self.pairs[-2]) <= 2 * len(self.pairs[-1]):
            self.pairs[-2:] = [merge_sorted(self.pairs[-2], self.pairs[-1], space=self.space)[0]]
        self.counts.add([keys])  # a pair key's high bits are its shingle's counting bits

    def count(self, shingles: np.ndarray) -> np.ndarray:
        """The number of distinct authors using each of ``shingles``."""
        return self.counts.count(shingles)
