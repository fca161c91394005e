"""MinHash signatures of whole texts and of their windows, for a whole batch at once.

The permutation scheme is datasketch 2.x's ``affine32``: each 32-bit input hash is pre-mixed
with the MurmurHash3 finaliser, then permutation ``i`` maps it to ``a_i * h + b_i mod 2**32``
with ``a_i`` odd; the signature keeps the minimum per permutation. ``a`` and ``b`` are drawn
exactly as datasketch draws them from ``numpy.random.RandomState(seed)``, so for the same input
hashes our signatures equal ``MinHash(num_perm, seed, scheme="affine32")`` bit for bit, and the
index can be queried with datasketch's own sketches.

Windows: a long article shares only a small share of its words with a post that copies one
of its paragraphs, so its whole-text Jaccard similarity is low. Texts are therefore also cut
into windows of ``window`` shingles every ``stride`` shingles (a text no longer than one
window is one window), and windows are what the LSH index holds and is queried with.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

EMPTY = np.uint32(0xFFFFFFFF)
_SLICE = 1 << 16
"""Hashes permuted in one go: 256 KiB, so that it and its permuted copy stay in a core's L2 cache
(measured fastest among 2**13 to 2**23 on the benchmark: twice as fast as the whole batch at once)."""


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` uint32 parameters datasketch's affine32 scheme draws for this seed."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (a bijection), applied element-wise."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


@dataclass(frozen=True)
class Sketches:
    """Signatures of a batch: one per text, and one per window.

    ``window_owner[w]`` is the text that window ``w`` belongs to; text ``i`` owns windows
    ``window_first[i]:window_first[i+1]`` (a text with no shingles owns none).
    """

    texts: np.ndarray
    windows: np.ndarray
    window_owner: np.ndarray
    window_first: np.ndarray


class MinHasher:
    """Computes affine32 MinHash signatures in bulk.

    Args:
        num_perm: permutations per signature. More permutations estimate similarity more
            precisely and let the index separate near-threshold pairs better; time and memory
            grow linearly with it.
        seed: seeds the permutations; signatures are comparable only under the same seed.
    """

    def __init__(self, num_perm: int = 128, seed: int = 1):
        self.num_perm = num_perm
        self.seed = seed
        self.a, self.b = permutations(num_perm, seed)

    def _block_minima(self, hashes32: np.ndarray, block_starts: np.ndarray) -> np.ndarray:
        """Per-permutation minimum of each block ``hashes32[block_starts[j]:block_starts[j+1]]``,
        as a (num_perm, blocks) array.

        One permutation at a time: a 1-D ``minimum.reduceat`` is several times faster than one
        over an (n, num_perm) matrix, and needs no such matrix. The hashes are taken a slice
        of about ``_SLICE`` at a time (cut between blocks) through all the permutations, so
        that the slice and its permuted copy stay in the CPU cache.
        """
        out = np.empty((self.num_perm, len(block_starts)), dtype=np.uint32)
        if len(block_starts) == 0:
            return out
        mixed = fmix32(hashes32)
        n = len(mixed)
        cuts = np.unique(np.append(np.searchsorted(block_starts, np.arange(0, n, _SLICE)), len(block_starts)))
        bounds = np.append(block_starts, n)
        buffer = np.empty(0, dtype=np.uint32)
        for lo, hi in itertools.pairwise(cuts.tolist()):
            first = int(bounds[lo])
            piece = mixed[first : bounds[hi]]
            if len(buffer) < len(piece):
                buffer = np.empty(len(piece), dtype=np.uint32)
            permuted = buffer[: len(piece)]
            starts = block_starts[lo:hi] - first
            for i in range(self.num_perm):
                np.multiply(piece, self.a[i], out=permuted)
                permuted += self.b[i]
                np.minimum.reduceat(permuted, starts, out=out[i, lo:hi])
        return out

    def signatures(self, hashes32: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """One signature per text; ``offsets`` delimit each text's hashes (as from ``batch_shingles``).

        The same as ``sketch(..., window=None, stride=None).texts``, without the windows.
        """
        hashes32 = np.asarray(hashes32, dtype=np.uint32)
        offsets = np.asarray(offsets, dtype=np.int64)
        has = np.diff(offsets) > 0
        texts = np.full((len(has), self.num_perm), EMPTY, dtype=np.uint32)
        texts[has] = self._block_minima(hashes32, offsets[:-1][has]).T
        return texts

    def sketch(self, hashes32: np.ndarray, offsets: np.ndarray, *, window: int | None, stride: int | None) -> Sketches:
        """Signatures of each text and of its windows of ``window`` shingles every ``stride``.

        ``window`` must be a multiple of ``stride``; ``None`` gives one window per text.
        """
        hashes32 = np.asarray(hashes32, dtype=np.uint32)
        offsets = np.asarray(offsets, dtype=np.int64)
        counts = np.diff(offsets)
        n_texts = len(counts)
        step = stride or max(int(counts.max(initial=1)), 1)
        span = (window or step) // step
        # Blocks of `step` shingles, never crossing a text boundary.
        blocks_per_text = -(-counts // step)
        block_owner = np.repeat(np.arange(n_texts), blocks_per_text)
        block_first = np.concatenate([[0], np.cumsum(blocks_per_text)])
        block_rank = np.arange(len(block_owner)) - block_first[block_owner]
        block_starts = offsets[block_owner] + block_rank * step
        # Permutation-major throughout: reductions run along contiguous rows.
        minima = self._block_minima(hashes32, block_starts)

        texts = np.full((self.num_perm, n_texts), EMPTY, dtype=np.uint32)
        has = counts > 0
        if minima.shape[1]:
            texts[:, has] = np.minimum.reduceat(minima, block_first[:-1][has], axis=1)

        windows_per_text = np.where(blocks_per_text > 0, np.maximum(blocks_per_text - span + 1, 1), 0)
        window_owner = np.repeat(np.arange(n_texts), windows_per_text)
        window_first = np.concatenate([[0], np.cumsum(windows_per_text)])
        first_block = block_first[window_owner] + (np.arange(len(window_owner)) - window_first[window_owner])
        last_block = block_first[window_owner + 1]
        windows = minima[:, first_block]
        for j in range(1, span):
            # A window of a text with fewer blocks than `span` stops at the text's last block.
            idx = np.minimum(first_block + j, last_block - 1)
            np.minimum(windows, minima[:, idx], out=windows)
        return Sketches(np.ascontiguousarray(texts.T), np.ascontiguousarray(windows.T), window_owner, window_first)
