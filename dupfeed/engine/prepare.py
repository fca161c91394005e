"""A batch of texts made ready to index: words, shingles and sketches, on every core when large.

Tokenising, shingling and sketching each text depends on that text alone, so a large batch is
cut into contiguous parts of about equal length, each done by a forked process; the parts are
joined in order, and the arrays are exactly those one process would make.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import itertools
import multiprocessing
import os
import pickle
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import numpy as np

from ..records import Post, Source
from .documents import Document
from .normalize import tokenize
from .shingle import distinct_by_text, flat_shingles
from .sketch import MinHasher, Sketches

PARALLEL_CHARACTERS = 2_000_000
"""Characters of text each process should get at the least: below that, forking and sending
the arrays back cost more than the second core saves (a batch of about 3,000 posts)."""


@dataclass(frozen=True)
class Prepared:
    """A batch's texts, end to end: text ``i`` owns words ``word_offsets[i]:word_offsets[i+1]``,
    shingles ``shingle_offsets[i]:…`` and distinct shingles ``unique_offsets[i]:…``."""

    words: np.ndarray  # uint64 word hashes
    spans: np.ndarray  # (words, 2) int32: each word's [start, end) in its own text
    word_offsets: np.ndarray
    shingles: np.ndarray  # uint64 shingle hashes by position
    shingle_offsets: np.ndarray
    unique: np.ndarray  # each text's sorted distinct shingle hashes
    unique_offsets: np.ndarray
    sketches: Sketches
    seconds: dict[str, float]  # "shingle" and "sketch": seconds taken, added up over processes


def prepare(texts: Sequence[str], shingle_size: int, hasher: MinHasher, *, window: int, stride: int) -> Prepared:
    """The words, shingles and sketches of ``texts``, in this process."""
    started = time.perf_counter()
    found = tokenize(list(texts))
    spans = np.stack([found.starts, found.ends], axis=1).astype(np.int32)
    shingles, offsets = flat_shingles(found.hashes, np.diff(found.offsets), shingle_size)
    unique, unique_offsets = distinct_by_text(shingles, offsets)
    shingled = time.perf_counter()
    sketches = hasher.sketch(shingles.astype(np.uint32), offsets, window=window, stride=stride)
    seconds = {"shingle": shingled - started, "sketch": time.perf_counter() - shingled}
    return Prepared(found.hashes, spans, found.offsets, shingles, offsets, unique, unique_offsets, sketches, seconds)


def _joined(parts: Sequence[Prepared]) -> Prepared:
    """The parts as one batch, in order."""

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts])

    def offsets(name: str) -> np.ndarray:
        shifts = np.cumsum([0] + [int(getattr(p, name)[-1]) for p in parts[:-1]])
        return np.concatenate([[0]] + [getattr(p, name)[1:] + shift for p, shift in zip(parts, shifts)])

    texts = np.cumsum([0] + [len(p.word_offsets) - 1 for p in parts[:-1]])
    sketches = Sketches(
        np.concatenate([p.sketches.texts for p in parts]),
        np.concatenate([p.sketches.windows for p in parts]),
        np.concatenate([p.sketches.window_owner + shift for p, shift in zip(parts, texts)]),
        np.concatenate(
            [[0]]
            + [
                p.sketches.window_first[1:] + shift
                for p, shift in zip(parts, np.cumsum([0] + [len(p.sketches.windows) for p in parts[:-1]]))
            ]
        ),
    )
    seconds = {stage: sum(p.seconds[stage] for p in parts) for stage in ("shingle", "sketch")}
    return Prepared(
        cat("words"),
        cat("spans"),
        offsets("word_offsets"),
        cat("shingles"),
        offsets("shingle_offsets"),
        cat("unique"),
        offsets("unique_offsets"),
        sketches,
        seconds,
    )


_PREPARING: tuple[Sequence[str], int, MinHasher, int, int] | None = None
"""What the forked processes of :func:`prepare_batch` read: the texts and how to prepare them."""


def ignore_interrupt() -> None:
    """A forked worker's start: Ctrl-C is its parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None under another C library."""
    with contextlib.suppress(OSError, AttributeError):
        trim = ctypes.CDLL(None).malloc_trim  # this process's symbols: glibc's, where it is the C library
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
        return cast(Callable[[int], int], trim)
    return None


def release_free_memory() -> None:
    """Give the memory freed so far back to the system, before forking or between tasks.

    A freed numpy array of a few MB stays in glibc's heap (it raises the size under which
    arrays come from the heap), and a heap page holding freed arrays is still the process's;
    a forked process inherits such pages and copies each it writes to. Trimming before a
    pool forks and after each task took a night's peak memory down by about a fifth
    (``benchmarks/nightly_growth.py``), at no measured cost in time. Elsewhere than glibc:
    nothing.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _prepare_part(task: tuple[int, int, str]) -> Prepared | str:
    """One part, prepared; sent back through a file when one can be written (a pipe carries
    a part's arrays at a few hundred MB/s, about as long as preparing them took)."""
    texts, shingle_size, hasher, window, stride = cast(tuple, _PREPARING)
    lo, hi, path = task
    ready = prepare(texts[lo:hi], shingle_size, hasher, window=window, stride=stride)
    if not path:
        return ready
    try:
        with open(path, "wb") as file:
            pickle.dump(ready, file, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:  # no room for it: through the pipe, then
        return ready
    return path


def _received(sent: Prepared | str) -> Prepared:
    if isinstance(sent, Prepared):
        return sent
    try:
        with open(sent, "rb") as file:
            return cast(Prepared, pickle.load(file))
    finally:
        os.unlink(sent)  # at once: where the temporary folder is in memory, it is not held twice


def prepare_batch(texts: Sequence[str], shingle_size: int, hasher: MinHasher, *, window: int, stride: int, jobs: int) -> Prepared:
    """:func:`prepare`, cut into up to ``jobs`` parts of about equal length done by forked
    processes when the batch is large enough (:data:`PARALLEL_CHARACTERS` per process); the
    same arrays either way."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    parts = min(jobs, int(lengths.sum()) // PARALLEL_CHARACTERS, len(texts))
    if parts <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return prepare(texts, shingle_size, hasher, window=window, stride=stride)
    ends = np.cumsum(lengths)
    cuts = np.searchsorted(ends, np.arange(1, parts) * (ends[-1] / parts), side="right")
    bounds = np.unique(np.concatenate([[0], cuts, [len(texts)]])).tolist()
    global _PREPARING
    _PREPARING = (texts, shingle_size, hasher, window, stride)
    release_free_memory()
    try:
        with _scratch() as scratch:
            tasks = [(lo, hi, os.path.join(scratch, f"part-{lo}") if scratch else "") for lo, hi in itertools.pairwise(bounds)]
            with multiprocessing.get_context("fork").Pool(len(tasks), initializer=ignore_interrupt) as pool:
                sent = pool.map(_prepare_part, tasks, chunksize=1)
            done = [_received(part) for part in sent]
    finally:
        _PREPARING = None
    return _joined(done)


@contextlib.contextmanager
def _scratch() -> Iterator[str]:
    """A temporary folder for the parts' files, removed after; "" where none can be made."""
    try:
        folder = tempfile.mkdtemp(prefix="dupfeed-")
    except OSError:
        yield ""
        return
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def prepared_docs(
    records: Sequence[Post | Source], orders: Sequence[tuple[datetime, int] | None], ready: Prepared
) -> list[Document]:
    """The documents of records whose words and shingles are ``ready`` (views into its arrays)."""
    w, s, u = (a.tolist() for a in (ready.word_offsets, ready.shingle_offsets, ready.unique_offsets))
    return [
        Document(
            record,
            ready.shingles[s[i] : s[i + 1]],
            ready.unique[u[i] : u[i + 1]],
            ready.spans[w[i] : w[i + 1]],
            ready.words[w[i] : w[i + 1]],
            orders[i],
        )
        for i, record in enumerate(records)
    ]
