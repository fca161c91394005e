"""Normalisation for matching: which words a text has, in a form that survives reformatting.

A word is a run of letters or digits (combining accents continue it). For comparison each
character of a word is NFKC-folded (the "𝐛𝐨𝐥𝐝" letters of LinkedIn hooks become plain letters),
case-folded and stripped of diacritics. French elided articles (``l'``, ``d'``, ``qu'``…) and
English clitics (``'s``, ``'t``…) are dropped; URLs, @mentions, ``#`` marks, emoji and
punctuation are not words. Every word keeps its character span in the text as given, so
reported offsets slice the original text.

The hot path, :func:`tokenize`, does all of this for a whole batch of texts at once in numpy:
characters are classified and folded through lazily filled per-code-point tables, words are
hashed with a polynomial rolling hash, and no Python code runs per word. :func:`dupfeed.engine.reference.reference_words`
is the slow, obvious per-character implementation the tests hold it to.
"""

from __future__ import annotations

import itertools
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


@lru_cache(maxsize=1 << 14)  # per character: a text's words are folded one by one on demand
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


@lru_cache(maxsize=1 << 14)
def is_mark(char: str) -> bool:
    """Combining marks continue a word (decomposed text writes "é" as "e" + U+0301)."""
    return unicodedata.category(char).startswith("M")


def is_apostrophe(char: str) -> bool:
    return char in APOSTROPHES or unicodedata.normalize("NFKC", char) in APOSTROPHES


class _Tables:
    """Per-code-point classes and folds, computed the first time a code point is seen.

    A pure memo of the functions above (it never needs resetting): the numpy arrays let a
    whole batch be classified and folded with array indexing. Of a character's fold only its
    length and its own polynomial hash are kept: that is all a word's hash needs of it.
    """

    # WORD and SPACE are common; every flag from RARE up marks one of the few characters that
    # need a second look (an apostrophe, a mark, a letter that does not fold to one code point,
    # a URL's or a mention's punctuation, a code point not seen yet): one comparison finds them.
    WORD, SPACE = 1, 2
    APOSTROPHE, MARK, MULTI, URLISH, AT, UNKNOWN = 4, 8, 16, 32, 64, 128
    RARE = APOSTROPHE

    def __init__(self) -> None:
        self.flags = np.full(_UNICODE, self.UNKNOWN, dtype=np.uint8)  # one gather classifies a character
        self.fold_len = np.zeros(_UNICODE, dtype=np.uint8)  # at most MAX_FOLD
        self.fold_hash = np.zeros(_UNICODE, dtype=np.uint64)  # sum of f_j * P**(fold_len-1-j)

    def learn(self, code_points: np.ndarray) -> None:
        unknown = code_points[(self.flags[code_points] & self.UNKNOWN) != 0]
        for cp in np.unique(unknown).tolist():
            char = chr(cp)
            word, mark = is_word_char(char), is_mark(char)
            flags = (
                self.WORD * word
                + self.MARK * mark
                + self.APOSTROPHE * is_apostrophe(char)
                + self.SPACE * char.isspace()
                + self.URLISH * (char in ".:")
                + self.AT * (char == "@")
            )
            if word or mark:
                folded = "" if mark else fold_char(char)
                self.fold_len[cp] = len(folded)
                flags += self.MULTI * (word and len(folded) != 1)
                value = 0
                for c in folded:
                    value = (value * int(_P) + ord(c)) & _MASK64
                self.fold_hash[cp] = value
            self.flags[cp] = flags


_TABLES = _Tables()
_MASK64 = (1 << 64) - 1


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

    The word hash :func:`tokenize` computes, written plainly (for single strings).
    """
    with np.errstate(over="ignore"):
        n = len(code_points)
        prefix = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(code_points.astype(np.uint64) * _powers(_P_INV, n + 1)[:n], out=prefix[1:])
        raw = (prefix[run_ends] - prefix[run_starts]) * _powers(_P, n + 1)[run_ends - 1]
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


def _is_in(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``np.isin`` for a small sorted set, without its set-up cost on every chunk."""
    found = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[found] == values


def _is_handle_punctuation(cps: np.ndarray) -> np.ndarray:
    """``. @ - _``, which a handle may contain."""
    return (cps == 46) | (cps == 64) | (cps == 45) | (cps == 95)


def _spelled(cps: np.ndarray, ends: np.ndarray, letters: str) -> np.ndarray:
    """Which positions in ``ends`` come right after ``letters`` (ASCII, in any case)."""
    found = ends >= len(letters)
    for back, letter in enumerate(reversed(letters), 1):
        found &= (cps[ends - back] | 32) == ord(letter)  # only an ASCII letter becomes one
    return found


def _not_words(joined: str, cps: np.ndarray, flags: np.ndarray, word: np.ndarray, rare: np.ndarray) -> list[tuple[int, int]]:
    """``(start, end)`` of the URLs (``http://``, ``https://``, ``www.`` up to the next space)
    and @mentions, in order, each starting outside the one before.

    Like a word, each must start after a character that is not a letter or digit. Their
    punctuation is among the ``rare`` characters, so only those positions are looked at.
    """
    t = _TABLES
    n = len(cps)
    rare_flags = flags[rare]
    spans = []
    # "://" after "http" or "https", and "www." (in any case: ASCII letters only, as in the reference).
    urlish = rare[(rare_flags & t.URLISH).astype(bool)]
    colons = urlish[(cps[urlish] == 58) & (urlish + 2 < len(cps))]
    colons = colons[(cps[colons + 1] == 47) & (cps[colons + 2] == 47)]
    https = _spelled(cps, colons, "https")
    http = ~https & _spelled(cps, colons, "http")
    dots = urlish[cps[urlish] == 46]
    dots = dots[_spelled(cps, dots, "www")]
    for starts, afters in ((colons[https] - 5, colons[https] + 3), (colons[http] - 4, colons[http] + 3), (dots - 3, dots + 1)):
        follows_word = word[starts - 1]
        for at, after in zip(starts[~follows_word].tolist(), afters[~follows_word].tolist()):
            found = _NON_SPACE.match(joined, after)  # \S* always matches, if only the empty string
            end = found.end() if found else after
            if end > after:  # "(?:https?://|www\.)\S+": something after the prefix
                spans.append((at, end))
    mentions = rare[(rare_flags & t.AT).astype(bool)]
    mentions = mentions[word[mentions + 1] & ~word[mentions - 1]]
    if len(mentions):
        # A handle runs over letters, digits, marks and . @ - _ (checked in a short window).
        window = mentions[:, None] + 1 + np.arange(_HANDLE_WINDOW)
        inside = window < n
        window = np.minimum(window, n - 1)
        handle = (flags[window] & (t.WORD | t.MARK)).astype(bool) | _is_handle_punctuation(cps[window])
        handle &= inside
        run = np.where(handle.all(axis=1), _HANDLE_WINDOW, np.argmin(handle, axis=1))
        for i in np.flatnonzero(run == _HANDLE_WINDOW).tolist():  # a handle longer than the window
            end = int(mentions[i]) + 1
            while end < n and (flags[end] & (t.WORD | t.MARK) or cps[end] in (46, 64, 45, 95)):
                end += 1
            run[i] = end - mentions[i] - 1
        spans.extend(zip(mentions.tolist(), (mentions + 1 + run).tolist()))
    kept, covered = [], 0
    # Left to right, as a reader goes: a URL or mention that starts inside another is part of it.
    for start, end in sorted(spans):
        if start >= covered:
            kept.append((start, end))
            covered = end
    return kept


def _chunks(lengths: np.ndarray) -> list[tuple[int, int]]:
    """Runs ``[first, last)`` of consecutive texts of about _CHUNK characters in all."""
    ends = np.cumsum(lengths + 1)
    cuts = np.searchsorted(ends, np.arange(_CHUNK, int(ends[-1]) if len(ends) else 0, _CHUNK), side="right")
    bounds = np.unique(np.concatenate([[0], cuts, [len(lengths)]]))
    return [(int(a), int(b)) for a, b in itertools.pairwise(bounds)] or [(0, 0)]


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
    # A newline before, between and after the texts: no word, URL or mention crosses one,
    # and every word has a character on either side.
    joined = "\n" + "\n".join(texts) + "\n"
    text_starts = np.cumsum(lengths + 1) - lengths
    index = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.intp)
    n = len(index)
    flags = t.flags.take(index)
    if flags.max() >= t.UNKNOWN:
        t.learn(index)
        flags = t.flags.take(index)
    rare = np.flatnonzero(flags >= t.RARE)
    word = (flags & t.WORD).view(bool)
    for start, end in _not_words(joined, index, flags, word, rare):
        word[start:end] = False
    # Combining marks continue the word of the last character before them that is not one.
    rare_flags = flags[rare]
    marks = rare[(rare_flags & t.MARK).astype(bool)]
    if len(marks):
        run_first = np.maximum.accumulate(np.where(np.diff(marks, prepend=-2) != 1, np.arange(len(marks)), 0))
        word[marks[word[marks[run_first] - 1]]] = True
    changes = np.flatnonzero(word[1:] != word[:-1]) + 1
    starts, ends = changes[0::2], changes[1::2]

    # A word's hash is sum of c_i * P**(E-1-i) over the code points c_i of its folded
    # characters, E of them: from prefix sums of each character's own fold hash times P**-F,
    # F the number of folded code points up to and including it.
    values = t.fold_hash.take(index)
    folds = rare[word[rare]]  # in words and not folding to one code point: marks and MULTI letters
    folds = folds[t.fold_len[index[folds]] != 1]
    grow = t.fold_len[index[folds]].astype(np.int64) - 1
    shift = np.concatenate([[0], np.cumsum(grow)])  # folded minus actual length before each
    powers, inverse = _POWERS, _INVERSE_POWERS
    top = n + 1 + int(max(shift.max(), -shift.min()))
    if top > len(powers):  # one giant text: tables of its own size
        powers, inverse = _powers(_P, top), _powers(_P_INV, top)
    with np.errstate(over="ignore"):
        values *= inverse[1 : n + 1]
        if len(folds):
            factor = np.where(shift[1:] >= 0, inverse[np.abs(shift[1:])], powers[np.abs(shift[1:])])
            values[folds[0] :] *= np.repeat(factor, np.diff(np.append(folds, n)))
        prefix = np.empty(n + 1, dtype=np.uint64)
        prefix[0] = 0
        np.cumsum(values, out=prefix[1:])
        folded_starts, folded_ends = starts, ends
        if len(folds):
            folded_starts = starts + shift[np.searchsorted(folds, starts)]
            folded_ends = ends + shift[np.searchsorted(folds, ends)]
        raw = (prefix[ends] - prefix[starts]) * powers[folded_ends]
        folded_len = folded_ends - folded_starts
        hashes = _mix64(raw ^ (folded_len.astype(np.uint64) << np.uint64(56)))

    # French elisions and English clitics, beside an apostrophe, are not words.
    keep = folded_len > 0
    apostrophes = rare[(rare_flags & t.APOSTROPHE).astype(bool)]
    before = apostrophes[word[apostrophes + 1]]  # the word ending here may be elided
    elided = np.minimum(np.searchsorted(ends, before), len(ends) - 1)
    elided = elided[ends[elided] == before]
    keep[elided[_is_in(hashes[elided], _ELISION_HASHES)]] = False
    after = apostrophes[word[apostrophes - 1]] + 1  # the word starting here may be a clitic
    clitic = np.minimum(np.searchsorted(starts, after), len(starts) - 1)
    clitic = clitic[starts[clitic] == after]
    keep[clitic[_is_in(hashes[clitic], _CLITIC_HASHES)]] = False
    hashes, starts, ends = hashes[keep], starts[keep], ends[keep]
    offsets = np.append(np.searchsorted(starts, text_starts), len(starts))
    local = np.repeat(text_starts, np.diff(offsets))
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
