"""Close variants of a word: the same lemma, or a spelling a letter or two away.

A person rewording a copied passage inflects words otherwise (``decided``/``decides``,
``allée``/``allées``), fixes or makes a typo, or writes ``colour`` for ``color``. Lemmas come
from simplemma (dictionary lemmatisers for many languages, small and maintained), spellings
from rapidfuzz's Indel similarity. Words here are in comparison form (case-folded, without
diacritics), as the tokeniser gives them.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np
from rapidfuzz.distance import Indel
from simplemma.strategies import DictionaryLookupStrategy

from .align import WordSequence

_RECENT = 4096  # words lemmatised lately, kept in a dict before they join the sorted arrays

# Under five letters a word is a letter away from too many others (``than``/``then``).
_MIN_SPELLING_LENGTH = 5


def _lemma_number(lemma: str) -> int:
    """A lemma's number: 32 bits of its hash, so that documents lemmatised by one detector can be
    compared by another (a worker keeps documents across tasks). Two lemmas sharing a number, one
    pair in four billion, would count as one."""
    return int.from_bytes(hashlib.blake2b(lemma.encode("utf-8", "surrogatepass"), digest_size=4).digest(), "big")


class Variants:
    """Tells whether two words are close variants, in the given languages (ISO 639-1 codes)."""

    def __init__(self, languages: tuple[str, ...], min_ratio: float):
        self._languages, self._min_ratio = languages, min_ratio
        # Dictionary lookups only: simplemma's affix and rule strategies guess a lemma for an
        # unknown word in about half a millisecond, and its Lemmatizer checks its input on each
        # new word; the lookup strategy itself takes a few microseconds. An unknown word is its
        # own lemma, and a spelling a letter away is still found by similarity.
        self._lookup = DictionaryLookupStrategy()
        self.lemma = functools.lru_cache(maxsize=1 << 16)(self._lemmatize)
        self._ids: dict[str, int] = {}  # lemma -> its number (a hash: the same in every process and detector)
        # word hash -> its lemma's number: sorted arrays, and a dict of the words seen lately
        self._known = np.zeros(0, dtype=np.uint64)
        self._known_ids = np.zeros(0, dtype=np.int64)
        self._recent: dict[int, int] = {}

    def _lemmatize(self, word: str) -> str:
        if not self._languages:
            return word
        for language in self._languages:
            found = self._lookup.get_lemma(word, language)
            if found is not None:
                return found.casefold()
        return word

    def lemma_ids(self, hashes: np.ndarray, words: WordSequence) -> np.ndarray:
        """Each word's lemma as a 32-bit number (the same lemma, the same number), given the
        words' hashes and their comparison forms; each distinct word is lemmatised once, and
        words seen before are looked up as arrays."""
        ids = np.full(len(hashes), -1, dtype=np.int64)
        if len(self._known):
            at = np.minimum(np.searchsorted(self._known, hashes), len(self._known) - 1)
            hit = self._known[at] == hashes
            ids[hit] = self._known_ids[at[hit]]
        for i in np.flatnonzero(ids < 0).tolist():
            word_hash = int(hashes[i])
            known = self._recent.get(word_hash)
            if known is None:
                lemma = self.lemma(words[i])
                known = self._ids.get(lemma)
                if known is None:
                    known = self._ids[lemma] = _lemma_number(lemma)
                self._recent[word_hash] = known
            ids[i] = known
        if len(self._recent) > _RECENT:
            self._fold_recent()
        return ids

    def _fold_recent(self) -> None:
        """Move the words lemmatised lately into the sorted arrays."""
        hashes = np.concatenate([self._known, np.fromiter(self._recent.keys(), dtype=np.uint64)])
        values = np.concatenate([self._known_ids, np.fromiter(self._recent.values(), dtype=np.int64)])
        order = np.argsort(hashes, kind="stable")
        self._known, self._known_ids = hashes[order], values[order]
        self._recent.clear()

    def alike(self, a: str, b: str) -> bool:
        if a == b:
            return True
        if min(len(a), len(b)) >= _MIN_SPELLING_LENGTH and Indel.normalized_similarity(a, b) >= self._min_ratio:
            return True
        return self.lemma(a) == self.lemma(b)
