"""Copied passages between two texts, from their shared shingles.

Shared shingles are seeds; seeds on one diagonal (the same shift between the two texts) form
exact fragments; fragments in the same order in both texts, separated by at most ``max_gap``
words on either side (a changed word, an inserted clause), are chained into one passage, so
a lightly edited paragraph is reported as one passage, not as many fragments. All positions
here are word positions; the detector maps them to character offsets.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from rapidfuzz.distance import Indel

# A shingle repeated more often than this in the matched text is a stock phrase of it:
# pairing it with every occurrence would only add noise.
_MAX_OCCURRENCES = 8


class WordSequence(Protocol):
    """A text's words in comparison form, by position (a list, or words made on demand)."""

    def __len__(self) -> int: ...

    def __getitem__(self, i: int, /) -> str: ...


@dataclass
class Passage:
    """Words ``[post_start, post_end)`` of the post match ``[match_start, match_end)`` of the other text."""

    post_start: int
    post_end: int
    match_start: int
    match_end: int
    matched: int  # words of the post covered by exact fragments
    pieces: list[tuple[int, int, int]] = field(default_factory=list, compare=False)
    """Runs ``(post_start, post_end, match_start)`` of post words aligned one to one to words of
    the other text (exact fragments and close variants); the words between them are edits,
    which the span covers and the share of copied words does not count."""


def shingle_order(shingles: np.ndarray) -> np.ndarray:
    """The stable sorting order of a text's shingles (what seeds are searched in; a text
    compared with many posts keeps it)."""
    return np.argsort(shingles, kind="stable").astype(np.int32)


def _seeds(post: np.ndarray, other: np.ndarray, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All pairs ``(i, j)`` with ``post[i] == other[j]`` (``order``: :func:`shingle_order` of ``other``)."""
    if order is None:
        order = shingle_order(other)
    ranked = other[order]
    lo = np.searchsorted(ranked, post, side="left")
    hi = np.searchsorted(ranked, post, side="right")
    reps = hi - lo
    reps[reps > _MAX_OCCURRENCES] = 0
    i = np.repeat(np.arange(len(post)), reps)
    within = np.arange(len(i)) - np.repeat(np.cumsum(reps) - reps, reps)
    j = order[np.repeat(lo, reps) + within]
    return i, j


def fragments(post: np.ndarray, other: np.ndarray, other_order: np.ndarray | None = None) -> np.ndarray:
    """Maximal runs of shared shingles on one diagonal, as rows ``(i_start, i_end, j_start)``
    in shingle positions, ``i_end`` exclusive (``other_order``: :func:`shingle_order` of ``other``)."""
    i, j = _seeds(post, other, other_order)
    if len(i) == 0:
        return np.zeros((0, 3), dtype=np.int64)
    diag = j - i
    order = np.lexsort((i, diag))
    i, diag = i[order], diag[order]
    new = np.ones(len(i), dtype=bool)
    new[1:] = (diag[1:] != diag[:-1]) | (i[1:] != i[:-1] + 1)
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], len(i))
    i_start = i[starts]
    i_end = i[ends - 1] + 1
    return np.stack([i_start, i_end, i_start + diag[starts]], axis=1)


def passages(
    post: np.ndarray,
    other: np.ndarray,
    *,
    k: int,
    post_words: int,
    other_words: int,
    max_gap: int,
    max_insertion: int,
    other_order: np.ndarray | None = None,
) -> list[Passage]:
    """Copied passages of ``post`` in ``other`` (both arrays of shingle hashes, ``other_order``
    the :func:`shingle_order` of ``other`` if known), in post order.

    Fragments are chained across edits of at most ``max_gap`` words on each side, and across
    a clause of at most ``max_insertion`` words inserted on one side only (the other side
    going on within ``k`` words). A post region matched to several places of the other text
    keeps its longest match.
    """
    frags = fragments(post, other, other_order)
    if len(frags) == 0:
        return []
    # Word spans of each fragment: shingles [s, e) cover words [s, e - 1 + k).
    rows = []
    for i0, i1, j0 in frags.tolist():
        length = i1 - i0
        pe = min(i1 - 1 + k, post_words)
        me = min(j0 + length - 1 + k, other_words)
        rows.append((i0, pe, j0, me))
    rows.sort()
    chains: list[Passage] = []
    for index, (ps, pe, ms, me) in enumerate(rows):
        best = None
        for chain in chains:
            post_gap = ps - chain.post_end
            match_gap = ms - chain.match_end
            # Forward in both texts (an overlap only along one diagonal: a repeated word
            # must not be claimed twice), by at most max_gap words of edits.
            forward = (post_gap >= 0 and match_gap >= 0) or (post_gap == match_gap and post_gap > -k)
            edit = post_gap <= max_gap and match_gap <= max_gap
            insertion = min(post_gap, match_gap) <= k and max(post_gap, match_gap) <= max_insertion
            if (
                forward
                and (edit or insertion)
                and not _moved_between(rows[:index], chain, ms, k)
                and (best is None or chain.post_end > best.post_end)
            ):
                best = chain
        if best is None:
            chains.append(Passage(ps, pe, ms, me, pe - ps, [(ps, pe, ms)]))
        else:
            start = max(ps, best.post_end)
            best.pieces.append((start, pe, ms + start - ps))
            best.matched += max(0, pe - max(ps, best.post_end))
            best.post_end = max(best.post_end, pe)
            best.match_end = max(best.match_end, me)
    return _keep_longest(chains)


def _moved_between(earlier: list[tuple[int, int, int, int]], chain: Passage, ms: int, k: int) -> bool:
    """Whether the post words between ``chain`` and the next fragment hold a copied run of
    their own (two shingles or more) from elsewhere in the other text: a moved sentence,
    which the gap must not swallow."""
    for ps, pe, fs, fe in reversed(earlier):
        if ps < chain.post_end:
            break
        if pe - ps > k and not (chain.match_end - k <= fs and fe <= ms + k):
            return True
    return False


def _keep_longest(chains: list[Passage]) -> list[Passage]:
    """Drop passages whose post words are mostly covered by a longer passage."""
    kept: list[Passage] = []
    for chain in sorted(chains, key=lambda c: (-c.matched, c.post_start)):
        length = chain.post_end - chain.post_start
        overlap = sum(max(0, min(chain.post_end, k.post_end) - max(chain.post_start, k.post_start)) for k in kept)
        if overlap * 2 < length:
            kept.append(chain)
    return sorted(kept, key=lambda c: c.post_start)


def extend_fuzzy(
    passage: Passage,
    post_tokens: WordSequence,
    other_tokens: WordSequence,
    *,
    reach: int,
    min_ratio: float,
) -> Passage:
    """Grow a passage over neighbouring words that differ only slightly (``colour``/``color``,
    ``organisation``/``organization``, a typo), comparing at most ``reach`` words at each end
    with rapidfuzz. Words under five letters never count: next to a passage, a lone ``the`` or
    ``in`` says nothing, and short words are a letter apart too easily."""

    def alike(a: str, b: str) -> bool:
        return min(len(a), len(b)) >= 5 and Indel.normalized_similarity(a, b) >= min_ratio

    ps, pe, ms, me = passage.post_start, passage.post_end, passage.match_start, passage.match_end
    for _ in range(reach):
        if ps > 0 and ms > 0 and alike(post_tokens[ps - 1], other_tokens[ms - 1]):
            ps, ms = ps - 1, ms - 1
        else:
            break
    for _ in range(reach):
        if pe < len(post_tokens) and me < len(other_tokens) and alike(post_tokens[pe], other_tokens[me]):
            pe, me = pe + 1, me + 1
        else:
            break
    pieces = [(ps, passage.post_start, ms), *passage.pieces, (passage.post_end, pe, passage.match_end)]
    return Passage(
        ps, pe, ms, me, passage.matched + (passage.post_start - ps) + (pe - passage.post_end), [r for r in pieces if r[1] > r[0]]
    )


def align_edits(
    passage: Passage, post_tokens: WordSequence, other_tokens: WordSequence, alike: Callable[[str, str], bool]
) -> Passage:
    """Align, inside each edit between two aligned runs of a passage, the post words that are
    close variants of the other text's words there (an inflection, a spelling), in order; the
    words aligned so count as copied, the rest stay edits."""
    pieces = sorted(passage.pieces)
    found = list(pieces)
    for (ps0, pe0, ms0), (ps1, _, ms1) in itertools.pairwise(pieces):
        last = ms0 + (pe0 - ps0) - 1
        for i in range(pe0, ps1):
            for j in range(last + 1, ms1):
                if alike(post_tokens[i], other_tokens[j]):
                    found.append((i, i + 1, j))
                    last = j
                    break
    return Passage(passage.post_start, passage.post_end, passage.match_start, passage.match_end, passage.matched, sorted(found))


def covered_words(found: Sequence[Passage], n_words: int) -> np.ndarray:
    """A boolean mask of the post's words that lie in any passage."""
    mask = np.zeros(n_words, dtype=bool)
    for p in found:
        mask[p.post_start : p.post_end] = True
    return mask


def aligned_words(found: Sequence[Passage], n_words: int) -> np.ndarray:
    """A boolean mask of the post's words aligned to a word of the other text (not the edits
    between a passage's fragments)."""
    mask = np.zeros(n_words, dtype=bool)
    for p in found:
        for start, end, _ in p.pieces:
            mask[start:end] = True
    return mask


def _joined(a: Passage, b: Passage) -> Passage:
    """One passage of two: from the first word of either to the last, on both sides."""
    return Passage(
        min(a.post_start, b.post_start),
        max(a.post_end, b.post_end),
        min(a.match_start, b.match_start),
        max(a.match_end, b.match_end),
        a.matched + b.matched,
        sorted(a.pieces + b.pieces),
    )


def merge_parallel(found: Sequence[Passage], min_ratio: float, max_gap: int) -> list[Passage]:
    """Merge passages that follow each other in the same order in both texts, the gaps between
    them in the post and in the other text about the same size (the shorter at least
    ``min_ratio`` of the longer) and no longer than the two passages together: the words between
    say that text's words between again, in other words (a paraphrased copy is one part; the
    best PAN text-alignment systems merge such fragments). So are passages that continue each
    other in the other text (at most ``max_gap`` words apart there, or overlapping as much) with
    a gap in the post no longer than the two together: the post inserted words of its own into
    a copied passage. Those words are covered by the span, never counted as copied. The two are
    each passage as found, not what it was merged into: a reach never grows by the gaps it
    covered. ``min_ratio`` 0 turns it off; ``max_gap`` below 0, the second rule."""
    merged: list[Passage] = []
    previous: Passage | None = None
    for p in sorted(found, key=lambda q: q.post_start):
        if merged and previous is not None and min_ratio > 0:
            last = merged[-1]
            post_gap, match_gap = p.post_start - last.post_end, p.match_start - last.match_end
            reach = (previous.post_end - previous.post_start) + (p.post_end - p.post_start)
            shorter, longer = min(post_gap, match_gap), max(post_gap, match_gap)
            alike = shorter >= 0 and longer <= reach and shorter >= min_ratio * longer
            inserted = abs(match_gap) <= max_gap and 0 <= post_gap <= reach and p.match_end > last.match_end
            if alike or inserted:
                merged[-1], previous = _joined(last, p), p
                continue
        merged.append(p)
        previous = p
    return merged


def _aligned_count(p: Passage) -> int:
    """How many distinct post words a passage aligns."""
    return len({i for start, end, _ in p.pieces for i in range(start, end)})


def absorb_short(found: Sequence[Passage], min_words: int) -> list[Passage]:
    """Passages of fewer than ``min_words`` aligned words joined to a longer passage of the
    match next to them in the post, no farther than the longer one's aligned words, wherever
    they lie in the other text: phrases a paraphrase kept from the copied text, inside the part
    it rewrote. The other text's span grows to cover such a phrase only when it lies as near
    there too: one matched far off is a word or two of the post's, not a reach across the text."""
    out: list[Passage] = []
    sizes: list[int] = []
    for p in sorted(found, key=lambda q: q.post_start):
        size = _aligned_count(p)
        if out:
            last, last_size = out[-1], sizes[-1]
            longer, reach = (p, size) if size >= last_size else (last, last_size)
            if min(size, last_size) < min_words <= reach and p.post_start - last.post_end <= reach:
                joined = _joined(last, p)
                far = max(p.match_start - last.match_end, last.match_start - p.match_end) > reach
                if far:
                    joined.match_start, joined.match_end = longer.match_start, longer.match_end
                out[-1], sizes[-1] = joined, last_size + size
                continue
        out.append(p)
        sizes.append(size)
    return out


def merge_near(found: Sequence[Passage], max_gap: int) -> list[Passage]:
    """Merge passages at most ``max_gap`` words apart in the post, in whatever order they lie
    in the other text: a reworded copy reorders what it says, and is one reworded part. The
    merged span covers the other text from the first to the last word of its parts."""
    merged: list[Passage] = []
    for p in sorted(found, key=lambda q: q.post_start):
        last = merged[-1] if merged else None
        if last is not None and p.post_start - last.post_end <= max_gap:
            merged[-1] = _joined(last, p)
        else:
            merged.append(p)
    return merged
