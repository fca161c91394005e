"""Word shingles of a whole batch of texts at once, in vectorised numpy.

A shingle is ``k`` consecutive words; its 64-bit hash mixes the words' hashes in order. A
text shorter than ``k`` words has one shingle of all its words, so a short post still has
something to compare. Shingle ``p`` of a text starts at its word ``p``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

_MULT = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the whole word."""
    x = x ^ (x >> np.uint64(30))
    x = x * _MIX1
    x = x ^ (x >> np.uint64(27))
    x = x * _MIX2
    return x ^ (x >> np.uint64(31))


def shingle_counts(token_counts: np.ndarray, k: int) -> np.ndarray:
    """How many shingles each text has: ``n - k + 1``, one for ``0 < n < k``, none for ``n = 0``."""
    counts = np.asarray(token_counts, dtype=np.int64)
    return np.where(counts > 0, np.maximum(counts - k + 1, 1), 0)


def batch_shingles(tokens: Sequence[np.ndarray], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of many texts.

    The hash of words ``w_0 .. w_{k-1}`` is ``mix64(k * M**k + w_0 * M**(k-1) + ... + w_{k-1})``
    modulo 2**64; a text of ``0 < n < k`` words has one shingle, its missing words taken as 0.

    Args:
        tokens: one uint64 array of word hashes per text.
        k: words per shingle.

    Returns:
        ``(hashes, offsets)``: all shingle hashes concatenated (uint64), and ``offsets`` of
        length ``len(tokens) + 1`` such that text ``i`` owns ``hashes[offsets[i]:offsets[i+1]]``.
    """
    lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
    flat = np.concatenate(tokens).astype(np.uint64, copy=False) if len(tokens) else np.zeros(0, np.uint64)
    return flat_shingles(flat, lengths, k)


def flat_shingles(flat: np.ndarray, lengths: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`batch_shingles` of texts given as one array of word hashes and their lengths
    (as :func:`dupfeed.engine.normalize.tokenize` returns them: no list of arrays to join)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    counts = shingle_counts(lengths, k)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    if offsets[-1] == 0:
        return np.zeros(0, np.uint64), offsets
    total = len(flat)
    # Every start position at once, across text boundaries; the starts that are not
    # shingles of one text are dropped below.
    padded = np.concatenate([flat, np.zeros(k, np.uint64)])
    acc = np.full(total, np.uint64(k), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            acc *= _MULT
            acc += padded[j : j + total]
    token_offsets = np.concatenate([[0], np.cumsum(lengths)])
    position = np.arange(total) - np.repeat(token_offsets[:-1], lengths)
    keep = position <= np.repeat(lengths - k, lengths)
    short = np.flatnonzero((lengths > 0) & (lengths < k))
    if len(short):
        # A text shorter than k: its one shingle must not take words of the next text.
        starts = token_offsets[short]
        value = np.full(len(short), np.uint64(k), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for j in range(k):
                word = np.where(j < lengths[short], padded[starts + np.minimum(j, lengths[short] - 1)], np.uint64(0))
                value = value * _MULT + word
        acc[starts] = value
        keep[starts] = True
    return _mix64(acc[keep]), offsets


def text_shingles(token_hashes: np.ndarray, k: int) -> np.ndarray:
    """Shingle hashes of one text (the batch function on a batch of one)."""
    return batch_shingles([token_hashes], k)[0]


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values, as ``np.unique`` gives them, by a sort: numpy's hash-based
    unique is about three times slower on the small arrays of one post, and on millions of keys."""
    values = np.sort(values)
    keep = np.ones(len(values), dtype=bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]


def distinct_by_text(values: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each text's :func:`sorted_unique` values (text ``i`` owning ``values[offsets[i]:offsets[i+1]]``),
    end to end, with their own offsets."""
    parts = [sorted_unique(values[a:b]) for a, b in itertools.pairwise(offsets.tolist())]
    sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    flat = np.concatenate(parts) if parts else np.zeros(0, dtype=values.dtype)
    return flat, np.concatenate([[0], np.cumsum(sizes)])
