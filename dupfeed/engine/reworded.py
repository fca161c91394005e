"""Reworded sentences: a post sentence that says a matched sentence again in other words.

Exact shingles find copied text and its light edits; a person rewording a copy also reorders
clauses, swaps words for others and inflects them otherwise, which leaves too few shared
word triples. Once a pair is known to share copied passages (the evidence is already there),
each post sentence that no passage covers is compared, on the lemmas of its content words, with
the sentences of the matched text; one that shares most of its content lemmas with a sentence
there is aligned to it word by word, lemma to lemma (as sentence-level text alignment does,
seeded by the exact passages).
"""

from __future__ import annotations

import itertools
import re

import numpy as np

from .align import Passage

_SENTENCE_END = re.compile(r"[.!?;:\n]")


def sentence_cuts(text: str, spans: np.ndarray) -> np.ndarray:
    """Word positions where the text's sentences start, and its word count last: sentence ``s``
    is words ``[cuts[s], cuts[s + 1])`` (split where the text between two words holds
    sentence-ending punctuation or a line break)."""
    n = len(spans)
    if not n:
        return np.zeros(1, dtype=np.int64)
    ends = np.array([m.start() for m in _SENTENCE_END.finditer(text)], dtype=np.int64)
    gap_start, gap_end = spans[:-1, 1], spans[1:, 0]
    split = np.searchsorted(ends, gap_end) > np.searchsorted(ends, gap_start)
    return np.concatenate([[0], np.flatnonzero(split) + 1, [n]]).astype(np.int64)


def sentence_lemmas(cuts: np.ndarray, lemmas: np.ndarray, function: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A text's distinct content lemmas by sentence, as ``(sentence, lemma)`` key arrays sorted
    by key, and the number of them in each sentence (what a post sentence is compared with)."""
    sentence = np.repeat(np.arange(len(cuts) - 1), np.diff(cuts))
    keys = np.unique((sentence[~function].astype(np.int64) << 32) | lemmas[~function])
    key_sentence, key_lemma = keys >> 32, keys & 0xFFFFFFFF
    return key_sentence, key_lemma, np.bincount(key_sentence, minlength=len(cuts) - 1)


def open_sentences(cuts: np.ndarray, covered: np.ndarray) -> list[tuple[int, int]]:
    """The ``(start, end)`` word ranges of the sentences less than half ``covered``: the only ones
    that can be reworded copies (most matched posts are covered by their passages)."""
    return [(int(a), int(b)) for a, b in itertools.pairwise(cuts) if 2 * int(covered[a:b].sum()) < b - a]


def _most_alike(
    bounds: list[tuple[int, int]],
    lemmas: np.ndarray,
    function: np.ndarray,
    keys: tuple[np.ndarray, np.ndarray, np.ndarray],
    min_shared: int,
    min_share: float,
) -> list[tuple[tuple[int, int], int]]:
    """For each post sentence of ``bounds`` (word ranges), the sentence of the other text most
    alike by the Dice coefficient of their distinct content lemmas (the first of equals), when
    they share ``min_shared`` lemmas or more and the coefficient reaches ``min_share``: all the
    sentences at once, each lemma looked up once."""
    key_sentence, key_lemma, sizes = keys
    positions = np.concatenate([np.arange(a, b) for a, b in bounds])
    sentence = np.repeat(np.arange(len(bounds)), [b - a for a, b in bounds])
    content = ~function[positions]
    own = np.unique((sentence[content].astype(np.int64) << 32) | lemmas[positions[content]].astype(np.int64))
    own_sentence, own_lemma = own >> 32, own & 0xFFFFFFFF
    own_sizes = np.bincount(own_sentence, minlength=len(bounds))
    wanted = own_sizes[own_sentence] >= min_shared  # too few content lemmas to be a sentence said again
    own_sentence, own_lemma = own_sentence[wanted], own_lemma[wanted]
    by_lemma = np.argsort(key_lemma, kind="stable")
    ranked = key_lemma[by_lemma]
    lo = np.searchsorted(ranked, own_lemma, side="left")
    reps = np.searchsorted(ranked, own_lemma, side="right") - lo
    within = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
    pairs = (np.repeat(own_sentence, reps) << 32) | key_sentence[by_lemma[np.repeat(lo, reps) + within]]
    pairs, overlap = np.unique(pairs, return_counts=True)
    post_s, other_s = pairs >> 32, pairs & 0xFFFFFFFF
    keep = sizes[other_s] >= min_shared
    post_s, other_s, overlap = post_s[keep], other_s[keep], overlap[keep]
    dice = 2 * overlap / (sizes[other_s] + own_sizes[post_s])
    order = np.lexsort((other_s, -dice, post_s))  # per post sentence: most alike first, then the first such
    first = order[np.flatnonzero(np.diff(np.concatenate([[-1], post_s[order]])))]
    return [
        (bounds[int(post_s[i])], int(other_s[i])) for i in first.tolist() if overlap[i] >= min_shared and dice[i] >= min_share
    ]


def reworded_passages(
    post: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    other: tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]],
    covered: np.ndarray,
    *,
    min_shared: int,
    min_share: float,
) -> list[Passage]:
    """Passages of reworded sentences between ``post``, given as ``(sentence cuts, lemma ids,
    word hashes, function-word mask)`` by word position, and ``other``, given as ``(sentence
    cuts, lemma ids, word hashes, its sentence_lemmas())``; ``covered`` marks the post words
    already in passages (their sentences are left alone when mostly covered)."""
    cuts, lemmas, words, function = post
    o_cuts, o_lemmas, o_words, (key_sentence, key_lemma, sizes) = other
    bounds = open_sentences(cuts, covered)
    if not bounds or len(o_lemmas) == 0:
        return []
    found = []
    for (a, b), best in _most_alike(bounds, lemmas, function, (key_sentence, key_lemma, sizes), min_shared, min_share):
        oa, ob = int(o_cuts[best]), int(o_cuts[best + 1])
        values, first = np.unique(o_lemmas[oa:ob], return_index=True)
        at = np.minimum(np.searchsorted(values, lemmas[a:b]), len(values) - 1)
        known = values[at] == lemmas[a:b]
        post_at = a + np.flatnonzero(known)
        match_at = oa + first[at[known]]
        # The passage runs from the first to the last word found as such in the matched
        # sentence, so that both spans start and end on the same word.
        same = np.flatnonzero(words[post_at] == o_words[match_at])
        if len(same) < 2:
            continue
        lo, hi = same[0], same[-1]
        if match_at[hi] < match_at[lo]:
            continue
        pieces = [(int(i), int(i) + 1, int(j)) for i, j in zip(post_at[lo : hi + 1], match_at[lo : hi + 1])]
        found.append(Passage(int(post_at[lo]), int(post_at[hi]) + 1, int(match_at[lo]), int(match_at[hi]) + 1, 0, pieces))
    return found
