"""The partitioned store's files: Parquet datasets in a folder or at an fsspec URL.

::

    meta.json                                  format, options
    commits/00000001.json ...                  what each step added: the store is what they list
    docs/00000001-00000.parquet                documents: record, words, spans, author, order
    bands/band=07/00000001.parquet             one band's keys of every window, sorted, and owners
    counts/<kind>/bucket=03/00000001.parquet   phrase, word and author counts, by key bucket
    findings/...parquet                        findings (a scored part is committed by being there)
    runs/000001.json                           each run: command, times, status, stats

Every file is written whole under a temporary name, then renamed (an object store's upload
appears whole): nothing half-written is ever read. An ingest step's files become part of the
store only when its commit file, written last, names them; a run killed before that leaves
files no commit names, which the next writer removes. Files are never changed once written.
"""

from __future__ import annotations

import io
import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ...errors import InputError
from ...files import lock
from ..db import StoreBusy, StoreError

FORMAT = "dupfeed-partitioned"
VERSION = 1
BUCKET_BITS = 4
BUCKETS = 1 << BUCKET_BITS
"""Count keys are split into this many buckets (by their top bits): one task per bucket."""


def is_partitioned(path: str | os.PathLike) -> bool:
    """Whether ``--db`` names a partitioned store: a URL, a folder, or a path ending with ``/``."""
    text = str(path)
    return "://" in text or text.endswith(("/", os.sep)) or Path(text).is_dir()


def bucket_bounds(keys: np.ndarray, bits: int = 32) -> np.ndarray:
    """Where each count bucket starts in sorted ``keys`` of ``bits`` bits (their top bits say
    the bucket), and where the last ends: ``BUCKETS + 1`` positions."""
    firsts = np.arange(BUCKETS + 1, dtype=np.uint64) << np.uint64(bits - BUCKET_BITS)
    return np.searchsorted(keys, firsts[:-1].astype(keys.dtype)).tolist() + [len(keys)]


class Layout:
    """One partitioned store's files, through fsspec (a local folder, ``file://``, ``s3://``...).

    Args:
        url: the store's folder or URL.
        write: take the writer's lock (a local folder only: on an object store, one writer at a
            time is the scheduler's to ensure).
        create: make the store when missing.
        wait: seconds to wait for another writer.
    """

    def __init__(self, url: str | os.PathLike, *, write: bool = False, create: bool = False, wait: float = 0.0):
        self.url = str(url)
        try:
            self.fs, self.root = fsspec.core.url_to_fs(self.url)
        except (ValueError, ImportError) as err:  # an unknown scheme, or its package missing (s3fs...)
            raise InputError(f"cannot open this store's URL: {err}", path=self.url) from None
        self.root = self.root.rstrip("/")
        self.local = "file" in (self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,))
        self._lock_fd: int | None = None
        exists = self._exists("meta.json")
        if not exists:
            # A folder holding only our lock is one whose creation was cut short: it is ours.
            others = (
                [p for p in self.fs.ls(self.root, detail=False) if not p.rstrip("/").endswith("/.lock")]
                if self._exists("")
                else []
            )
            if others and not create:
                raise InputError("a folder that is not a dupfeed store", path=self.url)
            if not create:
                raise InputError(
                    "no dupfeed store here (create one with `dupfeed db add-sources` or `dupfeed db ingest`)", path=self.url
                )
            if others:
                raise StoreError(f"{self.url}: a folder that is not empty and not a dupfeed store; left untouched")
        if write:
            self._lock(wait)
        if exists:
            try:
                meta = self.read_json("meta.json")
                if not isinstance(meta, dict) or meta.get("format") != FORMAT or not isinstance(meta.get("options"), dict):
                    raise StoreError(f"{self.url}: not a dupfeed store (meta.json is another's); left untouched")
                if meta.get("version", 0) > VERSION:
                    raise StoreError(f"{self.url}: made by a newer dupfeed (format {meta['version']}, this one reads {VERSION})")
            except BaseException:
                self.close()
                raise

    def _exists(self, relative: str) -> bool:
        try:
            return bool(self.fs.exists(self._path(relative) if relative else self.root))
        except OSError as err:
            raise StoreError(f"{self.url}: cannot be read: {err}") from None

    def _lock(self, wait: float) -> None:
        if not self.local:
            return
        self.fs.makedirs(self.root, exist_ok=True)
        fd = os.open(os.path.join(self.root, ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        if not lock(fd, wait=wait):
            os.close(fd)
            waited = f" (waited {wait:g} s)" if wait else ""
            raise StoreBusy(f"{self.url}: another dupfeed run is writing to this store{waited}")
        self._lock_fd = fd

    def writer_active(self) -> bool:
        """Whether some process holds the writer's lock (always False on an object store)."""
        if self._lock_fd is not None:
            return True
        if not self.local or not os.path.exists(os.path.join(self.root, ".lock")):
            return False
        fd = os.open(os.path.join(self.root, ".lock"), os.O_RDWR)
        try:
            return not lock(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _path(self, relative: str) -> str:
        return f"{self.root}/{relative}"

    # Writing: whole files, renamed into place.

    def _put(self, relative: str, data: bytes) -> None:
        target = self._path(relative)
        self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
        temporary = f"{target}.tmp-{secrets.token_hex(4)}"
        with self.fs.open(temporary, "wb") as handle:
            handle.write(data)
            if self.local:
                handle.flush()
                os.fsync(handle.fileno())
        self.fs.mv(temporary, target)
        if self.local:  # the rename itself, durable before anything counts on it
            fd = os.open(target.rsplit("/", 1)[0], os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def write_table(self, relative: str, table: pa.Table, *, row_group_size: int | None = None) -> int:
        """Write a Parquet file whole; returns its size in bytes."""
        buffer = io.BytesIO()
        pq.write_table(table, buffer, row_group_size=row_group_size, compression="zstd")
        data = buffer.getvalue()
        self._put(relative, data)
        return len(data)

    def write_json(self, relative: str, value: Any) -> None:
        self._put(relative, json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8"))

    # Reading

    def read_json(self, relative: str) -> Any:
        try:
            with self.fs.open(self._path(relative), "rb") as handle:
                return json.loads(handle.read())
        except (OSError, ValueError) as err:
            raise StoreError(f"{self.url}: cannot read {relative}: {err}") from None

    def read_table(self, relative: str, *, columns: list[str] | None = None, filters: Any = None) -> pa.Table:
        try:
            return pq.read_table(self._path(relative), columns=columns, filters=filters, filesystem=self.fs)
        except (OSError, pa.ArrowException) as err:
            raise StoreError(f"{self.url}: cannot read {relative}: {err}") from None

    def column_max(self, relative: str, column: str) -> Any:
        """The largest value of ``column`` in a Parquet file, from its footer's statistics
        (None when the file has no rows or its statistics do not say)."""
        try:
            with self.fs.open(self._path(relative), "rb") as handle:
                meta = pq.ParquetFile(handle).metadata
        except (OSError, pa.ArrowException) as err:
            raise StoreError(f"{self.url}: cannot read {relative}: {err}") from None
        at = meta.schema.names.index(column)
        highest = None
        for g in range(meta.num_row_groups):
            stats = meta.row_group(g).column(at).statistics
            if stats is None or not stats.has_min_max:
                return None
            highest = stats.max if highest is None else max(highest, stats.max)
        return highest

    def read_row_groups(self, relative: str, groups: list[int], columns: list[str]) -> pa.Table:
        """Some row groups of a Parquet file."""
        try:
            with self.fs.open(self._path(relative), "rb") as handle:
                return pq.ParquetFile(handle).read_row_groups(groups, columns=columns)
        except (OSError, pa.ArrowException) as err:
            raise StoreError(f"{self.url}: cannot read {relative}: {err}") from None

    def read_tables(self, relatives: Iterable[str], *, columns: list[str] | None = None, filters: Any = None) -> pa.Table:
        """Several files of one schema as one table (empty files list: None is not returned, an
        empty table of no columns is)."""
        tables = [self.read_table(r, columns=columns, filters=filters) for r in relatives]
        return pa.concat_tables(tables) if tables else pa.table({})

    def listing(self, folder: str) -> list[str]:
        """Paths (relative to the root) of the files under ``folder``, sorted."""
        base = self._path(folder)
        if not self.fs.exists(base):
            return []
        found = self.fs.find(base)
        return sorted(p[len(self.root) + 1 :] for p in found)

    def remove(self, relatives: Iterable[str]) -> None:
        for relative in relatives:
            self.fs.rm(self._path(relative))

    def size(self) -> int:
        """Bytes of every file in the store."""
        return sum(self.fs.du(self.root, total=False).values()) if self.fs.exists(self.root) else 0
