"""Word shingles of a whole batch of texts at once, in vectorised numpy.

A shingle is ``k`` consecutive words; its 64-bit hash mixes the words' hashes in order. A
text shorter than ``k`` words has one shingle of all its words, so a short post still has
something to compare. Shingle ``p`` of a text starts at its word ``p``.
"""

from __future__ import annotations

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

    Args:
        tokens: one uint64 array of token hashes per text.
        k: words per shingle.

    Returns:
        ``(hashes, offsets)``: all shingle hashes concatenated (uint64), and ``offsets`` of
        length ``len(tokens) + 1`` such that text ``i`` owns ``hashes[offsets[i]:offsets[i+1]]``.
    """
    lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
    flat = np.concatenate(tokens).astype(np.uint64, copy=False) if len(tokens) else np.zeros(0, np.uint64)
    token_offsets = np.concatenate([[0], np.cumsum(lengths)])
    counts = shingle_counts(lengths, k)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    total = int(offsets[-1])
    if total == 0:
        return np.zeros(0, np.uint64), offsets
    owner = np.repeat(np.arange(len(tokens)), counts)
    starts = token_offsets[owner] + (np.arange(total) - offsets[owner])
    ends = token_offsets[owner + 1]
    padded = np.concatenate([flat, np.zeros(k, np.uint64)])
    acc = np.full(total, np.uint64(k), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            idx = starts + j
            word = np.where(idx < ends, padded[np.minimum(idx, len(flat))], np.uint64(0))
            acc = _mix64(acc * _MULT + word)
    return acc, offsets


def text_shingles(token_hashes: np.ndarray, k: int) -> np.ndarray:
    """Shingle hashes of one text (the batch function on a batch of one)."""
    return batch_shingles([token_hashes], k)[0]


def reference_shingles(token_hashes: Sequence[int], k: int) -> list[int]:
    """A slow, obvious implementation of :func:`text_shingles`, for tests."""
    mask = (1 << 64) - 1

    def mix(x: int) -> int:
        x ^= x >> 30
        x = (x * 0xBF58476D1CE4E5B9) & mask
        x ^= x >> 27
        x = (x * 0x94D049BB133111EB) & mask
        return x ^ (x >> 31)

    n = len(token_hashes)
    if n == 0:
        return []
    out = []
    for start in range(max(n - k + 1, 1)):
        acc = k
        for j in range(k):
            word = token_hashes[start + j] if start + j < n else 0
            acc = mix((acc * 0x9E3779B97F4A7C15 + word) & mask)
        out.append(acc)
    return out
