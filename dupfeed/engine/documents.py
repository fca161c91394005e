"""What the detector keeps of each source and post, and the protocol of the store holding them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np

from ..records import Post, Source
from .normalize import normalize_token, tokenize
from .shingle import distinct_by_text, flat_shingles


@dataclass
class Document:
    """One source or post, tokenised and shingled."""

    record: Post | Source
    shingles: np.ndarray  # uint64 shingle hashes by position
    unique: np.ndarray  # sorted unique shingle hashes
    spans: np.ndarray  # (words, 2) int32: each word's [start, end) in the text
    words: np.ndarray  # uint64 hashes of the words, by position
    order: tuple[datetime, int] | None = None  # (created_at, sequence) for posts; None for sources
    lemmas: np.ndarray | None = None  # lemma ids by position, made when first needed
    sentences: np.ndarray | None = None  # word positions where sentences start, made with lemmas
    function: np.ndarray | None = None  # which words are function words, made when first needed
    function_total: int = -1  # the word count total ``function`` was made at (counts only grow)
    sentence_keys: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # content lemmas by sentence
    sentence_keys_of: np.ndarray | None = None  # the ``function`` mask they were made with
    shingle_order: np.ndarray | None = None  # how its shingles sort, made when first matched

    @property
    def is_source(self) -> bool:
        return isinstance(self.record, Source)

    @property
    def n_words(self) -> int:
        return len(self.spans)

    @property
    def tokens(self) -> Words:
        """The words' comparison forms, each made when first read (rapidfuzz at passage ends
        reads a few words of a long article, not all of them)."""
        return Words(self.record.text, self.spans)


class Words:
    """A text's words in comparison form, by position, normalised on demand."""

    def __init__(self, text: str, spans: np.ndarray):
        self._text, self._spans = text, spans

    def __len__(self) -> int:
        return len(self._spans)

    def __getitem__(self, i: int) -> str:
        start, end = self._spans[i]
        return normalize_token(self._text[start:end])


def make_docs(
    records: Sequence[Post | Source], orders: Sequence[tuple[datetime, int] | None], shingle_size: int
) -> tuple[list[Document], np.ndarray, np.ndarray]:
    """Tokenise and shingle a batch of records as one; returns their documents and the batch's
    shingle hashes with each record's offsets into them."""
    found = tokenize([r.text for r in records])
    spans = np.stack([found.starts, found.ends], axis=1).astype(np.int32)
    return docs_from_words(records, orders, found.hashes, spans, found.offsets, shingle_size)


def docs_from_words(
    records: Sequence[Post | Source],
    orders: Sequence[tuple[datetime, int] | None],
    words: np.ndarray,
    spans: np.ndarray,
    word_offsets: np.ndarray,
    shingle_size: int,
) -> tuple[list[Document], np.ndarray, np.ndarray]:
    """:func:`make_docs` of records already tokenised: ``words`` and ``spans`` of all of them
    end to end, record ``i`` owning ``[word_offsets[i], word_offsets[i + 1])`` (a store keeps
    them, so that nothing is tokenised twice)."""
    hashes, offsets = flat_shingles(words, np.diff(word_offsets), shingle_size)
    unique, unique_offsets = distinct_by_text(hashes, offsets)
    docs = []
    for i, record in enumerate(records):
        lo, hi = word_offsets[i], word_offsets[i + 1]
        own, distinct = hashes[offsets[i] : offsets[i + 1]], unique[unique_offsets[i] : unique_offsets[i + 1]]
        docs.append(Document(record, own, distinct, spans[lo:hi], words[lo:hi], orders[i]))
    return docs, hashes, offsets


class Authors:
    """Who wrote each document, by number: 32-bit author keys
    (:func:`~dupfeed.engine.common_text.author_key`), 0 for a source or a post without an
    author. Kept in memory in appended pieces (4 bytes a document), so that a store saves only
    the new ones; an author's own earlier posts are found without reading any."""

    def __init__(self, pieces: Iterable[np.ndarray] = ()):
        self.pieces: list[np.ndarray] = [np.asarray(p, dtype=np.uint32) for p in pieces]
        self._all = np.concatenate(self.pieces) if self.pieces else np.zeros(0, dtype=np.uint32)
        self._by_author = np.zeros(0, dtype=np.uint64)  # author << 32 | document, sorted: made when first asked

    def add(self, keys: Sequence[int]) -> None:
        """Append the keys of the next documents."""
        piece = np.asarray(keys, dtype=np.uint32)
        self.pieces.append(piece)
        self._all = np.concatenate([self._all, piece])
        if len(self.pieces) > 16:  # a store grown night by night keeps a few pieces
            self.pieces = [self._all]

    def of(self, numbers: np.ndarray) -> np.ndarray:
        """The author keys of documents ``numbers``."""
        return self._all[numbers]

    def own_recent(self, texts: np.ndarray, owners: np.ndarray, recent: int) -> np.ndarray:
        """Which documents ``owners[i]`` are by the author of ``texts[i]`` (not 0), and among
        that author's latest ``recent`` documents before it (0: any of them). A prolific
        account (a news feed, a bot) has tens of thousands of posts; a person rewording their
        own post does it among their latest ones."""
        by = self.of(owners)
        same = (by != 0) & (by == self.of(texts))
        if recent <= 0 or not same.any():
            return same
        if len(self._by_author) != len(self._all):
            self._by_author = np.sort((self._all.astype(np.uint64) << np.uint64(32)) | np.arange(len(self._all), dtype=np.uint64))
        at = np.flatnonzero(same)
        author = by[at].astype(np.uint64) << np.uint64(32)
        rank = self._by_author.searchsorted(author | texts[at].astype(np.uint64))
        between = rank - self._by_author.searchsorted(author | owners[at].astype(np.uint64))
        same[at[between > recent]] = False
        return same

    def __len__(self) -> int:
        return len(self._all)


class DocumentStore(Protocol):
    """Where the detector keeps its documents, numbered in the order they were added.

    :class:`Documents` keeps them in memory; the SQLite store keeps them in its file and reads
    them back when a post is verified against them.
    """

    def __len__(self) -> int: ...

    def __getitem__(self, number: int) -> Document: ...

    def append(self, doc: Document) -> None:
        """Keep a new document under the next number."""

    def prefetch(self, numbers: Iterable[int]) -> None:
        """Make these documents ready to be read: called once per batch before they are
        compared, so that a store can load them in one go."""


class Documents(list[Document]):
    """Documents in memory (the default :class:`DocumentStore`)."""

    def prefetch(self, numbers: Iterable[int]) -> None:
        """Nothing to load: every document is already in memory."""
