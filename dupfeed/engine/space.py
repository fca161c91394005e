"""Where merges of the index and of the counts write what they make: memory, or a store's files.

A store grown night by night merges index segments and count runs of hundreds of megabytes.
Made in memory, a merge holds its inputs and its output at once (a night's peak memory many
times its usual). A store hands in an :class:`ArraySpace` whose arrays are files mapped into
memory instead: a merge writes its output part by part, says which parts it is done with, and
those leave memory (the file keeps them), so a merge needs about one part's memory.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class ArraySpace(Protocol):
    """Makes the arrays a merge writes, and lets go of the parts it is done with."""

    def empty(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """A new array to fill (its values are undefined until written)."""

    def done_with(self, *parts: np.ndarray) -> None:
        """The merge has written or read these parts (views of its arrays or of its inputs)
        and needs them no more for now: memory may drop them (they are read again if asked)."""


class Memory:
    """The default :class:`ArraySpace`: plain arrays in memory, kept whole."""

    def empty(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        return np.empty(shape, dtype=dtype)

    def done_with(self, *parts: np.ndarray) -> None:
        """Nothing to let go of: memory holds the arrays whole."""


MEMORY = Memory()

MERGE_PART = 1 << 22
"""Entries of a run merged at a time (16 MB of 32-bit keys): what a merge into files holds."""


def merge_sorted(
    older: np.ndarray,
    newer: np.ndarray,
    older_counts: np.ndarray | None = None,
    newer_counts: np.ndarray | None = None,
    space: ArraySpace = MEMORY,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Two sorted arrays of distinct keys as one (with each key's 32-bit counts added up, when given),
    the same as ``np.unique`` of both with their counts summed; made :data:`MERGE_PART` keys
    of ``older`` at a time into ``space`` (where each of ``newer``'s keys goes, and whether
    ``older`` holds it, are found first: 9 bytes a newer key in memory, the second a part at a
    time). Counts are merged when both are given."""
    at = np.searchsorted(older, newer)
    known = np.zeros(len(newer), dtype=bool)
    for lo in range(0, len(newer), MERGE_PART):  # a part at a time: the newer run of a cascade is large
        piece = slice(lo, lo + MERGE_PART)
        inside = at[piece] < len(older)
        known[piece][inside] = older[at[piece][inside]] == newer[piece][inside]
    space.done_with(older)
    n = len(older) + int(np.count_nonzero(~known))
    keys = space.empty((n,), older.dtype)
    counts = space.empty((n,), np.dtype(np.uint32)) if older_counts is not None and newer_counts is not None else None
    written = 0
    for lo in range(0, max(len(older), 1), MERGE_PART):
        hi = min(lo + MERGE_PART, len(older))
        last = hi == len(older)
        # The newer keys that go before older[hi] (all that are left, in the last part).
        b_lo = int(np.searchsorted(at, lo, side="left"))
        b_hi = len(newer) if last else int(np.searchsorted(at, hi, side="left"))
        new = ~known[b_lo:b_hi]
        size = hi - lo + int(np.count_nonzero(new))
        out = keys[written : written + size]
        # Each new key goes before the older key it was searched to: at its search position
        # plus the new keys before it.
        placed = at[b_lo:b_hi][new] - lo + np.arange(int(np.count_nonzero(new)))
        mine = np.ones(size, dtype=bool)
        mine[placed] = False
        out[mine] = older[lo:hi]
        out[placed] = newer[b_lo:b_hi][new]
        if counts is not None and older_counts is not None and newer_counts is not None:
            part = counts[written : written + size]
            part[mine] = older_counts[lo:hi]
            part[placed] = newer_counts[b_lo:b_hi][new]
            # A key in both: its older entry's place in the output gets the newer count too.
            same = at[b_lo:b_hi][~new] - lo
            part[np.flatnonzero(mine)[same]] += newer_counts[b_lo:b_hi][~new]
            space.done_with(part, older_counts[lo:hi])
        space.done_with(out, older[lo:hi])
        written += size
    return keys, counts
