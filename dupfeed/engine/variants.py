"""Close variants of a word: the same lemma, or a spelling a letter or two away.

A person rewording a copied passage inflects words otherwise (``decided``/``decides``,
``allée``/``allées``), fixes or makes a typo, or writes ``colour`` for ``color``. Lemmas come
from simplemma (dictionary lemmatisers for many languages, small and maintained), spellings
from rapidfuzz's Indel similarity. Words here are in comparison form (case-folded, without
diacritics), as the tokeniser gives them.
"""

from __future__ import annotations

import functools

import simplemma
from rapidfuzz.distance import Indel

# Under five letters a word is a letter away from too many others (``than``/``then``).
_MIN_SPELLING_LENGTH = 5


class Variants:
    """Tells whether two words are close variants, in the given languages (ISO 639-1 codes)."""

    def __init__(self, languages: tuple[str, ...], min_ratio: float):
        self._languages, self._min_ratio = languages, min_ratio
        self.lemma = functools.lru_cache(maxsize=1 << 16)(self._lemmatize)

    def _lemmatize(self, word: str) -> str:
        if not self._languages:
            return word
        return simplemma.lemmatize(word, lang=self._languages).casefold()

    def alike(self, a: str, b: str) -> bool:
        if a == b:
            return True
        if min(len(a), len(b)) >= _MIN_SPELLING_LENGTH and Indel.normalized_similarity(a, b) >= self._min_ratio:
            return True
        return self.lemma(a) == self.lemma(b)
