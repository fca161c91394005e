"""What the readers share: reading UTF-8 text with a clear error, JSON Lines and CSV records with
the line each starts on, and parsing dates."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..errors import InputError
from ..records import Post, Reason, Skip
from .reasons import EMPTY_TEXT, MALFORMED_CSV, MALFORMED_JSON, MORE_CELLS_THAN_COLUMNS, NOT_A_JSON_OBJECT, TEXT_TOO_LONG

T = TypeVar("T")

MAX_TEXT_CHARS = 1_000_000
"""Longest post text accepted (LinkedIn articles run to about 110,000 characters, a long-form post
far longer); a longer "post" is a pasted book or a broken record, skipped as "text too long"."""


Origin = tuple[str, int | None]
"""Where a record was read: the file (or ``archive:member``) and the line, where known."""


@dataclass
class ReadResult(Generic[T]):
    """Records read from one or more files, and the records skipped with their reasons.

    ``origins`` tells where posts were read, by ``(platform, id, text)``, for the warning about
    an id read twice with two texts (see :func:`~dupfeed.readers.exports.merge_posts`).
    """

    records: list[T] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    origins: dict[tuple[str, str, str], Origin] = field(default_factory=dict)

    def extend(self, other: ReadResult[T]) -> None:
        self.records.extend(other.records)
        self.skipped.extend(other.skipped)
        for key, origin in other.origins.items():
            self.origins.setdefault(key, origin)

    def add(self, item: T | Skip) -> None:
        """One record, or the skip that stands for it."""
        if isinstance(item, Skip):
            self.skipped.append(item)
        else:
            self.records.append(item)


def add_post(result: ReadResult[Post], post: Post, where: str, line: int | None) -> None:
    """Add a post read at ``where`` (a file, or ``archive:member``) and ``line``, remembering
    where, for the warning about an id read again with another text."""
    result.records.append(post)
    result.origins.setdefault((post.platform, post.id, post.text), (where, line))


class BadRecord(Exception):
    """A record that cannot be used: the counted reason, and a detail for the warning."""

    def __init__(self, reason: Reason, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail

    def skip(self, where: str, line: int | None) -> Skip:
        """The record's skip, at ``where`` (file or archive member) and ``line``."""
        return Skip(where, line, self.reason, self.detail)


def checked_text(text: str, *, empty: Reason = EMPTY_TEXT, detail: str = "") -> str:
    """``text`` when it can be a post's text; else BadRecord: ``empty`` (the reason for no
    text, with ``detail``) or "text too long"."""
    if not text.strip():
        raise BadRecord(empty, detail)
    if len(text) > MAX_TEXT_CHARS:
        raise BadRecord(TEXT_TOO_LONG, f"{len(text):,} characters; at most {MAX_TEXT_CHARS:,}")
    return text


def read_utf8(path: Path) -> str:
    """A file's text as UTF-8 (a leading BOM dropped, line endings untouched)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", path=str(path)) from err
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 (byte 0x{data[err.start]:02x}); save the file as UTF-8", path=str(path), line=line) from err


def parse_json(text: str) -> Any:
    """``json.loads``, with JSON nested too deeply to parse (``[[[[…``, a hostile file) a
    :class:`json.JSONDecodeError` like any other malformed JSON, not a RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None


def jsonl_objects(text: str, where: str, skipped: list[Skip]) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line, object)`` for each non-blank line of JSON Lines text; a line that is not JSON,
    or not a JSON object, is added to ``skipped`` at ``where`` and its line."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = parse_json(line)
        except json.JSONDecodeError as err:
            skipped.append(Skip(where, number, MALFORMED_JSON, err.msg))
            continue
        if not isinstance(row, dict):
            skipped.append(Skip(where, number, NOT_A_JSON_OBJECT))
            continue
        yield number, row


class CsvRecords:
    """The records of CSV text under its header row, each with the line it starts on (quoted
    cells may hold line breaks, and a user looks for a record where it begins).

    Args:
        columns: the columns the header must name (it may name more).
        what: what the file should be, for the message of a missing column ("not a Reddit
            posts.csv: ").
        escapechar: as for :func:`csv.reader` (LinkedIn escapes quotes with a backslash).
        strip_header: strip the spaces around the header's names.
        delimiter: as for :func:`csv.reader` (old LinkedIn exports are tab-separated).
        names: the column names to use instead of the header's (the header row is still read):
            a reader's own spelling of them.

    Raises:
        InputError: a header that cannot be read or lacks one of ``columns`` (line 1).
    """

    def __init__(
        self,
        text: str,
        where: str,
        columns: Sequence[str],
        *,
        what: str = "",
        escapechar: str | None = None,
        strip_header: bool = False,
        delimiter: str = ",",
        names: Sequence[str] | None = None,
    ):
        self.where = where
        # The csv module refuses cells over 128 KiB; a post may be longer (MAX_TEXT_CHARS), and
        # one a little longer should be skipped as too long rather than as malformed CSV.
        csv.field_size_limit(max(csv.field_size_limit(), 2 * MAX_TEXT_CHARS))
        self._reader = csv.reader(io.StringIO(text, newline=""), escapechar=escapechar, delimiter=delimiter)
        try:
            header = next(self._reader, [])
        except csv.Error as err:
            raise InputError(f"unreadable CSV header: {err}", path=where, line=1) from err
        if names is not None:
            header = list(names)
        self.header = [name.strip() for name in header] if strip_header else header
        require_columns(self.header, columns, where, what)

    def rows(self, skipped: list[Skip]) -> Iterator[tuple[int, list[str]]]:
        """``(line, cells)`` of each record, blank lines passed over; a record the csv module
        cannot read is added to ``skipped`` ("malformed CSV") and the next one read."""
        while True:
            line = self._reader.line_num + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as err:
                skipped.append(Skip(self.where, line, MALFORMED_CSV, str(err)))
                continue
            if cells:
                yield line, cells

    def mapping(self, cells: list[str]) -> dict[str, str | None]:
        """A record's cells by column name, cells it lacks as None (as :class:`csv.DictReader`
        gives them); BadRecord "more cells than columns" for a misaligned record."""
        if len(cells) > len(self.header):
            raise BadRecord(MORE_CELLS_THAN_COLUMNS)
        row: dict[str, str | None] = dict(zip(self.header, cells))
        for name in self.header[len(cells) :]:
            row[name] = None
        return row


def require_columns(header: Sequence[str], columns: Sequence[str], where: str, what: str = "") -> None:
    """An InputError (line 1) naming the ``columns`` a CSV ``header`` lacks, and what it has."""
    missing = [name for name in columns if name not in header]
    if missing:
        found = ", ".join(header) or "no header"
        raise InputError(f"{what}missing column {', '.join(missing)} (found: {found})", path=where, line=1)


def physical_lines(text: str) -> list[str]:
    """The lines of ``text`` as the csv module counts them (ends kept): split at ``\\n``, ``\\r``
    and ``\\r\\n`` only, not at the other breaks :meth:`str.splitlines` knows (U+2028…)."""
    return io.StringIO(text, newline="").readlines()


def parse_datetime(value: object) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (naive values are taken as UTC).

    Raises:
        ValueError: the value is not an ISO 8601 date.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not an ISO 8601 date: {value!r}")
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
