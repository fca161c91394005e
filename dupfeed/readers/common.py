"""What the readers share: reading UTF-8 text with a clear error, and parsing dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, TypeVar

from ..errors import InputError
from ..records import Reason, Skip
from .reasons import EMPTY_TEXT, TEXT_TOO_LONG

T = TypeVar("T")

MAX_TEXT_CHARS = 100_000
"""Longest post text accepted; a longer "post" is a pasted document or a broken record."""


@dataclass
class ReadResult(Generic[T]):
    """Records read from one or more files, and the records skipped with their reasons."""

    records: list[T] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    def extend(self, other: ReadResult[T]) -> None:
        self.records.extend(other.records)
        self.skipped.extend(other.skipped)

    def add(self, item: T | Skip) -> None:
        """One record, or the skip that stands for it."""
        if isinstance(item, Skip):
            self.skipped.append(item)
        else:
            self.records.append(item)


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
