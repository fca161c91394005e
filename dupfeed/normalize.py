"""Normalisation for matching: which words a text has, in a form that survives reformatting.

A token is a run of letters or digits. Before comparison each token is NFKC-folded (the
"𝐛𝐨𝐥𝐝" letters of LinkedIn hooks become plain letters), case-folded and stripped of
diacritics. French elided articles (``l'``, ``d'``, ``qu'``…) and English clitics (``'s``,
``'t``…) are dropped; URLs, @mentions, ``#`` marks, emoji and punctuation are not words.
Every token keeps its character span in the text as given, so reported offsets slice the
original text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import numpy as np

_APOSTROPHE = "['\u2019\u02bc]"
# Letters and digits, less U+02BC: a "modifier letter" that keyboards type as an apostrophe.
_ALNUM = r"[^\W_\u02bc]"
# Combining marks continue a word (decomposed text, NFD, writes "é" as "e" + U+0301).
_MARK = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_WORD = rf"{_ALNUM}(?:{_ALNUM}|{_MARK})*"
_ELISION = rf"(?:(?<!{_ALNUM})(?:jusqu|lorsqu|puisqu|presqu|quoiqu|qu|[cdjlmnst]){_APOSTROPHE})?"
_CLITIC = rf"(?:{_APOSTROPHE}(?:s|t|re|ll|ve|d|m)(?!{_ALNUM}))?"
_URL = r"(?:https?://|www\.)\S+"
_MENTION = rf"(?<!{_ALNUM})@{_ALNUM}[\w.@-]*"
# Group 1 is the word; a match without it is a URL or a mention, which is not a word.
TOKEN_RE = re.compile(rf"{_URL}|{_MENTION}|{_ELISION}({_WORD}){_CLITIC}", re.IGNORECASE)


@lru_cache(maxsize=1 << 18)
def normalize_token(token: str) -> str:
    """The comparison form of one token: NFKC, case-folded, diacritics removed."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", token).casefold())
    stripped = "".join(c for c in folded if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", stripped)


@lru_cache(maxsize=1 << 18)
def token_hash(token: str) -> int:
    """A stable 64-bit hash of a raw token's normal form (stable across runs and machines)."""
    digest = hashlib.blake2b(normalize_token(token).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _matching_view(text: str) -> tuple[str, np.ndarray | None]:
    """The text with each character NFKC-folded, and where each folded character came from.

    Folding character by character keeps a map back to the original offsets; text that is
    already NFKC (nearly all of it) is returned as is, with no map.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text, None
    pieces: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char)
        pieces.append(folded)
        origin.extend([i] * len(folded))
    origin.append(len(text))
    return "".join(pieces), np.asarray(origin, dtype=np.int64)


def words(text: str) -> list[str]:
    """The raw word tokens of a text, in order (the fast path: no offsets)."""
    view, _ = _matching_view(text)
    return [w for w in TOKEN_RE.findall(view) if w]


def token_hashes(text: str) -> np.ndarray:
    """The 64-bit hashes of a text's tokens, in order."""
    return np.fromiter((token_hash(w) for w in words(text)), dtype=np.uint64)


def token_spans(text: str) -> np.ndarray:
    """An (n, 2) array of the [start, end) character span of each token in ``text`` as given."""
    view, origin = _matching_view(text)
    spans = [m.span(1) for m in TOKEN_RE.finditer(view) if m.group(1)]
    out = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    if origin is not None and len(out):
        # An end maps to the character after the last one folded into the token.
        out = np.stack([origin[out[:, 0]], origin[out[:, 1] - 1] + 1], axis=1)
    return out


def normalize_text(text: str) -> str:
    """The normal form of a whole text: its normalised tokens joined by single spaces."""
    return " ".join(normalize_token(w) for w in words(text))
