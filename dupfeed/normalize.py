"""Normalisation for matching: which words a text has, in a form that survives reformatting.

A word is a run of letters or digits (combining accents continue it). For comparison each
character of a word is NFKC-folded (the "𝐛𝐨𝐥𝐝" letters of LinkedIn hooks become plain letters),
case-folded and stripped of diacritics. French elided articles (``l'``, ``d'``, ``qu'``…) and
English clitics (``'s``, ``'t``…) are dropped; URLs, @mentions, ``#`` marks, emoji and
punctuation are not words. Every word keeps its character span in the text as given, so
reported offsets slice the original text.

The hot path, :func:`tokenize`, does all of this for a whole batch of texts at once in numpy:
characters are classified and folded through lazily filled per-code-point tables, words are
hashed with a polynomial rolling hash, and no Python code runs per word. :func:`reference_words`
is the slow, obvious per-character implementation the tests hold it to.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .shingle import _mix64

APOSTROPHES = "'\u2019\u02bc"
ELISIONS = ("c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "presqu", "quoiqu")
CLITICS = ("s", "t", "re", "ll", "ve", "d", "m")
MAX_FOLD = 4
"""Code points kept of one character's folded form (a few ligatures expand further)."""

_UNICODE = 0x110000
_P = np.uint64(0x100000001B3)  # FNV's 64-bit prime: odd, so invertible modulo 2**64
_P_INV = np.uint64(pow(0x100000001B3, -1, 1 << 64))


def fold_char(char: str) -> str:
    """The comparison form of one character: NFKC, case-folded, diacritics removed, and only
    its letters and digits kept (``½`` folds to ``12``, ``⑴`` to ``1``), so that the normal
    form of a normal form is itself."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", char).casefold())
    stripped = unicodedata.normalize("NFKC", "".join(c for c in folded if not unicodedata.combining(c)))
    return "".join(c for c in stripped if is_word_char(c))[:MAX_FOLD]


def is_word_char(char: str) -> bool:
    """Letters and digits start or continue a word; U+02BC, a "modifier letter" that keyboards
    type as an apostrophe, does not."""
    return char.isalnum() and char != "\u02bc"


def is_mark(char: str) -> bool:
    """Combining marks continue a word (decomposed text writes "é" as "e" + U+0301)."""
    return unicodedata.category(char).startswith("M")


def is_apostrophe(char: str) -> bool:
    return char in APOSTROPHES or unicodedata.normalize("NFKC", char) in APOSTROPHES


class _Tables:
    """Per-code-point classes and folds, computed the first time a code point is seen.

    A pure memo of the functions above (it never needs resetting): the numpy arrays let a
    whole batch be classified and folded with array indexing.
    """

    WORD, MARK, APOSTROPHE, SPACE, MULTI = 1, 2, 4, 8, 16  # MULTI: a letter folding to 0 or 2+ code points

    def __init__(self) -> None:
        self.known = np.zeros(_UNICODE, dtype=bool)
        self.flags = np.zeros(_UNICODE, dtype=np.uint8)  # one gather classifies a character
        self.fold_len = np.zeros(_UNICODE, dtype=np.uint8)  # at most MAX_FOLD
        self.fold = np.zeros((MAX_FOLD, _UNICODE), dtype=np.uint32)

    def learn(self, code_points: np.ndarray) -> None:
        unknown = code_points[~self.known[code_points]]
        if len(unknown) == 0:
            return
        new = np.unique(unknown)
        for cp in new.tolist():
            char = chr(cp)
            word, mark = is_word_char(char), is_mark(char)
            self.flags[cp] = (
                self.WORD * word
                + self.MARK * mark
                + self.APOSTROPHE * is_apostrophe(char)
                + self.SPACE * char.isspace()
            )
            if word or mark:
                folded = "" if mark else fold_char(char)
                self.fold_len[cp] = len(folded)
                self.flags[cp] += self.MULTI * (word and len(folded) != 1)
                for i, c in enumerate(folded):
                    self.fold[i, cp] = ord(c)
        self.known[new] = True


_TABLES = _Tables()


_CHUNK = 1 << 16
"""Code points tokenised in one go: small enough for the temporaries to stay in cache
(measured fastest among 2**14 to 2**20), and the size of the power tables below."""


def _powers(base: np.uint64, n: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.concatenate([np.ones(1, np.uint64), np.cumprod(np.full(n - 1, base, dtype=np.uint64))])


_POWERS = _powers(_P, 2 * _CHUNK + 1)  # P**i; uint64 arithmetic wraps modulo 2**64
_INVERSE_POWERS = _powers(_P_INV, 2 * _CHUNK + 1)  # P**-i


def _hash_runs(code_points: np.ndarray, run_starts: np.ndarray, run_ends: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each run ``code_points[start:end]``: sum of c_i * P**(end-1-i), mixed.

    Computed for all runs at once from prefix sums of c_i * P**-i, since P is invertible
    modulo 2**64. A chunk of more folded code points than the power tables hold (one giant
    text) gets tables of its own size.
    """
    n = len(code_points)
    if len(run_starts) == 0:
        return np.zeros(0, dtype=np.uint64)
    powers, inverse = _POWERS, _INVERSE_POWERS
    if n > len(powers):  # one giant text: tables of its own size
        powers, inverse = _powers(_P, n), _powers(_P_INV, n)
    with np.errstate(over="ignore"):
        prefix = np.empty(n + 1, dtype=np.uint64)
        prefix[0] = 0
        np.cumsum(code_points.astype(np.uint64) * inverse[:n], out=prefix[1:])
        raw = (prefix[run_ends] - prefix[run_starts]) * powers[run_ends - 1]
        lengths = (run_ends - run_starts).astype(np.uint64)
        return _mix64(raw ^ (lengths << np.uint64(56)))


def _string_hash(text: str) -> int:
    """The hash :func:`tokenize` gives a word whose folded form is ``text``."""
    cps = np.array([ord(c) for c in text], dtype=np.uint32)
    return int(_hash_runs(cps, np.array([0]), np.array([len(cps)]))[0])


_ELISION_HASHES = np.array(sorted(_string_hash(e) for e in ELISIONS), dtype=np.uint64)
_CLITIC_HASHES = np.array(sorted(_string_hash(c) for c in CLITICS), dtype=np.uint64)


@dataclass(frozen=True)
class Tokens:
    """The words of a batch of texts.

    Text ``i`` owns words ``offsets[i]:offsets[i+1]``; word ``w`` has hash ``hashes[w]`` and
    spans ``text[starts[w]:ends[w]]`` of its own text.
    """

    hashes: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    offsets: np.ndarray

    def of(self, i: int) -> np.ndarray:
        """The word hashes of text ``i``."""
        return self.hashes[self.offsets[i] : self.offsets[i + 1]]


_NON_SPACE = re.compile(r"\S*")
_HANDLE_WINDOW = 64


def _find_all(text: str, needle: str):
    at = text.find(needle)
    while at >= 0:
        yield at
        at = text.find(needle, at + 1)


_WWW = re.compile(r"[wW][wW][wW]\.")


def _url_prefixes(text: str):
    """``(start, end)`` of every ``http://``, ``https://`` and ``www.``, in any case."""
    for at in _find_all(text, "://"):
        if text[max(at - 5, 0) : at].lower() == "https":
            yield at - 5, at + 3
        elif text[max(at - 4, 0) : at].lower() == "http":
            yield at - 4, at + 3
    for found in _WWW.finditer(text):
        yield found.start(), found.end()


def _not_words(joined: str, cps: np.ndarray, flags: np.ndarray, word: np.ndarray) -> np.ndarray:
    """Where URLs (``http://``, ``https://``, ``www.`` up to the next space) and @mentions lie.

    Like a word, each must start after a character that is not a letter or digit. URLs are
    few: the regex engine's literal search finds them faster than any pass over the array.
    """
    t = _TABLES
    n = len(cps)
    starts, ends = [], []
    for at, after in _url_prefixes(joined):
        if at and word[at - 1]:
            continue
        end = _NON_SPACE.match(joined, after).end()
        if end > after:  # "(?:https?://|www\.)\S+": something after the prefix
            starts.append(at)
            ends.append(end)
    mentions = np.flatnonzero(cps == ord("@"))
    if len(mentions):
        padded = np.concatenate([word, [False]])
        mentions = mentions[padded[mentions + 1] & ((mentions == 0) | ~word[np.maximum(mentions - 1, 0)])]
    if len(mentions):
        # A handle runs over letters, digits, marks and . @ - _ (checked in a short window).
        window = mentions[:, None] + 1 + np.arange(_HANDLE_WINDOW)
        inside = window < n
        window = np.minimum(window, n - 1)
        handle = (flags[window] & (t.WORD | t.MARK)).astype(bool) | np.isin(cps[window], [46, 64, 45, 95])
        handle &= inside
        run = np.where(handle.all(axis=1), _HANDLE_WINDOW, np.argmin(handle, axis=1))
        for i in np.flatnonzero(run == _HANDLE_WINDOW).tolist():  # a handle longer than the window
            end = int(mentions[i]) + 1
            while end < n and (flags[end] & (t.WORD | t.MARK) or cps[end] in (46, 64, 45, 95)):
                end += 1
            run[i] = end - mentions[i] - 1
        starts.extend(mentions.tolist())
        ends.extend((mentions + 1 + run).tolist())
    hidden = np.zeros(n, dtype=bool)
    covered = 0
    # Left to right, as a reader goes: a URL or mention that starts inside another is part of it.
    for start, end in sorted(zip(starts, ends)):
        if start >= covered:
            hidden[start:end] = True
            covered = end
    return hidden


def _chunks(lengths: np.ndarray) -> list[tuple[int, int]]:
    """Runs ``[first, last)`` of consecutive texts of about _CHUNK characters in all."""
    ends = np.cumsum(lengths + 1)
    cuts = np.searchsorted(ends, np.arange(_CHUNK, int(ends[-1]) if len(ends) else 0, _CHUNK), side="right")
    bounds = np.unique(np.concatenate([[0], cuts, [len(lengths)]]))
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])] or [(0, 0)]


def tokenize(texts: list[str]) -> Tokens:
    """The words of many texts at once: hashes and character spans (see :class:`Tokens`)."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    parts = [_tokenize_chunk(texts[a:b], lengths[a:b]) for a, b in _chunks(lengths)]
    if len(parts) == 1:
        return parts[0]
    shifts = np.cumsum([0] + [len(p.hashes) for p in parts[:-1]])
    offsets = np.concatenate([[0]] + [p.offsets[1:] + shift for p, shift in zip(parts, shifts)])
    return Tokens(
        np.concatenate([p.hashes for p in parts]),
        np.concatenate([p.starts for p in parts]),
        np.concatenate([p.ends for p in parts]),
        offsets,
    )


def _tokenize_chunk(texts: list[str], lengths: np.ndarray) -> Tokens:
    t = _TABLES
    joined = "\n".join(texts)
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    text_starts = np.concatenate([[0], np.cumsum(lengths + 1)])[: len(texts)]
    t.learn(cps)
    flags = t.flags[cps]
    word = (flags & t.WORD).astype(bool)
    word &= ~_not_words(joined, cps, flags, word)
    # Combining marks continue the word of the last character before them that is not one.
    mark = (flags & t.MARK).astype(bool)
    if mark.any():
        base = np.maximum.accumulate(np.where(mark, -1, np.arange(len(cps))))
        word |= mark & (base >= 0) & word[np.maximum(base, 0)]
    edges = np.diff(word.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)

    # Fold every character of every word into up to MAX_FOLD code points, then hash per word.
    inside_cps = cps[word]
    word_len = ends - starts
    if not (flags & t.MULTI).any() and not (mark & word).any():
        folded = t.fold[0, inside_cps]  # the common case: one code point per character
        folded_ends = np.cumsum(word_len)
    else:
        counts = t.fold_len[inside_cps].astype(np.int64)
        owner = np.repeat(np.arange(len(inside_cps)), counts)
        rank = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
        folded = t.fold[rank, inside_cps[owner]]
        folded_ends = np.cumsum(counts)[np.cumsum(word_len) - 1] if len(starts) else np.zeros(0, np.int64)
    folded_len = np.diff(folded_ends, prepend=0)
    hashes = _hash_runs(folded, folded_ends - folded_len, folded_ends)

    # French elisions and English clitics, beside an apostrophe, are not words.
    padded_word = np.concatenate([word, [False, False]])
    apostrophe = np.concatenate([(flags & t.APOSTROPHE).astype(bool), [False]])
    keep = folded_len > 0
    elided = np.flatnonzero(apostrophe[ends] & padded_word[ends + 1])
    keep[elided[np.isin(hashes[elided], _ELISION_HASHES)]] = False
    clitic = np.flatnonzero((starts >= 2) & apostrophe[starts - 1] & padded_word[starts - 2])
    keep[clitic[np.isin(hashes[clitic], _CLITIC_HASHES)]] = False
    hashes, starts, ends = hashes[keep], starts[keep], ends[keep]
    owner_text = np.searchsorted(text_starts, starts, side="right") - 1
    offsets = np.searchsorted(owner_text, np.arange(len(texts) + 1), side="left")
    local = text_starts[owner_text]
    return Tokens(hashes, starts - local, ends - local, offsets)


def token_hashes(text: str) -> np.ndarray:
    """The 64-bit hashes of a text's words, in order."""
    return tokenize([text]).hashes


def token_spans(text: str) -> np.ndarray:
    """An (n, 2) array of the [start, end) character span of each word in ``text`` as given."""
    found = tokenize([text])
    return np.stack([found.starts, found.ends], axis=1)


def words(text: str) -> list[str]:
    """The words of a text as written, in order."""
    found = tokenize([text])
    return [text[s:e] for s, e in zip(found.starts.tolist(), found.ends.tolist())]


@lru_cache(maxsize=1 << 16)
def normalize_token(token: str) -> str:
    """The comparison form of a word: each character folded (see :func:`fold_char`)."""
    return "".join("" if is_mark(c) else fold_char(c) for c in token)


def token_hash(token: str) -> int:
    """The hash :func:`tokenize` gives this word."""
    return _string_hash(normalize_token(token))


def normalize_text(text: str) -> str:
    """The normal form of a whole text: its normalised words joined by single spaces."""
    return " ".join(normalize_token(w) for w in words(text))


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
