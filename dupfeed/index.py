"""The candidate index: datasketch's MinHashLSH over window signatures.

LSH splits each signature into ``b`` bands of ``r`` rows; two windows become candidates when
any band agrees entirely. The chance for windows of Jaccard similarity ``s`` is
``1 - (1 - s**r)**b``; datasketch picks ``b`` and ``r`` (``b * r <= num_perm``) to balance
false positives and false negatives around ``threshold``. With 128 permutations, the default
threshold of 0.2 gives 28 bands of 2 rows: a window pair at similarity 0.2 is found with
probability 0.68, one at 0.3 with 0.93, one at 0.05 (unrelated text) with 0.07. Lower thresholds find more lightly-copied passages and return more
candidates to verify (slower, never less exact: every candidate is checked on exact shingles).
"""

from __future__ import annotations

import numpy as np
from datasketch import MinHashLSH


class _Signature:
    """The two things MinHashLSH reads from a MinHash, without building one."""

    __slots__ = ("hashvalues",)
    scheme = "affine32"

    def __init__(self, hashvalues: np.ndarray):
        self.hashvalues = hashvalues

    def __len__(self) -> int:
        return len(self.hashvalues)


class WindowIndex:
    """Maps window signatures to the documents that own them.

    Args:
        threshold: the Jaccard similarity between windows that LSH is tuned for.
        num_perm: permutations per signature (must match the signatures inserted).
        params: explicit ``(bands, rows)``, overriding ``threshold``.
    """

    def __init__(self, *, threshold: float, num_perm: int, params: tuple[int, int] | None = None):
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, params=params)
        self._owner: list[int] = []

    @property
    def bands_rows(self) -> tuple[int, int]:
        return self.lsh.b, self.lsh.r

    def add(self, doc_ids: np.ndarray, windows: np.ndarray) -> None:
        """Index ``windows[i]`` as belonging to document ``doc_ids[i]``."""
        first = len(self._owner)
        self._owner.extend(int(d) for d in doc_ids)
        with self.lsh.insertion_session() as session:
            for key, row in enumerate(windows, start=first):
                session.insert(key, _Signature(row), check_duplication=False)

    def query(self, windows: np.ndarray) -> set[int]:
        """The documents owning a window that collides with any of ``windows``."""
        found: set[int] = set()
        for row in windows:
            found.update(self._owner[key] for key in self.lsh.query(_Signature(row)))
        return found

    def __len__(self) -> int:
        return len(self._owner)
