"""The candidate index: window signatures banded for locality-sensitive hashing.

LSH splits each signature into ``b`` bands of ``r`` rows; two windows become candidates when
any band agrees entirely. The chance for windows of Jaccard similarity ``s`` is
``1 - (1 - s**r)**b``; datasketch picks ``b`` and ``r`` (``b * r <= num_perm``) to balance
false positives and false negatives around ``threshold``. With 128 permutations, the default
threshold of 0.2 gives 28 bands of 2 rows: a window pair at similarity 0.2 is found with
probability 0.68, one at 0.3 with 0.93, one at 0.05 (unrelated text) with 0.07. Lower
thresholds find more lightly-copied passages and return more candidates to verify (slower,
never less exact: every candidate is checked on exact shingles).

Two backends answer the same queries (a test holds them to it):

- :class:`WindowIndex`, datasketch's ``MinHashLSH``: the reference (``--index datasketch``).
  It keeps every band of every window as Python objects (about 10 KB per window).
- :class:`BandIndex`, sorted numpy arrays of band keys in log-structured segments: 8 bytes
  per band per window (224 per window at 28 bands, against about 8 KB), queried for a whole batch of windows at once, and saved as
  plain arrays; the default, which the persistent store (:mod:`dupfeed.store`) keeps across runs.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable
from typing import Protocol

import numpy as np

from ..options import Options
from .shingle import _mix64
from .space import MEMORY, ArraySpace

Keep = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""Given (text, owner) pairs as two arrays, which to keep as candidates however few bands they share."""


class CandidateIndex(Protocol):
    """What the detector needs of an index (a server backend would implement the same)."""

    @property
    def bands_rows(self) -> tuple[int, int]: ...

    def add(self, doc_ids: np.ndarray, windows: np.ndarray) -> None:
        """Index ``windows[i]`` as document ``doc_ids[i]``'s; a large batch is added from a
        second thread while the detector counts it (never while the index is queried)."""

    def query_batch(self, windows: np.ndarray, window_first: np.ndarray, keep: Keep | None = None) -> list[set[int]]: ...

    def __len__(self) -> int: ...


def bands_rows(threshold: float, num_perm: int, params: tuple[int, int] | None = None) -> tuple[int, int]:
    """The ``(bands, rows)`` datasketch's ``MinHashLSH`` chooses for ``threshold``, unless given."""
    if params:
        return int(params[0]), int(params[1])
    return optimal_bands_rows(threshold, num_perm)


@functools.cache
def optimal_bands_rows(threshold: float, num_perm: int) -> tuple[int, int]:
    """The ``b`` bands of ``r`` rows (``b * r <= num_perm``) that minimise the false positive
    plus false negative probability mass around ``threshold``, equally weighted.

    Two windows of Jaccard similarity ``s`` share a band with probability ``1 - (1 - s**r)**b``;
    its integral below ``threshold`` is the false positive mass, the integral of its complement
    above is the false negative mass. This is the choice datasketch's ``MinHashLSH`` makes
    (``datasketch.lsh._optimal_param``, MIT licence), written here because that name is private.
    The integrand is a polynomial of degree ``b * r``, so Gauss-Legendre quadrature with
    ``num_perm // 2 + 1`` nodes integrates it exactly (datasketch uses adaptive quadrature).
    """
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)

    def integral(f, lo: float, hi: float) -> float:
        s = (hi - lo) / 2 * nodes + (hi + lo) / 2
        return float((hi - lo) / 2 * np.dot(weights, f(s)))

    best, best_error = (1, 1), float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = integral(lambda s, b=b, r=r: 1 - (1 - s**r) ** b, 0.0, threshold)
            fn = integral(lambda s, b=b, r=r: (1 - s**r) ** b, threshold, 1.0)
            error = 0.5 * fp + 0.5 * fn
            if error < best_error:
                best, best_error = (b, r), error
    return best


class _Signature:
    """The two things MinHashLSH reads from a MinHash, without building one."""

    __slots__ = ("hashvalues",)
    scheme = "affine32"

    def __init__(self, hashvalues: np.ndarray):
        self.hashvalues = hashvalues

    def __len__(self) -> int:
        return len(self.hashvalues)


class WindowIndex:
    """Maps window signatures to the documents that own them, in datasketch's ``MinHashLSH``.

    Args:
        threshold: the Jaccard similarity between windows that LSH is tuned for.
        num_perm: permutations per signature (must match the signatures inserted).
        params: explicit ``(bands, rows)``, overriding ``threshold``.
    """

    def __init__(self, *, threshold: float, num_perm: int, params: tuple[int, int] | None = None):
        from datasketch import MinHashLSH  # imported when used: it loads scipy (0.8 s of every start)

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

    def query_batch(self, windows: np.ndarray, window_first: np.ndarray, keep: Keep | None = None) -> list[set[int]]:
        """For each text ``i`` (owning ``windows[window_first[i]:window_first[i+1]]``), its
        candidates (one band is enough here: ``keep`` changes nothing)."""
        return [self.query(windows[a:b]) for a, b in itertools.pairwise(window_first)]

    def __len__(self) -> int:
        return len(self._owner)


def band_keys(windows: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 32-bit key per band of each window, as a ``(windows, bands)`` array.

    A band of one 32-bit row is its own key, so keys agree exactly when rows do (as in
    datasketch). Longer bands are hashed to 32 bits: windows whose band rows differ share a key
    by chance once in four billion comparisons, which adds a candidate that verification
    drops, and halves the index's memory against 64-bit keys.
    """
    windows = np.asarray(windows, dtype=np.uint32)
    cut = windows[:, : bands * rows].reshape(len(windows), bands, rows)
    if rows == 1:
        return np.ascontiguousarray(cut[:, :, 0])
    keys = np.zeros(cut.shape[:2], dtype=np.uint64)
    for j in range(rows):
        keys = _mix64(keys * np.uint64(0x100000001B3) + cut[:, :, j].astype(np.uint64))
    return (keys >> np.uint64(32)).astype(np.uint32)


_COARSE = 64
"""Keys of a large band between two entries of its directory (see :meth:`Segment._first_at_least`)."""

_DIRECTED = 1 << 20
"""Keys from which a band is searched through a directory (4 MB of keys: more than a core's cache)."""


class Segment:
    """An immutable part of a :class:`BandIndex`: per band, keys sorted and their owners.

    ``keys`` and ``owners`` are ``(bands, windows)`` arrays; ``keys[j]`` is sorted.
    """

    __slots__ = ("_directory", "keys", "owners")

    def __init__(self, keys: np.ndarray, owners: np.ndarray):
        self.keys, self.owners = keys, owners
        self._directory: dict[int, np.ndarray] = {}  # band -> every _COARSE-th key, made when first searched

    @classmethod
    def build(cls, keys: np.ndarray, owners: np.ndarray) -> Segment:
        """A segment from unsorted ``(windows, bands)`` keys and each window's owner."""
        keys = np.ascontiguousarray(keys.T)
        order = np.argsort(keys, axis=1, kind="stable")
        owners = np.asarray(owners, dtype=np.uint32)[order]
        return cls(np.take_along_axis(keys, order, axis=1), owners)

    @classmethod
    def merge(cls, segments: list[Segment], space: ArraySpace = MEMORY) -> Segment:
        """One segment holding all of ``segments``, as if built from them in order, made in
        ``space`` a band at a time."""
        merged = segments[0]
        for later in segments[1:]:
            merged = merged._merge(later, space)
        return merged

    def _merge(self, later: Segment, space: ArraySpace) -> Segment:
        # Both are sorted: each of ``later``'s keys goes after the equal keys of ``self`` (a
        # stable merge), found by binary search: no sort, and no index array over both.
        bands, n = self.keys.shape[0], len(self) + len(later)
        keys = space.empty((bands, n), self.keys.dtype)
        owners = space.empty((bands, n), self.owners.dtype)
        shift = np.arange(len(later))
        for j in range(bands):
            at = np.searchsorted(self.keys[j], later.keys[j], side="right") + shift
            mine = np.ones(n, dtype=bool)
            mine[at] = False
            keys[j, at], keys[j, mine] = later.keys[j], self.keys[j]
            owners[j, at], owners[j, mine] = later.owners[j], self.owners[j]
            space.done_with(keys[j], owners[j], self.keys[j], self.owners[j])
        return Segment(keys, owners)

    def __len__(self) -> int:
        return self.keys.shape[1]

    def _first_at_least(self, j: int, wanted: np.ndarray) -> np.ndarray:
        """``np.searchsorted(self.keys[j], wanted)``, the same positions. A large band (a store's
        index: tens of MB a band, mapped from its file) is searched through a directory of
        every :data:`_COARSE`-th key, small enough to stay in the CPU's cache, then by a
        binary search of a few steps within the :data:`_COARSE` keys it points to, all the
        queries at once: a plain search of the band misses the cache at most of its ~23 steps
        (measured on a 1M-post store: the search 1.8x faster for a batch's 4,000 queries into bands
        of 6.5M keys, the whole lookup 1.6x)."""
        keys = self.keys[j]
        n = len(keys)
        if n < _DIRECTED:
            return np.searchsorted(keys, wanted, side="left")
        directory = self._directory.get(j)
        if directory is None:
            directory = self._directory[j] = np.ascontiguousarray(keys[::_COARSE])
        # keys[(i - 1) * _COARSE] < wanted <= keys[i * _COARSE]: the position is in that range.
        i = np.searchsorted(directory, wanted, side="left")
        lo = np.maximum(i - 1, 0) * _COARSE
        hi = np.minimum(i * _COARSE, n)
        for _ in range(_COARSE.bit_length()):  # each step halves every range, down to none
            mid = (lo + hi) >> 1
            below = keys[np.minimum(mid, n - 1)] < wanted
            open_ = lo < hi
            lo = np.where(open_ & below, mid + 1, lo)
            hi = np.where(open_ & ~below, mid, hi)
        return lo

    def lookup(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Triples ``(query row, owner, band)`` for every band of ``queries`` (``(n, bands)``
        keys) equal to one stored here."""
        rows, owners, bands = [], [], []
        n = len(self)
        for j in range(self.keys.shape[0]):
            keys = self.keys[j]
            # Searched in key order: each search starts where the last ended (several times
            # faster on a large band than keys in window order), then put back in query order.
            order = np.argsort(queries[:, j], kind="stable")
            wanted = queries[order, j]
            lo = self._first_at_least(j, wanted)
            found = lo < n
            found[found] = keys[lo[found]] == wanted[found]
            if not found.any():
                continue
            query = order[found]
            back = np.argsort(query, kind="stable")
            query, lo, wanted = query[back], lo[found][back], wanted[found][back]
            hits = np.searchsorted(keys, wanted, side="right") - lo
            total = int(hits.sum())
            row = np.repeat(query, hits)
            # Positions lo..hi-1 of each hit range, laid end to end.
            starts = np.repeat(lo - np.concatenate([[0], np.cumsum(hits)[:-1]]), hits)
            rows.append(row)
            owners.append(self.owners[j][starts + np.arange(total)])
            bands.append(np.full(total, j, dtype=np.int64))
        if not rows:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        return np.concatenate(rows), np.concatenate(owners).astype(np.int64), np.concatenate(bands)


def _bands_seen(pairs: np.ndarray, bands: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of ``pairs``, sorted, and in how many distinct ``bands`` each is."""
    if not len(pairs):
        return pairs, np.zeros(0, dtype=np.int64)
    order = np.lexsort((bands, pairs))
    pairs, bands = pairs[order], bands[order]
    new = np.ones(len(pairs), dtype=bool)
    new[1:] = (pairs[1:] != pairs[:-1]) | (bands[1:] != bands[:-1])
    pairs = pairs[new]  # one entry per (pair, band)
    starts = np.flatnonzero(np.concatenate([[True], pairs[1:] != pairs[:-1]]))
    return pairs[starts], np.diff(np.concatenate([starts, [len(pairs)]]))


def candidate_pairs(pairs: np.ndarray, bands: np.ndarray, min_bands: int, keep: Keep | None = None) -> np.ndarray:
    """The distinct ``text << 32 | owner`` pairs, sorted, that were found (``pairs[i]`` in band
    ``bands[i]``) in at least ``min_bands`` distinct bands, or that ``keep`` keeps."""
    if min_bands <= 1:
        return np.unique(pairs)
    found, seen = _bands_seen(pairs, bands)
    wanted = seen >= min_bands
    if keep is not None:
        wanted |= keep(found >> 32, found & 0xFFFFFFFF)
    return found[wanted]


class BandIndex:
    """LSH over window signatures held as sorted numpy arrays (see the module docstring).

    Windows are added in batches; each batch becomes a :class:`Segment`, and the newest
    segments merge while one is no larger than twice the next (a log-structured merge), so a
    store that grows night by night keeps a few segments. Queries for a batch of texts are
    answered with binary searches, band by band, segment by segment.
    """

    def __init__(
        self,
        *,
        threshold: float,
        num_perm: int,
        params: tuple[int, int] | None = None,
        min_bands: int = 1,
        one_band_below: int = 0,
        segments: Iterable[Segment] = (),
        space: ArraySpace = MEMORY,
    ):
        self._bands, self._rows = bands_rows(threshold, num_perm, params)
        self.min_bands, self.one_band_below = min_bands, one_band_below
        self.segments: list[Segment] = list(segments)
        self.space = space
        """Where merged segments are made (a store's files, so that a merge needs little memory)."""

    @classmethod
    def from_options(cls, options: Options, segments: Iterable[Segment] = (), space: ArraySpace = MEMORY) -> BandIndex:
        """The index ``options`` describe (threshold or bands, and when two bands are needed)."""
        return cls(
            threshold=options.lsh_threshold,
            num_perm=options.num_perm,
            params=options.lsh_bands_rows,
            min_bands=options.lsh_min_bands,
            one_band_below=options.lsh_one_band_below,
            segments=segments,
            space=space,
        )

    @property
    def bands_rows(self) -> tuple[int, int]:
        return self._bands, self._rows

    def add(self, doc_ids: np.ndarray, windows: np.ndarray) -> None:
        """Index ``windows[i]`` as belonging to document ``doc_ids[i]``."""
        if not len(windows):
            return
        self.segments.append(Segment.build(band_keys(windows, self._bands, self._rows), doc_ids))
        while len(self.segments) > 1 and len(self.segments[-2]) <= 2 * len(self.segments[-1]):
            self.segments[-2:] = [Segment.merge(self.segments[-2:], self.space)]

    def query_batch(self, windows: np.ndarray, window_first: np.ndarray, keep: Keep | None = None) -> list[set[int]]:
        """For each text ``i`` (owning ``windows[window_first[i]:window_first[i+1]]``), the
        documents owning windows that share at least ``min_bands`` distinct bands with its
        windows (the same band of two window pairs counts once), and those sharing fewer
        that ``keep`` keeps; one band is enough while the index holds fewer than
        ``one_band_below`` windows."""
        n_texts = len(window_first) - 1
        out: list[set[int]] = [set() for _ in range(n_texts)]
        if not len(windows) or not self.segments:
            return out
        queries = band_keys(windows, self._bands, self._rows)
        text_of = np.repeat(np.arange(n_texts), np.diff(window_first))
        pairs, bands = [], []
        for segment in self.segments:
            rows, owners, band = segment.lookup(queries)
            pairs.append((text_of[rows].astype(np.int64) << 32) | owners)
            bands.append(band)
        needed = self.min_bands if len(self) >= self.one_band_below else 1
        found = candidate_pairs(np.concatenate(pairs), np.concatenate(bands), needed, keep)
        texts, owners = found >> 32, found & 0xFFFFFFFF
        bounds = np.searchsorted(texts, np.arange(n_texts + 1))
        for i in np.flatnonzero(np.diff(bounds)):
            out[i] = set(owners[bounds[i] : bounds[i + 1]].tolist())
        return out

    def __len__(self) -> int:
        return sum(len(s) for s in self.segments)
