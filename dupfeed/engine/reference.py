"""Slow, obvious implementations of the hot path, which property tests hold the fast ones to.

Kept out of the hot modules (as RapidFuzz keeps its pure-Python reference beside the C++ one):
nothing in the package calls them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .normalize import CLITICS, ELISIONS, is_apostrophe, is_mark, is_word_char, normalize_token

_REFERENCE_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def reference_words(text: str) -> list[tuple[int, int]]:
    """A slow, obvious implementation of the word spans :func:`tokenize` finds, for tests."""
    n = len(text)
    hidden = [False] * n

    def starts_here(i: int) -> bool:
        return i == 0 or not is_word_char(text[i - 1]) or hidden[i - 1]

    i = 0
    while i < n:  # URLs and mentions, left to right
        if starts_here(i) and _REFERENCE_URL.match(text, i):
            end = i
            while end < n and not text[end].isspace():
                end += 1
        elif text[i] == "@" and starts_here(i) and i + 1 < n and is_word_char(text[i + 1]):
            end = i + 1
            while end < n and (is_word_char(text[end]) or is_mark(text[end]) or text[end] in ".@-_"):
                end += 1
        else:
            i += 1
            continue
        for j in range(i, end):
            hidden[j] = True
        i = end
    spans, i = [], 0
    while i < n:
        if is_word_char(text[i]) and not hidden[i]:
            end = i + 1
            while end < n and not hidden[end] and (is_word_char(text[end]) or is_mark(text[end])):
                end += 1
            spans.append((i, end))
            i = end
        else:
            i += 1
    out = []
    for k, (s, e) in enumerate(spans):
        form = normalize_token(text[s:e])
        elided = form in ELISIONS and e + 1 < n and is_apostrophe(text[e]) and (k + 1 < len(spans) and spans[k + 1][0] == e + 1)
        clitic = form in CLITICS and s >= 2 and is_apostrophe(text[s - 1]) and k > 0 and spans[k - 1][1] == s - 1
        if not (elided or clitic) and form:
            out.append((s, e))
    return out


def reference_shingles(token_hashes: Sequence[int], k: int) -> list[int]:
    """A slow, obvious implementation of :func:`text_shingles`, for tests."""
    mask = (1 << 64) - 1

    def mix(x: int) -> int:
        x ^= x >> 30
        x = (x * 0xBF58476D1CE4E5B9) & mask
        x ^= x >> 27
        x = (x * 0x94D049BB133111EB) & mask
        return x ^ (x >> 31)

    n = len(token_hashes)
    if n == 0:
        return []
    out = []
    for start in range(max(n - k + 1, 1)):
        acc = k
        for j in range(k):
            word = token_hashes[start + j] if start + j < n else 0
            acc = (acc * 0x9E3779B97F4A7C15 + word) & mask
        out.append(mix(acc))
    return out
