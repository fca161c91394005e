"""The persistent store: sources, posts, their index, shingle counts and findings in one file.

Texts are tokenised and sketched once, when they are added; the index (band keys of every
window, :class:`~dupfeed.engine.index.BandIndex`) and the boilerplate counts are saved as arrays, so
opening a store reads arrays, never texts. A document's text is read back only when a new post
is verified against it. Posts are scored in ``created_at`` order against every source and
every earlier post, exactly as ``dupfeed scan`` would score them, and each batch of findings
is committed as it is made: a run that dies leaves the rest unscored, for the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self, cast

import numpy as np

from ..engine.common_text import AuthorCounts, ShingleCounts, author_number
from ..engine.detector import Detector, chronological, unscored
from ..engine.documents import Authors, Document, docs_from_words, make_docs
from ..engine.index import BandIndex, Segment
from ..engine.space import MEMORY
from ..errors import OptionsError
from ..options import Options
from ..records import VERDICTS, CommonText, Finding, Match, Post, Source, Span
from ..times import utc_now
from .db import Database, FileSpace, unusable
from .queries import StoreQueries
from .runs import RunLifecycle

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_IN_CHUNK = 900  # SQLite's limit on bound parameters is 999 in old builds


def _rows_in(conn: sqlite3.Connection, sql: str, values: Iterable[Any]) -> Iterator[tuple]:
    """Rows of ``sql`` (whose ``{}`` is an ``IN`` list) for all ``values``, a few hundred at a time."""
    values = list(values)
    for lo in range(0, len(values), _IN_CHUNK):
        part = values[lo : lo + _IN_CHUNK]
        yield from conn.execute(sql.format(",".join("?" * len(part))), part)


def micros(moment: datetime) -> int:
    """A datetime as integer microseconds since 1970 (sorts as the datetime does)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def post_from_dict(data: dict[str, Any]) -> Post:
    return Post(**{**data, "created_at": _parse_time(data["created_at"]), "links": tuple(data.get("links") or ())})


def source_from_dict(data: dict[str, Any]) -> Source:
    return Source(**{**data, "published": _parse_time(data.get("published"))})


def post_key(post: Post) -> str:
    return f"{post.platform}:{post.id}"


def record_key(record: dict[str, Any]) -> str:
    """The key of the post a ``--format jsonl`` record is about."""
    return f"{record.get('platform', 'jsonl')}:{record['id']}"


def source_key(source: Source) -> str:
    return f"source:{source.id}"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def post_hash(post: Post) -> str:
    """A post's content: the same author, time and text is the same post, whatever its id."""
    return _digest("post", post.author or "", post.created_at.isoformat(), post.text)


def source_hash(source: Source) -> str:
    """An article's content: the same text is the same article, whatever its URL."""
    return _digest("source", source.text)


def finding_from_dict(data: dict[str, Any], post: Post | None = None) -> Finding:
    """A finding back from its ``--format jsonl`` record (match targets are not kept). Without
    ``post`` (a native repost, kept as its finding only) the post is rebuilt, textless, from
    what the record holds, so that the finding reads back as it was written."""
    if post is None and "platform" in data:
        post = Post(
            data["id"],
            "",
            data["author"],
            datetime.fromisoformat(data["created_at"]),
            platform=data["platform"],
            kind=data.get("kind", "post"),
        )
    matches = tuple(
        Match(
            **{
                **m,
                "spans": tuple(Span(**s) for s in m["spans"]),
                "discounted": tuple(CommonText(**c) for c in m.get("discounted", ())),
            }
        )
        for m in data.get("matches", ())
    )
    return Finding(data["id"], data["author"], datetime.fromisoformat(data["created_at"]), data["verdict"], matches, post)


def finding_row(finding: Finding, doc: int | None, run: int) -> tuple[str, int | None, int, int, str, str, str]:
    """What a store keeps of a finding: its post's key, document number (None for a native
    repost), run, time, verdict, ``--format jsonl`` record, and the key of each match."""
    post = cast(Post, finding.post)  # a finding to store is always of a post read
    keys = [source_key(m.target) if isinstance(m.target, Source) else post_key(cast(Post, m.target)) for m in finding.matches]
    record = json.dumps(finding.to_dict())
    return post_key(post), doc, run, micros(finding.created_at), finding.verdict, record, json.dumps(keys)


def first_new(keys: Sequence[str], hashes: Sequence[str], stored: Callable[[int], bool]) -> list[int]:
    """Positions of the records to add: not stored already (``stored(i)``), and not given
    earlier in the same batch, by key or by content."""
    seen: set[str] = set()
    kept = []
    for i, (k, h) in enumerate(zip(keys, hashes)):
        if stored(i) or k in seen or h in seen:
            continue
        seen.update((k, h))  # a record given twice in one batch is added once
        kept.append(i)
    return kept


@dataclass
class Added:
    """What one call added, and what it found already stored."""

    added: int = 0
    known: int = 0
    reposts: int = 0


@dataclass
class Scored:
    """Posts scored by one call, by verdict."""

    verdicts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.verdicts.values())


class _StoredDocs:
    """The detector's documents (a :class:`~dupfeed.engine.documents.DocumentStore`): loaded
    from the store in batches when first needed, from the words and spans kept when they were
    added (never tokenised again), and kept in a bounded cache (a long article compared with
    many posts is read once). What one batch asked for stays cached until the next batch.

    A forked scoring process shares its parent's cache (the night's documents among them) and
    drops none of it: dropping a shared document frees nothing, and its pages are copied when
    written to. What such a process reads itself it keeps for the batch that asked for it only:
    kept across batches, it held ~200 MB in each process of a night against a million stored
    posts, and scored no faster (``benchmarks/nightly_growth.py``)."""

    def __init__(self, db: Database, count: int, shingle_size: int, cache_words: int):
        self._db, self._count, self._k, self._limit = db, count, shingle_size, cache_words
        self._cache: OrderedDict[int, Document] = OrderedDict()
        self._words = 0  # words of the cached documents: what their memory grows with
        self._wanted: set[int] = set()  # what the last prefetch asked for: never evicted before the next
        self._read_here: set[int] = set()  # in a forked process: the documents it read itself
        self._unsaved: list[int] = []  # appended, their arrays not yet written
        self._pid, self._forked_conn = os.getpid(), cast(sqlite3.Connection | None, None)

    def __len__(self) -> int:
        return self._count

    def append(self, doc: Document) -> None:
        # Not trimmed here: a batch being added is read again before it is committed.
        self._put(self._count, doc)
        self._unsaved.append(self._count)
        self._count += 1

    def save_arrays(self, conn: sqlite3.Connection) -> None:
        """Write the words and spans of the documents appended since the last call (inside
        the transaction that stores them)."""
        rows = [(n, self._cache[n].words.tobytes(), self._cache[n].spans.tobytes()) for n in self._unsaved]
        conn.executemany("INSERT INTO doc_arrays (doc, words, spans) VALUES (?, ?, ?)", rows)
        self._unsaved = []

    @property
    def _forked(self) -> bool:
        """Whether this is a scoring process forked from the one that opened the store."""
        return os.getpid() != self._pid

    def _put(self, number: int, doc: Document) -> None:
        self._cache[number] = doc
        self._words += doc.n_words + 1
        if self._forked:
            self._read_here.add(number)

    def __getitem__(self, number: int) -> Document:
        doc = self._cache.get(number)
        if doc is None:
            self._read([number])
            doc = self._cache[number]
            if not self._forked:  # a forked process drops what it read with its next batch
                self._trim()
            return doc
        self._cache.move_to_end(number)
        return doc

    def _trim(self) -> None:
        if self._forked:  # see the class
            for number in self._read_here - self._wanted:
                self._words -= self._cache.pop(number).n_words + 1
            self._read_here &= self._wanted
            return
        while self._words > self._limit and len(self._cache) > max(len(self._wanted), 1):
            self._words -= self._cache.popitem(last=False)[1].n_words + 1

    def _connection(self) -> sqlite3.Connection:
        """The store's connection; in a forked scoring process, one of its own (an SQLite
        connection must not cross a fork), read-only: what it reads was committed before."""
        if not self._forked:
            return self._db.conn
        if self._forked_conn is None:
            self._forked_conn = sqlite3.connect(f"file:{self._db.path}?mode=ro", uri=True, isolation_level=None)
        return self._forked_conn

    def prefetch(self, numbers: Iterable[int]) -> None:
        """Read, in one batch, the documents not in the cache; all of ``numbers`` then stay
        cached until the next call (evicting one between the batch's prefetch and its use would
        read it again, alone)."""
        wanted = set(numbers)
        self._read(sorted(n for n in wanted if n not in self._cache))
        for number in wanted:
            self._cache.move_to_end(number)
        self._wanted = wanted
        self._trim()

    def _read(self, missing: list[int]) -> None:
        """Read documents ``missing`` (not cached) from the store, in one batch, into the cache."""
        sql = (
            "SELECT d.doc, d.is_source, d.sequence, d.record, a.words, a.spans "
            "FROM docs d LEFT JOIN doc_arrays a ON a.doc = d.doc WHERE d.doc IN ({})"
            if self._db.version >= 2
            else "SELECT doc, is_source, sequence, record, NULL, NULL FROM docs WHERE doc IN ({})"  # read-only, older
        )
        kept: tuple[list, list, list, list, list] = ([], [], [], [], [])  # numbers, records, orders, words, spans
        again: tuple[list, list, list] = ([], [], [])  # stored before words were kept: tokenised
        for number, is_source, sequence, record, words, spans in _rows_in(self._connection(), sql, missing):
            data = json.loads(record)
            parsed: Post | Source = source_from_dict(data) if is_source else post_from_dict(data)
            order = None if is_source else (cast(Post, parsed).created_at, sequence)  # a source has no place in time
            target = kept if words is not None else again
            for column, value in zip(target, (number, parsed, order, words, spans)):
                column.append(value)
        if kept[0]:
            lengths = np.array([len(w) // 8 for w in kept[3]], dtype=np.int64)
            words = np.frombuffer(b"".join(kept[3]), dtype=np.uint64)
            spans = np.frombuffer(b"".join(kept[4]), dtype=np.int32).reshape(-1, 2)
            offsets = np.concatenate([[0], np.cumsum(lengths)])
            docs, _, _ = docs_from_words(kept[1], kept[2], words, spans, offsets, self._k)
            for number, doc in zip(kept[0], docs):
                self._put(number, doc)
        if again[0]:
            docs, _, _ = make_docs(again[1], again[2], self._k)
            for number, doc in zip(again[0], docs):
                self._put(number, doc)


def _stored_detector(
    options: Options, db: Database, cache_words: int, jobs: int
) -> tuple[Detector, BandIndex, ShingleCounts, ShingleCounts, AuthorCounts]:
    """A detector whose index, counts and documents live in the store (its options always
    name the band index), with the index, phrase, word and author counts it was given."""
    space = MEMORY if db.read_only else FileSpace(db)  # a writer's merges go into the store's files, a part at a time
    segments = [Segment(a["keys"], a["owners"]) for a in db.load_arrays("index").values()]
    index = BandIndex.from_options(options, segments, space)
    counts = ShingleCounts([(a["keys"], a["counts"]) for a in db.load_arrays("counts").values()], space=space)
    words = ShingleCounts([(a["keys"], a["counts"]) for a in db.load_arrays("words").values()], space=space)
    authors = AuthorCounts(
        [a["keys"] for a in db.load_arrays("author_pairs").values()],
        ShingleCounts([(a["keys"], a["counts"]) for a in db.load_arrays("authors").values()], space=space),
        space=space,
    )
    count, sequence = db.conn.execute("SELECT coalesce(max(doc) + 1, 0), coalesce(max(sequence) + 1, 0) FROM docs").fetchone()
    documents = _StoredDocs(db, count, options.shingle_size, cache_words)
    by = Authors([a["keys"] for a in db.load_arrays("doc_authors").values()])
    if len(by) < count:  # documents stored before authors were kept: read once, saved with the next change
        rows = db.conn.execute("SELECT is_source, record FROM docs WHERE doc >= ? ORDER BY doc", (len(by),))
        by.add([0 if is_source else author_number(json.loads(record).get("author")) for is_source, record in rows])
    detector = Detector(
        options,
        documents=documents,
        index=index,
        counts=counts,
        word_counts=words,
        author_counts=authors,
        authors=by,
        next_sequence=sequence,
        jobs=jobs,
    )
    return detector, index, counts, words, authors


class _SavedArrays:
    """Which in-memory segments (index) or runs (counts) are saved, under which number.

    The objects themselves are held, so identity is never confused by a reused ``id()``.
    """

    def __init__(self, kind: str, db: Database, loaded: Sequence[Any]):
        self.kind, self._db = kind, db
        numbers = [
            row[0] for row in db.conn.execute("SELECT DISTINCT segment FROM arrays WHERE kind = ? ORDER BY segment", (kind,))
        ]
        self._saved: dict[int, tuple[Any, int]] = {id(obj): (obj, n) for obj, n in zip(loaded, numbers)}
        self._next = (numbers[-1] + 1) if numbers else 0

    def sync(self, current: Sequence[Any], arrays: Callable[[Any], dict]) -> None:
        """Make the saved parts equal to ``current`` (call inside a transaction)."""
        live = {id(obj) for obj in current}
        for key, (_, number) in list(self._saved.items()):
            if key not in live:
                self._db.delete_arrays(self.kind, number)
                del self._saved[key]
        for obj in current:
            if id(obj) not in self._saved:
                for name, array in arrays(obj).items():
                    self._db.save_array(self.kind, self._next, name, array)
                self._saved[id(obj)] = (obj, self._next)
                self._next += 1


class Store(StoreQueries, RunLifecycle):
    """A dupfeed store opened for one run (use as a context manager: an SQLite error inside the
    ``with`` block leaves it as a :class:`StoreError` naming the file).

    Args:
        path: the SQLite file (``dupfeed.db``); created when missing and ``create``.
        options: detection options for a new store. A store keeps the options it was made
            with (its index depends on them); giving other ones to an existing store is an error.
        write: open for writing (takes the lock: one writer at a time).
        wait: seconds to wait for another writer before giving up.
        cache_words: words of documents kept in memory for verification by this process
            (memory grows by about 40 bytes per word). A forked scoring process keeps, besides
            what it shares with this one, only the documents of the batch it is scoring: with
            nothing cached here (scoring posts ingested in an earlier session), each batch
            reads its candidates again.
        jobs: processes scoring at once (see :class:`~dupfeed.engine.detector.Detector`).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        options: Options | None = None,
        write: bool = True,
        create: bool = True,
        wait: float = 0.0,
        cache_words: int = 20_000_000,
        jobs: int = 1,
    ):
        self.db = Database(path, write=write, create=create, wait=wait)
        try:
            self.options = self._options(options)
        except BaseException as err:
            self.db.close()
            if isinstance(err, sqlite3.Error):
                raise unusable(self.db.path, err) from None
            raise
        self._cache_words, self._jobs = cache_words, jobs
        self._detector: Detector | None = None
        self._sketched: tuple[list[int], Any] | None = None  # (numbers, sketches) of the last ingest
        self.open_seconds = 0.0
        """Seconds spent loading the index and counts (on first need)."""

    def _options(self, given: Options | None) -> Options:
        stored = self.db.meta("options")
        if stored is None:
            options = replace(given or Options(), index="bands")  # a store keeps band arrays
            if self.db.read_only:
                return options
            with self.db.transaction() as conn:
                conn.execute("INSERT INTO meta VALUES ('options', ?)", (json.dumps(asdict(options)),))
            return options
        data = json.loads(stored)
        if data.get("lsh_bands_rows") is not None:
            data["lsh_bands_rows"] = tuple(data["lsh_bands_rows"])
        if data.get("lemma_languages") is not None:
            data["lemma_languages"] = tuple(data["lemma_languages"])
        options = Options(**data)
        if given is not None and replace(given, index="bands") != options:
            raise OptionsError(f"{self.db.path}: this store was made with other options; it keeps them: {data}")
        return options

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        self.close()
        if isinstance(error, sqlite3.Error):
            raise unusable(self.db.path, error) from None

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def _store_errors() -> tuple[type[BaseException], ...]:
        return (sqlite3.Error,)

    def beside(self, name: str) -> Path:
        """A file kept beside the store (``<db>.<name>``: fetched pages, fetched posts)."""
        return Path(f"{self.path}.{name}")

    def size(self) -> int:
        """Bytes on disk: the file and its arrays' folder."""
        arrays = Path(f"{self.path}.arrays")
        files = [self.path, *(arrays.iterdir() if arrays.is_dir() else ())]
        return sum(f.stat().st_size for f in files if f.is_file())

    def load(self) -> None:
        """Load the index and counts now (they are loaded on first need otherwise)."""
        self.detector  # noqa: B018 (loads it)

    @property
    def detector(self) -> Detector:
        """The store's detector, its index and counts loaded on first use."""
        if self._detector is None:
            started = time.perf_counter()
            self._detector, self._index, self._counts, self._words, self._authors = _stored_detector(
                self.options, self.db, self._cache_words, self._jobs
            )
            # Each saved part: its kind in the file, its live pieces, and a piece as named arrays.
            runs = lambda r: {"keys": r[0], "counts": r[1]}  # noqa: E731
            parts: list[tuple[str, Callable[[], Sequence[Any]], Callable[[Any], dict]]] = [
                ("index", lambda: self._index.segments, lambda g: {"keys": g.keys, "owners": g.owners}),
                ("counts", lambda: self._counts.runs, runs),
                ("words", lambda: self._words.runs, runs),
                ("author_pairs", lambda: self._authors.pairs, lambda keys: {"keys": keys}),
                ("authors", lambda: self._authors.counts.runs, runs),
                ("doc_authors", lambda: self.detector.authors.pieces, lambda keys: {"keys": keys}),
            ]
            self._saved_parts = [(_SavedArrays(kind, self.db, live()), live, arrays) for kind, live, arrays in parts]
            self.open_seconds = time.perf_counter() - started
        return self._detector

    @property
    def index(self) -> BandIndex:
        """The store's candidate index (band arrays), loaded on first use."""
        self.detector  # noqa: B018 (loads it)
        return self._index

    @property
    def phrase_counts(self) -> ShingleCounts:
        """The store's phrase counts, loaded on first use."""
        self.detector  # noqa: B018 (loads it)
        return self._counts

    # Runs

    def begin_run(self, command: str) -> int:
        with self.db.transaction() as conn:
            cursor = conn.execute("INSERT INTO runs (command, started, status) VALUES (?, ?, 'running')", (command, utc_now()))
        return cast(int, cursor.lastrowid)  # set by the INSERT

    def unreported_runs(self, current: int) -> list[int]:
        """Earlier runs whose findings no report has covered yet (``db ingest``/``db score``
        runs, and runs killed before their report), oldest first. A run still marked running
        was killed (one writer at a time): it is marked so."""
        with self.db.transaction() as conn:
            conn.execute("UPDATE runs SET status = 'killed' WHERE status = 'running' AND run != ?", (current,))
            rows = conn.execute("SELECT run FROM runs WHERE reported_by IS NULL AND run != ? ORDER BY run", (current,))
            return [row[0] for row in rows]

    def finish_run(self, run: int, status: str, stats: dict[str, Any], *, reported: Sequence[int] = ()) -> None:
        """Record how a run ended; ``reported`` are the runs (this one included) its report covered."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE runs SET finished = ?, status = ?, stats = ? WHERE run = ?",
                (utc_now(), status, json.dumps(stats), run),
            )
            conn.executemany("UPDATE runs SET reported_by = ? WHERE run = ?", [(run, r) for r in reported])

    # Adding

    def _known(self, keys: Sequence[str], hashes: Sequence[str]) -> set[str]:
        """Which of ``keys``/``hashes`` are already stored (as a document or a finding)."""
        found: set[str] = set()
        queries = [
            ("SELECT key FROM docs WHERE key IN ({})", keys),
            ("SELECT hash FROM docs WHERE hash IN ({})", hashes),
            ("SELECT key FROM findings WHERE key IN ({})", keys),
        ]
        for sql, values in queries:
            found.update(row[0] for row in _rows_in(self.db.conn, sql, values))
        return found

    def _new(self, records: Sequence[Any], key, digest) -> tuple[list[Any], list[str], list[str], int]:
        keys = [key(r) for r in records]
        hashes = [digest(r) for r in records]
        known = self._known(keys, hashes)
        kept = first_new(keys, hashes, lambda i: keys[i] in known or hashes[i] in known)
        return [records[i] for i in kept], [keys[i] for i in kept], [hashes[i] for i in kept], len(records) - len(kept)

    @contextmanager
    def _changing(self) -> Iterator[sqlite3.Connection]:
        """A transaction that also changes the detector: should it fail, the file is as before,
        and the detector is read from the file again at its next use."""
        try:
            with self.db.transaction() as conn:
                yield conn
        except BaseException:
            self._detector, self._sketched = None, None
            raise

    def _save_state(self, conn: sqlite3.Connection) -> None:
        cast(_StoredDocs, self.detector.documents).save_arrays(conn)
        for saved, live, arrays in self._saved_parts:
            saved.sync(live(), arrays)

    def add_sources(self, sources: Iterable[Source], *, run: int) -> Added:
        """Store and index new source articles (an id or a text already stored is skipped)."""
        fresh, keys, hashes, known = self._new(list(sources), source_key, source_hash)
        if not fresh:
            return Added(0, known)
        detector = self.detector
        first = len(detector.documents)
        with self._changing() as conn:
            detector.add_sources(fresh)
            conn.executemany(
                "INSERT INTO docs (doc, is_source, key, hash, at, sequence, run, record) VALUES (?, 1, ?, ?, ?, NULL, ?, ?)",
                [
                    (first + i, k, h, micros(s.published) if s.published else None, run, json.dumps(s.to_dict()))
                    for i, (s, k, h) in enumerate(zip(fresh, keys, hashes))
                ],
            )
            self._save_state(conn)
        return Added(len(fresh), known)

    def ingest(self, posts: Iterable[Post], *, run: int) -> Added:
        """Store, index and count new posts, to be scored by :meth:`score` (a post already
        stored, by platform and id or by author, time and text, is skipped)."""
        fresh, keys, hashes, known = self._new(list(posts), post_key, post_hash)
        if not fresh:
            return Added(0, known)
        detector = self.detector
        order, scored = chronological(fresh)
        compared = set(scored)
        reposts = [i for i in order if i not in compared]
        first = len(detector.documents)
        sequence = detector.next_sequence
        with self._changing() as conn:
            self._sketched = detector.add_posts([fresh[i] for i in scored])
            conn.executemany(
                "INSERT INTO docs (doc, is_source, key, hash, at, sequence, run, record) VALUES (?, 0, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        first + n,
                        keys[i],
                        hashes[i],
                        micros(fresh[i].created_at),
                        sequence + n,
                        run,
                        json.dumps(fresh[i].to_dict()),
                    )
                    for n, i in enumerate(scored)
                ],
            )
            for i in reposts:  # native reposts are not compared: stored as findings only
                self._write_finding(conn, unscored(fresh[i]), None, run)
            self._save_state(conn)
        return Added(len(scored), known, len(reposts))

    # Scoring

    def pending(self) -> list[int]:
        """The stored posts not yet scored, in the order they are to be scored."""
        rows = self.db.conn.execute(
            "SELECT doc FROM docs WHERE is_source = 0 AND NOT EXISTS "
            "(SELECT 1 FROM findings WHERE findings.key = docs.key) ORDER BY at, sequence"
        )
        return [row[0] for row in rows]

    def score(self, *, run: int, progress: Callable[[int], None] | None = None, pending: list[int] | None = None) -> Scored:
        """Score every post not yet scored (``pending``, if :meth:`pending` was just asked),
        committing each batch of findings as it is made."""
        numbers = self.pending() if pending is None else pending
        result = Scored()
        if not numbers:
            return result
        detector = self.detector
        # The posts just ingested keep the window signatures made then; others are sketched again.
        sketched, self._sketched = self._sketched, None
        sketches = sketched[1] if sketched is not None and sketched[0] == numbers else None
        for findings in detector.score(numbers, sketches):
            with self.db.transaction() as conn:
                for number, finding in findings:
                    self._write_finding(conn, finding, number, run)
                    result.verdicts[finding.verdict] += 1
            if progress is not None:
                progress(len(findings))
        return result

    @staticmethod
    def _write_finding(conn, finding: Finding, doc: int | None, run: int) -> None:
        conn.execute(
            "INSERT INTO findings (key, doc, run, at, verdict, record, match_keys) VALUES (?, ?, ?, ?, ?, ?, ?)",
            finding_row(finding, doc, run),
        )

    # Reading

    def findings(
        self, *, since: datetime | None = None, until: datetime | None = None, run: int | Iterable[int] | None = None
    ) -> Iterator[tuple[dict[str, Any], list[str]]]:
        """Stored findings in processing order: each ``--format jsonl`` record and its matches' keys."""
        sql = "SELECT record, match_keys FROM findings WHERE 1 = 1"
        args: list[Any] = []
        if since is not None:
            sql, args = sql + " AND at >= ?", [*args, micros(since)]
        if until is not None:
            sql, args = sql + " AND at < ?", [*args, micros(until)]
        if run is not None:
            runs = [run] if isinstance(run, int) else list(run)
            sql, args = sql + f" AND run IN ({','.join('?' * len(runs))})", [*args, *runs]
        for record, match_keys in self.db.conn.execute(sql + " ORDER BY at, rowid", args):
            yield json.loads(record), json.loads(match_keys)

    def records(self, keys: Iterable[str]) -> dict[str, Post | Source]:
        """The stored posts and sources under ``keys``."""
        out: dict[str, Post | Source] = {}
        for key, is_source, record in _rows_in(
            self.db.conn, "SELECT key, is_source, record FROM docs WHERE key IN ({})", set(keys)
        ):
            data = json.loads(record)
            out[key] = source_from_dict(data) if is_source else post_from_dict(data)
        return out

    def verdicts(self, keys: Iterable[str]) -> dict[str, str]:
        """The stored verdict of each of these posts that has been scored."""
        return dict(_rows_in(self.db.conn, "SELECT key, verdict FROM findings WHERE key IN ({})", set(keys)))

    def counts(self) -> dict[str, int]:
        """How much the store holds."""
        conn = self.db.conn
        sources, posts = conn.execute("SELECT sum(is_source), sum(1 - is_source) FROM docs").fetchone()
        scored = conn.execute("SELECT count(*) FROM findings").fetchone()[0]
        verdicts = dict(conn.execute("SELECT verdict, count(*) FROM findings GROUP BY verdict").fetchall())
        runs = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
        return {
            "sources": sources or 0,
            "posts": posts or 0,
            "scored": scored,
            "unscored": len(self.pending()),
            **{v: verdicts.get(v, 0) for v in VERDICTS},
            "runs": runs,
        }
