"""The partitioned store's steps: each works on one partition (of new documents, of a band, of
count keys, of posts to score), reads what it needs from the store's files itself, and runs the
engine's numpy code unchanged, so that it runs in this process or on any worker of a cluster.

Ingest: :func:`sketch` (a partition of new documents: tokenised, shingled, sketched, written)
feeds :func:`write_band` (one band's keys of the whole batch, sorted, written) and
:func:`merge_counts` (one bucket of phrase, word and author counts). Scoring: :func:`band_lookup`
(one band's keys joined with the posts to score) feeds :func:`plan` (a partition of posts: its
candidates, and the count keys its verification reads), which feeds :func:`lookup` (one count
bucket's answers) and then :func:`verify` (the findings, written). Every step is deterministic
and writes only files named by its inputs: a step run twice (a worker lost, a run restarted)
writes the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import numpy as np
import pyarrow as pa

from ...engine.common_text import AuthorCounts, ShingleCounts, author_number, counting_key, sum_runs
from ...engine.detector import Detector
from ...engine.documents import Authors, Document, docs_from_words, make_docs
from ...engine.index import Segment, band_keys, bands_rows, candidate_pairs
from ...engine.shingle import flat_shingles, sorted_unique
from ...engine.sketch import MinHasher
from ...options import Options
from ...records import Finding, Post, Source
from ..store import finding_row, micros, post_from_dict, post_hash, post_key, source_from_dict, source_hash, source_key
from .layout import BUCKET_BITS, BUCKETS, Layout, bucket_bounds

_ROW_GROUP = 1 << 16  # rows per row group of a band or count file: what a key range's read skips by

Pairs = np.ndarray
"""``post << 32 | document`` pairs (uint64)."""


@functools.lru_cache(maxsize=4)
def _layout(url: str) -> Layout:
    return Layout(url)


def _tally(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and how often each occurs."""
    values, counts = np.unique(keys, return_counts=True)
    return values, counts.astype(np.uint32)


def _by_bucket(keys: np.ndarray, counts: np.ndarray | None, bits: int = 32) -> list[tuple[np.ndarray, np.ndarray | None]]:
    bounds = bucket_bounds(keys, bits)
    return [(keys[a:b], None if counts is None else counts[a:b]) for a, b in itertools.pairwise(bounds)]


# Ingest


@dataclass
class Sketched:
    """What :func:`sketch` hands on: its documents' file, and its pieces for the band and count steps."""

    docs: dict[str, Any]
    bands: list[tuple[np.ndarray, np.ndarray]]  # per band: keys, owners
    counts: list[dict[str, tuple[np.ndarray, np.ndarray | None]]]  # per bucket: kind -> keys, counts
    windows: int
    words: int


def sketch(
    url: str,
    options: Options,
    records: Sequence[Post | Source],
    orders: Sequence[tuple[datetime, int] | None],
    first: int,
    stem: str,
    part: int,
    run: int,
) -> Sketched:
    """Tokenise, shingle and sketch new documents numbered from ``first``, and write them."""
    docs, hashes, offsets = make_docs(records, orders, options.shingle_size)
    hasher = MinHasher(options.num_perm, options.seed)
    sketches = hasher.sketch(hashes.astype(np.uint32), offsets, window=options.window, stride=options.stride)
    bands, rows = bands_rows(options.lsh_threshold, options.num_perm, options.lsh_bands_rows)
    keys = band_keys(sketches.windows, bands, rows)
    owners = (sketches.window_owner + first).astype(np.uint32)
    authors = [author_number(r.author) if isinstance(r, Post) else 0 for r in records]
    path = f"docs/{stem}-{part:05d}.parquet"
    table = pa.table(
        {
            "doc": pa.array(np.arange(first, first + len(records), dtype=np.int64)),
            "is_source": pa.array([isinstance(r, Source) for r in records]),
            "key": [source_key(r) if isinstance(r, Source) else post_key(r) for r in records],
            "hash": [source_hash(r) if isinstance(r, Source) else post_hash(r) for r in records],
            "at": pa.array(
                [micros(r.created_at) if isinstance(r, Post) else micros(r.published) if r.published else None for r in records],
                pa.int64(),
            ),
            "sequence": pa.array([o[1] if o is not None else None for o in orders], pa.int64()),
            "run": pa.array([run] * len(records), pa.int32()),
            "author": pa.array(authors, pa.uint32()),
            "record": [json.dumps(r.to_dict()) for r in records],
            "words": [d.words.tobytes() for d in docs],
            "spans": [d.spans.tobytes() for d in docs],
        }
    )
    _layout(url).write_table(path, table, row_group_size=DOCS_PER_GROUP)
    posts = [(d, a) for d, a in zip(docs, authors) if not d.is_source]
    phrases = _tally(counting_key(np.concatenate([d.unique for d, _ in posts]))) if posts else None
    words = _tally(counting_key(np.concatenate([d.words for d in docs]))) if docs else None
    with_author = [(d, a) for d, a in posts if a]
    pairs = None
    if with_author:
        shingles = counting_key(np.concatenate([d.unique for d, _ in with_author])).astype(np.uint64)
        by = np.repeat(np.array([a for _, a in with_author], dtype=np.uint64), [len(d.unique) for d, _ in with_author])
        pairs = sorted_unique((shingles << np.uint64(32)) | by)
    counts: list[dict[str, tuple[np.ndarray, np.ndarray | None]]] = [{} for _ in range(BUCKETS)]
    for kind, found, bits in (("phrases", phrases, 32), ("words", words, 32), ("author_pairs", (pairs, None), 64)):
        if found is None or found[0] is None:
            continue
        for bucket, piece in enumerate(_by_bucket(found[0], found[1], bits)):
            counts[bucket][kind] = piece
    return Sketched(
        {"path": path, "first": first, "count": len(records), "sources": sum(d.is_source for d in docs), "group": DOCS_PER_GROUP},
        [(keys[:, j].copy(), owners) for j in range(bands)],
        counts,
        len(owners),
        int(sum(d.n_words for d in docs)),
    )


def pick(found: Any, *path: Any) -> Any:
    """A piece of a step's result (a task of its own on a cluster: only the piece moves)."""
    for step in path:
        found = getattr(found, step) if isinstance(step, str) else found[step]
    return found


def nbytes(value: Any) -> int:
    """The bytes of the arrays in a step's piece (arrays in lists, tuples, dicts, dataclasses)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, dict):
        return sum(nbytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(nbytes(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return sum(nbytes(getattr(value, f)) for f in value.__dataclass_fields__)
    return 0


def _merging(stored: Sequence[dict[str, Any]], size: str, new: int) -> list[dict[str, Any]]:
    """The newest stored files that merge with a new one of ``new`` rows: while the one before
    is no larger than twice what is merged so far (a log-structured merge, as the band index's
    segments and the counts' runs merge): a store grown night by night keeps a few files per
    band and bucket, and a night rewrites a share of them that does not grow with the store."""
    merged, take = new, 0
    while take < len(stored) and stored[len(stored) - 1 - take][size] <= 2 * merged:
        merged += stored[len(stored) - 1 - take][size]
        take += 1
    return list(stored[len(stored) - take :])


def _with_merged(
    layout: Layout, merged: Sequence[dict[str, Any]], columns: Sequence[str], new: Sequence[list[np.ndarray]]
) -> list[np.ndarray]:
    """Each of ``columns``: the rows of the stored files merged in (oldest first), then the
    new ones (``new``: per column, its arrays), as one array."""
    parts: list[list[np.ndarray]] = [[] for _ in columns]
    for meta in merged:
        table = layout.read_table(meta["path"], columns=list(columns))
        for part, name in zip(parts, columns):
            part.append(table.column(name).to_numpy())
    return [np.concatenate([*part, *extra]) for part, extra in zip(parts, new)]


def write_band(
    url: str, stem: str, band: int, pieces: Sequence[tuple[np.ndarray, np.ndarray]], stored: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """One band's keys of a whole ingest step, sorted (owners in document order among equal
    keys, as :class:`~dupfeed.engine.index.Segment` keeps them), written as one file, with
    the newest stored files of the band that :func:`_merging` merges in (older rows first)."""
    layout = _layout(url)
    merged = _merging(stored, "windows", sum(len(k) for k, _ in pieces))
    keys, owners = _with_merged(
        layout,
        merged,
        ("key", "owner"),
        [[np.zeros(0, np.uint32), *(k for k, _ in pieces)], [np.zeros(0, np.uint32), *(o for _, o in pieces)]],
    )
    order = np.argsort(keys, kind="stable")
    path = f"bands/band={band:02d}/{stem}.parquet"
    layout.write_table(path, pa.table({"key": keys[order], "owner": owners[order]}), row_group_size=_ROW_GROUP)
    return {"added": [{"path": path, "band": band, "windows": len(keys)}], "removed": [m["path"] for m in merged]}


def _read_keys(
    layout: Layout, files: Sequence[str], key_range: KeyRange | None = None, shift: int = 0, with_counts: bool = True
) -> list[tuple[np.ndarray, np.ndarray]]:
    runs = []
    for path in files:
        table = layout.read_table(path, filters=None if key_range is None else _in_range(key_range, shift))
        keys = table.column("key").to_numpy()
        runs.append((keys, table.column("count").to_numpy() if with_counts else keys))
    return runs


def merge_counts(
    url: str,
    stem: str,
    bucket: int,
    stored: dict[str, Sequence[dict[str, Any]]],
    pieces: Sequence[dict[str, tuple[np.ndarray, Any]]],
    range_keys: int = 50_000_000,
) -> dict[str, list[Any]]:
    """One bucket's counts of an ingest step: phrase and word counts added up, and the
    (shingle, author) pairs not stored before, which add one author to their shingle; each
    written with the newest stored files of its kind that :func:`_merging` merges in."""
    layout = _layout(url)
    out: dict[str, list[Any]] = {"added": [], "removed": []}
    stored_pairs = sum(m["keys"] for m in stored.get("author_pairs", ()))

    def write(kind: str, keys: np.ndarray, counts: np.ndarray) -> None:
        if not len(keys):
            return
        merged = _merging(stored.get(kind, ()), "keys", len(keys))
        if merged:
            keys, counts = _with_merged(layout, merged, ("key", "count"), [[keys], [counts]])
            if kind == "author_pairs":  # disjoint sets of pairs: their union
                keys, counts = np.sort(keys), np.ones(len(keys), dtype=np.uint32)
            else:
                keys, counts = sum_runs([(keys, counts)])
        path = f"counts/{kind}/bucket={bucket:02d}/{stem}.parquet"
        layout.write_table(path, pa.table({"key": keys, "count": counts}), row_group_size=_ROW_GROUP)
        out["added"].append({"path": path, "kind": kind, "bucket": bucket, "keys": len(keys)})
        out["removed"].extend(m["path"] for m in merged)

    for kind in ("phrases", "words"):
        found = [p[kind] for p in pieces if kind in p]
        if found:
            write(kind, *sum_runs(found))
    pairs = [p["author_pairs"][0] for p in pieces if "author_pairs" in p]
    if pairs:
        keys = sorted_unique(np.concatenate(pairs))
        known = np.zeros(len(keys), dtype=bool)
        files = [m["path"] for m in stored.get("author_pairs", ())]
        # The stored pairs are read a range of shingles at a time, in bounded memory.
        first = bucket << (32 - BUCKET_BITS)
        for lo, hi in key_ranges(first, first + (1 << (32 - BUCKET_BITS)), max(1, -(-stored_pairs // range_keys))):
            a, b = np.searchsorted(keys, [lo << 32, hi << 32])
            for run, _ in _read_keys(layout, files, (lo, hi), 32, with_counts=False):
                known[a:b] |= np.isin(keys[a:b], run, assume_unique=True)
        keys = keys[~known]
        new_authors = _tally((keys >> np.uint64(32)).astype(np.uint32))
        write("author_pairs", keys, np.ones(len(keys), dtype=np.uint32))
        write("authors", *new_authors)
    return out


# The identity index: each stored document's key and content hash (a native repost's key), as
# 128-bit digests in buckets, so that a night's records are checked against a store of any size
# by one task per bucket, not by reading every stored key.


def digests(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """128-bit digests of keys or content hashes, as high and low 64-bit halves."""
    raw = b"".join(hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest() for t in texts)
    halves = np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, 2)
    return np.ascontiguousarray(halves[:, 0]), np.ascontiguousarray(halves[:, 1])


def known_digests(url: str, files: Sequence[str], hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """The document each of the digests ``(hi, lo)`` names in one bucket's stored files: its
    number, -1 for a native repost (stored as its finding only), -2 when not stored."""
    layout = _layout(url)
    found = np.full(len(hi), -2, dtype=np.int64)
    for path in files:
        table = layout.read_table(path)
        stored_hi, stored_lo, docs = (table.column(c).to_numpy() for c in ("hi", "lo", "doc"))
        at = np.searchsorted(stored_hi, hi, side="left")
        end = np.searchsorted(stored_hi, hi, side="right")
        for i in np.flatnonzero(end > at).tolist():  # equal high halves: all but certainly the same digest
            same = np.flatnonzero(stored_lo[at[i] : end[i]] == lo[i])
            if len(same):
                found[i] = docs[at[i] + same[0]]
    return found


def write_digests(
    url: str, stem: str, bucket: int, hi: np.ndarray, lo: np.ndarray, docs: np.ndarray, stored: Sequence[dict[str, Any]]
) -> dict[str, list[Any]]:
    """A night's digests of one bucket and their documents, written with the stored files
    :func:`_merging` merges in."""
    layout = _layout(url)
    merged = _merging(stored, "rows", len(hi))
    all_hi, all_lo, all_docs = _with_merged(layout, merged, ("hi", "lo", "doc"), [[hi], [lo], [docs]])
    order = np.lexsort((all_lo, all_hi))
    path = f"keys/bucket={bucket:02d}/{stem}.parquet"
    table = pa.table({"hi": all_hi[order], "lo": all_lo[order], "doc": all_docs[order]})
    layout.write_table(path, table, row_group_size=_ROW_GROUP)
    return {"added": [{"path": path, "bucket": bucket, "rows": len(all_hi)}], "removed": [m["path"] for m in merged]}


# Scoring


KeyRange = tuple[int, int]
"""Keys from the first (included) to the second (excluded): the part of a band or a count
bucket that one task reads (its files are sorted by key: only the row groups in range are read)."""


def key_ranges(start: int, stop: int, pieces: int) -> list[KeyRange]:
    """``[start, stop)`` cut into ``pieces`` ranges of equal width."""
    edges = [start + (stop - start) * i // pieces for i in range(pieces + 1)]
    return list(itertools.pairwise(edges))


def _in_range(keys: KeyRange, shift: int = 0) -> Any:
    """Parquet filters for 32-bit keys in range (``shift``: stored shifted up by it, in 64 bits);
    None for all of them."""
    kind = pa.uint64() if shift else pa.uint32()
    filters = []
    if keys[0] > 0:
        filters.append(("key", ">=", pa.scalar(keys[0] << shift, kind)))
    if keys[1] < 1 << 32:
        filters.append(("key", "<", pa.scalar(keys[1] << shift, kind)))
    return filters or None


def band_lookup(
    url: str, band: int, files: Sequence[str], pending: np.ndarray, part_size: int, key_range: KeyRange = (0, 1 << 32)
) -> list[Pairs]:
    """The (post, document) pairs whose windows share this band, for the posts ``pending``
    (in scoring order), split by the partition of ``part_size`` posts each post is scored in;
    only the band's keys in ``key_range`` are read (a band of a large store is joined in ranges)."""
    layout = _layout(url)
    tables = [layout.read_table(path, filters=_in_range(key_range)) for path in files]
    stored = [(t.column("key").to_numpy(), t.column("owner").to_numpy()) for t in tables]
    ordered = np.argsort(pending, kind="stable")
    sorted_pending = pending[ordered]
    queries, posts = [], []
    for keys, owners in stored:
        mine = np.isin(owners, sorted_pending)
        queries.append(keys[mine])
        posts.append(owners[mine])
    query = np.concatenate(queries) if queries else np.zeros(0, np.uint32)
    post = np.concatenate(posts).astype(np.int64) if posts else np.zeros(0, np.int64)
    found = []
    for keys, owners in stored:
        rows, owner, _ = Segment(keys[None, :], owners[None, :]).lookup(query[:, None])
        other = owner != post[rows]  # a post's windows meet themselves: no candidate, nothing to move
        found.append((post[rows[other]].astype(np.uint64) << np.uint64(32)) | owner[other].astype(np.uint64))
    pairs = np.concatenate(found) if found else np.zeros(0, np.uint64)
    parts = -(-len(pending) // part_size)
    position = ordered[np.searchsorted(sorted_pending, (pairs >> np.uint64(32)).astype(np.int64))]
    part = position // part_size
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(parts + 1))
    return [pairs[order[a:b]] for a, b in itertools.pairwise(bounds)]


@functools.lru_cache(maxsize=2)
def _authors(url: str, docs_files: tuple[str, ...], total: int) -> np.ndarray:
    """The author key of every stored document, by number (4 bytes a document, read once per process)."""
    out = np.zeros(total, dtype=np.uint32)
    layout = _layout(url)
    for path in docs_files:
        table = layout.read_table(path, columns=["doc", "author"])
        out[table.column("doc").to_numpy()] = table.column("author").to_numpy()
    return out


@dataclass
class Plan:
    """A partition of posts to score: their candidates, and the count keys verification reads."""

    candidates: list[np.ndarray]
    phrases: list[np.ndarray]  # per bucket: the posts' shingle keys
    words: list[np.ndarray]  # per bucket: the word keys of the posts and their candidates


DOCS_PER_GROUP = 64
"""Documents per row group of a docs file: a document is read with the row group that holds it
(documents are numbered in order, so its group is known without reading any statistics)."""


def read_docs(url: str, docs: Sequence[dict[str, Any]], numbers: np.ndarray, columns: list[str]) -> pa.Table:
    """The rows of documents ``numbers`` (sorted), reading only the row groups that hold them."""
    layout = _layout(url)
    firsts = np.array([d["first"] for d in docs], dtype=np.int64)
    at = np.searchsorted(firsts, numbers, side="right") - 1
    tables = []
    for i in np.unique(at).tolist():
        wanted = numbers[at == i]
        groups = np.unique((wanted - firsts[i]) // docs[i]["group"]).tolist()
        table = layout.read_row_groups(docs[i]["path"], groups, columns if "doc" in columns else ["doc", *columns])
        tables.append(table.filter(pa.array(np.isin(table.column("doc").to_numpy(), wanted))))
    return pa.concat_tables(tables)


def plan(
    url: str, options: Options, state: dict[str, Any], posts: Sequence[int], pieces: Sequence[Pairs], bands_of: Sequence[int]
) -> Plan:
    """Candidates of ``posts`` from the pairs every band found (``pieces[i]`` in band
    ``bands_of[i]``): distinct bands counted, and the author's own earlier posts kept, as
    :meth:`BandIndex.query_batch` chooses them."""
    pairs = np.concatenate(pieces) if pieces else np.zeros(0, np.uint64)
    bands = np.repeat(np.asarray(bands_of, dtype=np.int64), [len(p) for p in pieces])
    needed = options.lsh_min_bands if state["windows"] >= options.lsh_one_band_below else 1
    authors = Authors([_authors(url, tuple(d["path"] for d in state["docs"]), state["documents"])]) if needed > 1 else None

    def own(texts: np.ndarray, owners: np.ndarray) -> np.ndarray:
        return cast(Authors, authors).own_recent(texts.astype(np.int64), owners.astype(np.int64), options.own_recent_posts)

    found = candidate_pairs(pairs.astype(np.int64), bands, needed, own)
    texts, owners = found >> 32, found & 0xFFFFFFFF
    post_array = np.asarray(posts, dtype=np.int64)
    bounds = np.searchsorted(texts, np.sort(post_array), side="left"), np.searchsorted(texts, np.sort(post_array), side="right")
    by_post = {int(p): owners[a:b] for p, a, b in zip(np.sort(post_array).tolist(), *bounds)}
    candidates = [by_post[int(p)] for p in posts]
    everything = np.unique(np.concatenate([post_array, *candidates]))
    loaded = _DOCUMENTS.get(url, state, everything, options.shingle_size)
    words = [d.words for d in loaded.values()]
    post_words = [loaded[int(p)].words for p in np.sort(post_array).tolist()]
    shingles, _ = flat_shingles(
        np.concatenate(post_words) if post_words else np.zeros(0, np.uint64),
        np.array([len(w) for w in post_words]),
        options.shingle_size,
    )
    phrase_keys = sorted_unique(counting_key(shingles))
    word_keys = sorted_unique(counting_key(np.concatenate(words))) if words else np.zeros(0, np.uint32)
    return Plan(candidates, [k for k, _ in _by_bucket(phrase_keys, None)], [k for k, _ in _by_bucket(word_keys, None)])


def lookup(
    url: str,
    files: dict[str, Sequence[str]],
    phrases: Sequence[np.ndarray],
    words: Sequence[np.ndarray],
    key_range: KeyRange = (0, 1 << 32),
) -> list[dict[str, tuple[np.ndarray, np.ndarray]]]:
    """A bucket's counts (posts, authors, words) of the keys in ``key_range`` each partition asked for."""
    layout = _layout(url)
    stored = {kind: ShingleCounts(_read_keys(layout, files.get(kind, ()), key_range)) for kind in ("phrases", "authors", "words")}

    def answer(kind: str, asked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        asked = asked[np.searchsorted(asked, key_range[0]) : np.searchsorted(asked, key_range[1])]
        # Keys here are already counting keys: shift them back up where ShingleCounts takes them.
        return asked, stored[kind].count(asked.astype(np.uint64) << np.uint64(32)).astype(np.uint32)

    return [
        {"phrases": answer("phrases", p), "authors": answer("authors", p), "words": answer("words", w)}
        for p, w in zip(phrases, words)
    ]


class _Cache:
    """Documents this process's steps have read, kept across tasks up to ``limit`` words (about
    40 bytes each): an article compared with posts of many partitions is read and parsed once
    per worker. A store's documents never change once written (keyed by the store's id)."""

    def __init__(self, limit: int = 20_000_000):
        self._docs: OrderedDict[tuple[str, int], Document] = OrderedDict()
        self._words, self.limit = 0, limit

    def get(self, url: str, state: dict[str, Any], numbers: np.ndarray, shingle_size: int) -> dict[int, Document]:
        """Documents ``numbers`` (sorted), read from the store's files when not kept."""
        store = state["store"]
        out: dict[int, Document] = {}
        missing = []
        for n in numbers.tolist():
            doc = self._docs.get((store, n))
            if doc is None:
                missing.append(n)
            else:
                out[n] = doc
                self._docs.move_to_end((store, n))
        if missing:
            for n, doc in _read_documents(url, state["docs"], np.array(missing, dtype=np.int64), shingle_size).items():
                out[n] = doc
                self._docs[(store, n)] = doc
                self._words += doc.n_words + 1
        while self._words > self.limit and len(self._docs) > len(numbers):
            self._words -= self._docs.popitem(last=False)[1].n_words + 1
        return out


_DOCUMENTS = _Cache()


def _read_documents(url: str, docs: Sequence[dict[str, Any]], numbers: np.ndarray, shingle_size: int) -> dict[int, Document]:
    """Documents rebuilt from the words and spans kept when they were added (never tokenised again)."""
    table = read_docs(url, docs, numbers, ["doc", "is_source", "sequence", "record", "words", "spans"])
    records: list[Post | Source] = []
    orders: list[tuple[datetime, int] | None] = []
    for is_source, sequence, record in zip(*(table.column(c).to_pylist() for c in ("is_source", "sequence", "record"))):
        data = json.loads(record)
        parsed = source_from_dict(data) if is_source else post_from_dict(data)
        records.append(parsed)
        orders.append(None if is_source else (cast(Post, parsed).created_at, sequence))
    words = [np.frombuffer(w, dtype=np.uint64) for w in table.column("words").to_pylist()]
    spans = [np.frombuffer(s, dtype=np.int32).reshape(-1, 2) for s in table.column("spans").to_pylist()]
    offsets = np.concatenate([[0], np.cumsum([len(w) for w in words])]).astype(np.int64)
    built, _, _ = docs_from_words(
        records,
        orders,
        np.concatenate(words) if words else np.zeros(0, np.uint64),
        np.concatenate(spans) if spans else np.zeros((0, 2), np.int32),
        offsets,
        shingle_size,
    )
    return dict(zip(table.column("doc").to_pylist(), built))


class _Loaded(dict[int, Document]):
    """The documents one partition's verification reads (a :class:`DocumentStore`, all loaded)."""

    def __init__(self, docs: dict[int, Document], total: int):
        super().__init__(docs)
        self._total = total

    def __len__(self) -> int:
        return self._total

    def append(self, doc: Document) -> None:
        raise NotImplementedError("a partition's documents are read, never added")

    def prefetch(self, numbers: object) -> None:
        """Everything is loaded."""


def _counts(answers: Sequence[dict[str, tuple[np.ndarray, np.ndarray]]], kind: str, total: int | None = None) -> ShingleCounts:
    keys = np.concatenate([a[kind][0] for a in answers])  # buckets hold disjoint, increasing keys
    counts = np.concatenate([a[kind][1] for a in answers])
    return ShingleCounts([(keys, counts)], total=total)


def verify(
    url: str,
    options: Options,
    state: dict[str, Any],
    posts: Sequence[int],
    candidates: Sequence[np.ndarray],
    answers: Sequence[dict[str, tuple[np.ndarray, np.ndarray]]],
    name: str,
    order: int,
    run: int,
) -> Counter:
    """The findings of ``posts``, written to ``name``; ``order`` is the first one's place in
    the store's order of findings. Returns the verdicts."""
    everything = np.unique(np.concatenate([np.asarray(posts, dtype=np.int64), *candidates]))
    loaded = _DOCUMENTS.get(url, state, everything, options.shingle_size)
    detector = Detector(
        options,
        documents=_Loaded(loaded, state["documents"]),
        counts=_counts(answers, "phrases"),
        word_counts=_counts(answers, "words", state["words"]),
        author_counts=AuthorCounts(counts=_counts(answers, "authors")),
    )
    found = detector.verify(list(posts), [c.tolist() for c in candidates])
    write_findings(url, name, [(n, f) for n, f in found], order, run)
    return Counter(f.verdict for _, f in found)


def write_findings(url: str, name: str, findings: Sequence[tuple[int | None, Finding]], order: int, run: int) -> None:
    """Findings as one file; ``order`` is the first one's place in the store's order."""
    columns = ("key", "doc", "run", "at", "verdict", "record", "match_keys")
    rows: dict[str, list[Any]] = {c: [] for c in (*columns, "order")}
    for i, (doc, finding) in enumerate(findings):
        for column, value in zip(columns, finding_row(finding, doc, run)):
            rows[column].append(value)
        rows["order"].append(order + i)
    types = {"doc": pa.int64(), "run": pa.int32(), "at": pa.int64(), "order": pa.int64()}
    _layout(url).write_table(name, pa.table({c: pa.array(v, types.get(c, pa.string())) for c, v in rows.items()}))
