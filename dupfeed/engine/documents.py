"""What the detector keeps of each source and post, and the protocol of the store holding them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np

from ..records import Post, Source
from .normalize import normalize_token, tokenize
from .shingle import flat_shingles, sorted_unique


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
    hashes, offsets = flat_shingles(found.hashes, np.diff(found.offsets), shingle_size)
    spans = np.stack([found.starts, found.ends], axis=1).astype(np.int32)
    docs = []
    for i, record in enumerate(records):
        own = hashes[offsets[i] : offsets[i + 1]]
        lo, hi = found.offsets[i], found.offsets[i + 1]
        docs.append(Document(record, own, sorted_unique(own), spans[lo:hi], found.hashes[lo:hi], orders[i]))
    return docs, hashes, offsets


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
