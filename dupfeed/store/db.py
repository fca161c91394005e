"""The store's SQLite file: checked before it is touched, locked for one writer, migrated.

A file given as a store is first opened read-only and checked: a file that is not SQLite, or
an SQLite database of another application, is refused without being modified. Writers take an
exclusive lock on ``<db>.lock`` beside it, so two runs never write at once. Every change is a
transaction (journal in WAL mode, synced on commit): a run killed at any point, SIGKILL
included, leaves the file as it was after its last commit.

Large arrays (the index, the counts) are kept as ``.npy`` files in ``<db>.arrays/`` beside it,
named by rows of the ``arrays`` table: opening a store maps them into memory instead of
copying them out of SQLite (a cold open of a store of a million posts in a second, not seven),
and scoring processes share their pages. A file is written and synced before the row naming it
is committed, and deleted only after the row's deletion is: a run killed at any point leaves
files no row names, which the next writer removes.
"""

from __future__ import annotations

import mmap
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..errors import DupfeedError, InputError
from ..files import lock

APPLICATION_ID = 0x64757066  # "dupf": marks an SQLite file as a dupfeed store
SCHEMA_VERSION = 3

_MIGRATIONS = {
    # version -> statements that bring a store from the version before to this one
    1: """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE runs (
        run INTEGER PRIMARY KEY, command TEXT NOT NULL, started TEXT NOT NULL,
        finished TEXT, status TEXT NOT NULL, stats TEXT,
        reported_by INTEGER);         -- the nightly run whose report covered this run's findings
    CREATE TABLE docs (
        doc INTEGER PRIMARY KEY,      -- the detector's document number
        is_source INTEGER NOT NULL,
        key TEXT NOT NULL UNIQUE,     -- "source:<id>" or "<platform>:<post id>"
        hash TEXT NOT NULL UNIQUE,    -- content: a source's text, or a post's author, time and text
        at INTEGER,                   -- microseconds since 1970: created_at / published
        sequence INTEGER,             -- posts: arrival order, breaks ties of created_at
        run INTEGER NOT NULL,
        record TEXT NOT NULL);        -- the Post or Source, as JSON
    CREATE INDEX docs_unscored ON docs(is_source, at, sequence);
    CREATE TABLE findings (
        key TEXT PRIMARY KEY,         -- the post's key in docs (native reposts: not in docs)
        doc INTEGER,
        run INTEGER NOT NULL,
        at INTEGER NOT NULL,          -- the post's created_at, microseconds since 1970
        verdict TEXT NOT NULL,
        record TEXT NOT NULL,         -- the `dupfeed scan --format jsonl` record
        match_keys TEXT NOT NULL);    -- JSON list: the key of each match in docs, in order
    CREATE INDEX findings_at ON findings(at);
    CREATE INDEX findings_run ON findings(run);
    CREATE TABLE arrays (             -- index segments and shingle counts, as raw numpy arrays
        kind TEXT NOT NULL, segment INTEGER NOT NULL, name TEXT NOT NULL, chunk INTEGER NOT NULL,
        dtype TEXT NOT NULL, shape TEXT NOT NULL, data BLOB NOT NULL,
        PRIMARY KEY (kind, segment, name, chunk));
    """,
    2: """
    CREATE TABLE doc_arrays (         -- each document's words as tokenised when added: read back, not again
        doc INTEGER PRIMARY KEY,
        words BLOB NOT NULL,          -- uint64 word hashes, by position
        spans BLOB NOT NULL);         -- int32 [start, end) of each word in the text
    """,
    3: """
    ALTER TABLE arrays ADD COLUMN file TEXT;  -- a large array's .npy file in <db>.arrays/ (data is then empty)
    """,
}

_CHUNK_BYTES = 256 << 20  # SQLite refuses blobs over 1 GB
FILE_BYTES = 1 << 20
"""Arrays this large or larger are kept as files beside the store, not as blobs in it."""


class StoreError(DupfeedError):
    """A store that cannot be used (not a store, newer schema, damaged)."""


class StoreBusy(StoreError):
    """Another run holds the store."""


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def unusable(path: Path, error: sqlite3.Error) -> StoreError:
    """SQLite's error as the one line a user is shown, naming the store's file."""
    return StoreError(f"{path}: the store cannot be used: {error}")


def _check(path: Path) -> int:
    """The schema version of an existing store file (0 for an empty file); refuses anything else.

    The file's own header says whose it is (application id, schema version): a foreign file is
    refused from those bytes, before SQLite opens it (SQLite may leave files beside a database
    it opens). Only a dupfeed store is then opened, read-only, to see that it is readable.
    """
    if not path.exists() or path.stat().st_size == 0:
        return 0
    try:
        with open(path, "rb") as handle:
            header = handle.read(100)
    except OSError as err:
        raise StoreError(f"{path}: cannot read: {err.strerror or err}") from None
    if not header.startswith(b"SQLite format 3\x00"):
        raise StoreError(f"{path}: not a dupfeed store (not an SQLite file); left untouched")
    if len(header) < 100:
        raise StoreError(f"{path}: not a usable dupfeed store (truncated); left untouched")
    version, app = int.from_bytes(header[60:64], "big"), int.from_bytes(header[68:72], "big")
    if app != APPLICATION_ID:
        raise StoreError(f"{path}: an SQLite database of another application, not a dupfeed store; left untouched")
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: made by a newer dupfeed (schema {version}, this one reads up to {SCHEMA_VERSION})")
    beside = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    there = [p.exists() for p in beside]
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as err:
        for extra, existed in zip(beside, there):
            if not existed:
                extra.unlink(missing_ok=True)
        raise StoreError(f"{path}: not a usable dupfeed store ({err}); left untouched") from None
    return version


class Database:
    """One store file opened for reading or for one writer.

    Args:
        path: the SQLite file; created when missing and ``create``.
        write: take the writer's lock (and migrate an older schema).
        wait: seconds to wait for another writer to finish before giving up.
    """

    def __init__(self, path: str | Path, *, write: bool = True, create: bool = True, wait: float = 0.0):
        self.path = Path(path)
        self.read_only = not write
        self._lock_fd: int | None = None
        self._scratch: list[Path] = []  # files merges made (FileSpace): kept by save_array, or removed as a transaction ends
        exists = self.path.exists()
        if not exists and not create:
            raise InputError(
                "no dupfeed store here (create one with `dupfeed db add-sources` or `dupfeed db ingest`)", path=str(self.path)
            )
        if exists and self.path.is_dir():
            raise InputError("is a folder, not a store file", path=str(self.path))
        version = _check(self.path)
        if write:
            self._lock(wait)
            version = _check(self.path)  # another writer may have made or migrated it meanwhile
        elif version == 0:
            raise InputError("an empty store: nothing stored yet", path=str(self.path))
        try:
            if write:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=60)
                self.conn.execute("PRAGMA synchronous=FULL")
                if version == 0:
                    # Created under SQLite's default rollback journal: a run killed while
                    # creating the store leaves an empty file or a whole store, never a
                    # half-made one that the next run would take for a foreign file.
                    self._migrate(0)
                    version = SCHEMA_VERSION
                # Then WAL, so that readers never wait for the writer.
                self.conn.execute("PRAGMA journal_mode=WAL")
                self._migrate(version)
                version = SCHEMA_VERSION
            else:
                self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None, timeout=60)
        except sqlite3.Error as err:
            self.close()
            raise StoreError(f"{self.path}: {err}") from None
        self.version = version
        """The file's schema version (an older store opened read-only keeps its own)."""
        self._written: list[Path] = []  # array files written by the open transaction
        self._doomed: list[Path] = []  # array files whose rows the open transaction deleted
        if write:
            try:
                self.remove_stray_arrays()
            except sqlite3.Error as err:
                self.close()
                raise StoreError(f"{self.path}: {err}") from None

    def _lock(self, wait: float) -> None:
        real = self.path.resolve()  # one lock for every name of the file (links, relative paths)
        lock_path = real.with_name(real.name + ".lock")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise InputError(f"cannot create the lock file: {err.strerror or err}", path=str(lock_path)) from None
        if not lock(self._lock_fd, wait=wait):
            os.close(self._lock_fd)
            self._lock_fd = None
            waited = f" (waited {wait:g} s)" if wait else " (use --wait SECONDS to wait for it)"
            raise StoreBusy(f"{self.path}: another dupfeed run is writing to this store{waited}")

    def writer_active(self) -> bool:
        """Whether some process holds the writer's lock now: a run still marked running while
        none does was killed (a run stopped by Ctrl-C is marked interrupted)."""
        if self._lock_fd is not None:
            return True
        real = self.path.resolve()
        try:
            fd = os.open(real.with_name(real.name + ".lock"), os.O_RDONLY)
        except OSError:  # no lock file: no writer ever ran here
            return False
        try:  # taken for an instant only, and only when a run is marked running
            return not lock(fd)
        finally:
            os.close(fd)  # closing the file lets the lock go

    def _migrate(self, version: int) -> None:
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction():
                # One statement at a time: executescript() would commit half a migration.
                for statement in _MIGRATIONS[target].split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {target}")
                self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: committed on leaving, rolled back on an exception (array files
        written inside are then removed; those whose rows it deleted go once it commits)."""
        self._written, self._doomed = [], []  # scratch files made before it (a merge outside one) stay listed
        try:
            # Begun inside the try: a Ctrl-C landing just after BEGIN still rolls it back (it
            # left the transaction open, and the run could not then be marked interrupted).
            self.conn.execute("BEGIN IMMEDIATE")
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            for path in self._written + self._scratch:
                path.unlink(missing_ok=True)
            raise
        finally:
            written, doomed, self._written, self._doomed = self._written, self._doomed, [], []
            scratch, self._scratch = self._scratch, []
        kept = set(written)
        for path in doomed + [p for p in scratch if p not in kept]:  # a merge's output merged again, never saved
            path.unlink(missing_ok=True)

    def close(self) -> None:
        conn = getattr(self, "conn", None)
        if conn is not None:
            conn.close()
            del self.conn  # a second close() finds nothing to close
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # Arrays: numpy arrays kept as raw bytes, cut in chunks SQLite accepts.

    @property
    def arrays_dir(self) -> Path:
        """Where the store's large arrays are kept: ``<db>.arrays/`` beside the file."""
        return self.path.with_name(self.path.name + ".arrays")

    def save_array(self, kind: str, segment: int, name: str, array: np.ndarray) -> None:
        """Store ``array`` (call inside a transaction). An array a merge made in a file of
        :class:`FileSpace` in this transaction is kept in that file, not written again."""
        shape = ",".join(map(str, array.shape))
        made = Path(array.filename).resolve() if isinstance(array, np.memmap) and array.filename else None
        if isinstance(array, np.memmap) and made is not None and made in self._scratch and _is_whole_file(array, made):
            array.flush()
            with open(made, "rb") as handle:
                os.fsync(handle.fileno())
            _sync_dir(self.arrays_dir)
            self._written.append(made)
            self.conn.execute(
                "INSERT INTO arrays VALUES (?, ?, ?, 0, ?, ?, ?, ?)",
                (kind, segment, name, array.dtype.str, shape, b"", made.name),
            )
            return
        array = np.ascontiguousarray(array)
        if array.nbytes >= FILE_BYTES:
            self.arrays_dir.mkdir(exist_ok=True)
            path = self.arrays_dir / f"{kind}-{segment}-{name}-{secrets.token_hex(6)}.npy"
            self._written.append(path)
            with open(path, "wb") as handle:
                np.save(handle, array, allow_pickle=False)
                handle.flush()
                os.fsync(handle.fileno())
            _sync_dir(self.arrays_dir)  # the file's name too, before the row naming it commits
            self.conn.execute(
                "INSERT INTO arrays VALUES (?, ?, ?, 0, ?, ?, ?, ?)",
                (kind, segment, name, array.dtype.str, shape, b"", path.name),
            )
            return
        raw = array.reshape(-1).view(np.uint8)
        for chunk, lo in enumerate(range(0, max(len(raw), 1), _CHUNK_BYTES)):
            self.conn.execute(
                "INSERT INTO arrays VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                (kind, segment, name, chunk, array.dtype.str, shape, raw[lo : lo + _CHUNK_BYTES].tobytes()),
            )

    def delete_arrays(self, kind: str, segment: int) -> None:
        """Delete a segment's arrays (call inside a transaction; their files go once it commits)."""
        rows = self.conn.execute("SELECT file FROM arrays WHERE kind = ? AND segment = ? AND file IS NOT NULL", (kind, segment))
        self._doomed.extend(self.arrays_dir / name for (name,) in rows)
        self.conn.execute("DELETE FROM arrays WHERE kind = ? AND segment = ?", (kind, segment))

    def remove_stray_arrays(self) -> None:
        """Remove array files no row names (left by a run killed mid-change); writers only."""
        if self.read_only or not self.arrays_dir.is_dir():
            return
        named = {row[0] for row in self.conn.execute("SELECT file FROM arrays WHERE file IS NOT NULL")}
        for path in self.arrays_dir.glob("*.npy"):
            if path.name not in named:
                path.unlink(missing_ok=True)

    def load_arrays(self, kind: str) -> dict[int, dict[str, np.ndarray]]:
        """Every array of ``kind``: ``{segment: {name: array}}``, segments in order (a file's
        array is mapped read-only, not read)."""
        parts: dict[int, dict[str, list]] = {}
        file = "file" if self.version >= 3 else "NULL"  # an older store opened read-only: blobs only
        rows = self.conn.execute(
            f"SELECT segment, name, dtype, shape, data, {file} FROM arrays WHERE kind = ? ORDER BY segment, name, chunk", (kind,)
        )
        for segment, name, dtype, shape, data, file in rows:
            parts.setdefault(segment, {}).setdefault(name, [dtype, shape, [], file])[2].append(data)
        out: dict[int, dict[str, np.ndarray]] = {}
        for segment, named in parts.items():
            out[segment] = {}
            for name, (dtype, shape, chunks, file) in named.items():
                if file is not None:
                    out[segment][name] = self._mapped(file)
                    continue
                raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                dims = tuple(int(d) for d in shape.split(",")) if shape else ()
                out[segment][name] = np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(dims)
        return out

    def _mapped(self, name: str) -> np.ndarray:
        path = self.arrays_dir / name
        try:
            return np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as err:
            raise StoreError(f"{self.path}: its array file {path} is missing or damaged ({err})") from None

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None


def _is_whole_file(array: np.memmap, path: Path) -> bool:
    """Whether ``array`` maps the whole data of the ``.npy`` file ``path`` (not a part of it)."""
    with open(path, "rb") as handle:
        np.lib.format.read_magic(handle)
        shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
        return array.offset == handle.tell() and array.shape == shape and array.dtype == dtype and array.flags.c_contiguous


class FileSpace:
    """The :class:`~dupfeed.engine.space.ArraySpace` of a store's merges: each large array a
    file in the store's arrays folder, mapped into memory, saved where it was made (see
    :meth:`Database.save_array`) or removed when the transaction ends without it."""

    def __init__(self, db: Database):
        self._db = db

    def empty(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        if int(np.prod(shape)) * np.dtype(dtype).itemsize < FILE_BYTES:
            return np.empty(shape, dtype=dtype)
        self._db.arrays_dir.mkdir(exist_ok=True)
        path = (self._db.arrays_dir / f"merge-{secrets.token_hex(8)}.npy").resolve()  # as numpy names its file
        self._db._scratch.append(path)
        return np.lib.format.open_memmap(path, mode="w+", dtype=np.dtype(dtype), shape=shape)

    def done_with(self, *parts: np.ndarray) -> None:
        """Drop the pages of mapped parts from this process's memory (the file, or the
        kernel's page cache, keeps what was written); parts in memory stay."""
        for part in parts:
            _drop_pages(part)


def _drop_pages(part: np.ndarray) -> None:
    mapped = getattr(part, "_mmap", None)
    if not isinstance(part, np.memmap) or mapped is None or not part.nbytes or not part.flags.contiguous:
        return
    start = part.ctypes.data - np.frombuffer(mapped, dtype=np.uint8).ctypes.data
    first = -(-start // mmap.PAGESIZE) * mmap.PAGESIZE  # whole pages inside the part only
    end = (start + part.nbytes) // mmap.PAGESIZE * mmap.PAGESIZE
    if end > first:
        mapped.madvise(mmap.MADV_DONTNEED, first, end - first)
