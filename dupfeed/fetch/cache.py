"""The JSONL source file that fetches append to and ``dupfeed scan --sources`` reads.

One JSON object a line. ``status`` says what a line is:

- ``"ok"``: a source: ``id`` (its canonical URL), ``url`` (where it was fetched), ``requested``
  (the URL as given), ``title``, ``site_name``, ``author``, ``published``, ``lang``, ``text``,
  ``fetched_at``, ``etag``, ``last_modified``. A line without ``status`` (written by hand) is a
  source too.
- ``"failed"``: a URL that gave nothing usable: ``reason``, ``detail``, ``attempts`` (over all
  runs), ``kind`` (page, feed or sitemap). Never a source; tried again on the next run.
- ``"duplicate"``: a URL whose page declares the canonical URL of a source already stored
  (``canonical``). Never a source; not fetched again unless asked.

Each line is written with one ``write`` and ``fsync``: a run killed at any moment loses at most
the line being written, and that line is dropped (with a warning) when the store is next opened.
Later lines supersede earlier ones about the same URL; :meth:`SourceStore.compact` removes the
superseded ones at the end of a run, by writing a new file and renaming it over the old one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Set
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..files import lock, replaced
from ..urls import canonical_url

_SLIM = ("id", "url", "requested", "status", "etag", "last_modified", "attempts", "canonical", "kind")


def _keys(record: dict[str, Any]) -> set[str]:
    """Every canonical URL a record answers for."""
    keys = {str(record["id"])} if record.get("id") else set()
    for field in ("url", "requested"):
        if isinstance(record.get(field), str) and record[field]:
            keys.add(canonical_url(record[field]))
    return keys


def _identity(record: dict[str, Any]) -> str:
    """What a record is about: a source's id, or the URL a failed or duplicate fetch was for."""
    if record.get("status", "ok") == "ok":
        return str(record.get("id") or record.get("url") or "")
    return canonical_url(str(record.get("requested") or record.get("url") or record.get("id") or ""))


def read_store(path: str | Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Every record of a store file, in order, and warnings about lines that were ignored.

    A last line cut short by an interrupted run, a malformed line, or a line that is not an
    object is ignored with a warning naming the file and line. A missing file is an empty store.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], []
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", path=str(path)) from err
    records, warnings = [], []
    lines = data.split(b"\n")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw.decode("utf-8", errors="replace"))
        except json.JSONDecodeError:
            last = number == len(lines) and not data.endswith(b"\n")
            why = "truncated last line (an interrupted run)" if last else "malformed JSON"
            warnings.append(f"{path}:{number}: {why}, ignored")
            continue
        if not isinstance(row, dict):
            warnings.append(f"{path}:{number}: not a JSON object, ignored")
            continue
        records.append(row)
    return records, warnings


def open_appending(path: Path) -> int:
    """An append-only JSONL file (created if missing) opened and locked for this run: two runs
    never append to one file at once.

    Raises:
        InputError: the file cannot be opened, or another run holds it.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError as err:
        raise InputError(f"cannot open for writing: {err.strerror or err}", path=str(path)) from err
    if not lock(fd):
        os.close(fd)
        raise InputError("another dupfeed run is writing to this file", path=str(path))
    return fd


def repair_tail(fd: int, path: Path) -> str | None:
    """Make an append-only JSONL file end with a complete line: a last line cut short by a
    killed run is dropped (the warning naming it is returned), a complete one that only lacks
    its newline gets it."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    with open(path, "rb") as f:
        f.seek(max(0, size - 1))
        if f.read(1) == b"\n":
            return None
        f.seek(0)
        data = f.read()
    cut = data.rfind(b"\n") + 1
    try:
        json.loads(data[cut:].decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        os.ftruncate(fd, cut)
        line = data.count(b"\n") + 1
        return f"{path}:{line}: truncated last line (an interrupted run), dropped"
    os.write(fd, b"\n")  # a complete record that only lacks its newline
    return None


class SourceStore:
    """A store opened for one run: looks URLs up, appends records durably, compacts at the end.

    Use as a context manager. Opening drops a truncated last line left by a killed run (so the
    next line does not glue onto it) and reports it in :attr:`warnings`.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.warnings: list[str] = []
        self._records: list[dict[str, Any]] = []  # slim copies (no text), in file order
        self._latest: dict[str, int] = {}  # canonical URL -> index of the latest record about it
        self._sources: dict[str, int] = {}  # id -> index of the latest "ok" record
        self._fd: int | None = None
        self._malformed = False

    def __enter__(self) -> SourceStore:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        """Read the store, repair an interrupted last line, and open it for appending."""
        self._fd = fd = open_appending(self.path)
        repaired = repair_tail(fd, self.path)
        if repaired:
            self.warnings.append(repaired)
        records, warnings = read_store(self.path)
        self.warnings.extend(warnings)
        self._malformed = bool(warnings)
        for record in records:
            self._index(record)

    def _index(self, record: dict[str, Any]) -> None:
        slim = {k: record.get(k) for k in _SLIM if k in record}
        self._records.append(slim)
        number = len(self._records) - 1
        for key in _keys(record):
            self._latest[key] = number
        if record.get("status", "ok") == "ok" and record.get("id"):
            self._sources[str(record["id"])] = number

    def lookup(self, url: str) -> dict[str, Any] | None:
        """The latest record about ``url`` (any status; without its text), or None."""
        number = self._latest.get(canonical_url(url))
        return None if number is None else self._records[number]

    def source(self, source_id: str) -> dict[str, Any] | None:
        """The latest ``ok`` record with this id (without its text), or None."""
        number = self._sources.get(source_id)
        return None if number is None else self._records[number]

    def append(self, record: dict[str, Any]) -> None:
        """Write one record as one complete line, flushed to disk before returning."""
        if self._fd is None:
            raise RuntimeError("store is not open")
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)
        self._index(record)

    def compact(self, resolved: Set[str] = frozenset()) -> int:
        """Drop superseded lines: older versions of a source, failures since retried, and
        failures of the feeds and sitemaps in ``resolved`` (canonical URLs read fine this run).
        Returns how many lines were dropped. The new file replaces the old one atomically."""
        keep = self._kept(resolved)
        if len(keep) == len(self._records) or self._malformed:
            return 0  # nothing to drop, or lines we cannot parse that a rewrite would lose
        records, _ = read_store(self.path)
        if len(records) != len(self._records):  # changed under us: leave it alone
            return 0
        with replaced(self.path) as out:
            for number in sorted(keep):
                out.write(json.dumps(records[number], ensure_ascii=False) + "\n")
        dropped = len(self._records) - len(keep)
        self._reload()
        return dropped

    def _kept(self, resolved: Set[str]) -> set[int]:
        keep = set()
        for number, record in enumerate(self._records):
            status = record.get("status", "ok")
            if status == "ok":
                if self._sources.get(str(record.get("id"))) == number:
                    keep.add(number)
                continue
            identity = _identity(record)
            if identity in resolved and record.get("kind") in ("feed", "sitemap"):
                continue
            if self._latest.get(identity, number) <= number:
                keep.add(number)
        return keep

    def _reload(self) -> None:
        self.close()
        self._records, self._latest, self._sources = [], {}, {}
        self.open()

    def close(self) -> None:
        """Release the file (and its lock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
