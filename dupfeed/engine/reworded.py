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
from collections.abc import Callable

import numpy as np

from .align import Passage, WordSequence

_SENTENCE_END = re.compile(r"[.!?;:\n]")


def sentences(text: str, spans: np.ndarray) -> list[tuple[int, int]]:
    """Word ranges ``[start, end)`` of the text's sentences (split where the text between two
    words holds sentence-ending punctuation or a line break)."""
    if not len(spans):
        return []
    cuts = [0]
    for i in range(1, len(spans)):
        if _SENTENCE_END.search(text, int(spans[i - 1, 1]), int(spans[i, 0])):
            cuts.append(i)
    cuts.append(len(spans))
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def reworded_passages(
    post: tuple[str, np.ndarray, WordSequence, np.ndarray],
    other: tuple[str, np.ndarray, WordSequence, np.ndarray],
    covered: np.ndarray,
    lemma: Callable[[str], str],
    *,
    min_shared: int,
    min_share: float,
) -> list[Passage]:
    """Passages of reworded sentences between ``post`` and ``other``, each given as ``(text,
    spans, words in comparison form, function-word mask)``; ``covered`` marks the post words
    already in passages (their sentences are left alone when mostly covered)."""
    text, spans, words, function = post
    o_text, o_spans, o_words, o_function = other
    # Most matched posts are covered by their passages: the matched text is read only for the others.
    open_sentences = [(a, b) for a, b in sentences(text, spans) if 2 * int(covered[a:b].sum()) < b - a]
    if not open_sentences:
        return []
    theirs = []
    for a, b in sentences(o_text, o_spans):
        lemmas = {lemma(o_words[j]) for j in range(a, b) if not o_function[j]}
        if len(lemmas) >= min_shared:
            theirs.append((a, b, lemmas))
    found = []
    for a, b in open_sentences:
        own = {lemma(words[i]): i for i in range(a, b) if not function[i]}
        if len(own) < min_shared:
            continue
        best = max(theirs, key=lambda t: len(own.keys() & t[2]), default=None)
        if best is None:
            continue
        shared = own.keys() & best[2]
        if len(shared) < min_shared or len(shared) < min_share * len(own):
            continue
        by_lemma: dict[str, int] = {}
        for j in range(best[0], best[1]):
            by_lemma.setdefault(lemma(o_words[j]), j)
        pieces = sorted((i, i + 1, by_lemma[lemma(words[i])]) for i in range(a, b) if lemma(words[i]) in by_lemma)
        # The passage runs from the first to the last word found as such in the matched
        # sentence, so that both spans start and end on the same word.
        same = [(i, j) for i, _, j in pieces if words[i] == o_words[j]]
        if len(same) < 2:
            continue
        (first, first_j), (last, last_j) = same[0], same[-1]
        if last_j < first_j:
            continue
        pieces = [piece for piece in pieces if first <= piece[0] <= last]
        found.append(Passage(first, last + 1, first_j, last_j + 1, 0, pieces))
    return found
