"""Close variants of a word: the same lemma, or a spelling a letter or two away.

A person rewording a copied passage inflects words otherwise (``decided``/``decides``,
``allée``/``allées``), fixes or makes a typo, or writes ``colour`` for ``color``. Lemmas come
from simplemma (dictionary lemmatisers for many languages, small and maintained), spellings
from rapidfuzz's Indel similarity. Words here are in comparison form (case-folded, without
diacritics), as the tokeniser gives them.
"""

from __future__ import annotations

import functools

import numpy as np
import simplemma
from rapidfuzz.distance import Indel

from .align import WordSequence

# Under five letters a word is a letter away from too many others (``than``/``then``).
_MIN_SPELLING_LENGTH = 5


class Variants:
    """Tells whether two words are close variants, in the given languages (ISO 639-1 codes)."""

    def __init__(self, languages: tuple[str, ...], min_ratio: float):
        self._languages, self._min_ratio = languages, min_ratio
        self.lemma = functools.lru_cache(maxsize=1 << 16)(self._lemmatize)
        self._ids: dict[str, int] = {}  # lemma -> its number
        self._by_hash: dict[int, int] = {}  # word hash -> its lemma's number

    def _lemmatize(self, word: str) -> str:
        if not self._languages:
            return word
        return simplemma.lemmatize(word, lang=self._languages).casefold()

    def lemma_ids(self, hashes: np.ndarray, words: WordSequence) -> np.ndarray:
        """Each word's lemma as a small integer (the same lemma, the same number), given the
        words' hashes and their comparison forms; each distinct word is lemmatised once."""
        unique, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
        ids = np.empty(len(unique), dtype=np.int64)
        for k, (word_hash, at) in enumerate(zip(unique.tolist(), first.tolist())):
            known = self._by_hash.get(word_hash)
            if known is None:
                known = self._by_hash[word_hash] = self._ids.setdefault(self.lemma(words[at]), len(self._ids))
            ids[k] = known
        return ids[inverse]

    def alike(self, a: str, b: str) -> bool:
        if a == b:
            return True
        if min(len(a), len(b)) >= _MIN_SPELLING_LENGTH and Indel.normalized_similarity(a, b) >= self._min_ratio:
            return True
        return self.lemma(a) == self.lemma(b)
