"""Generic JSON Lines and CSV files of posts (``id``, ``text``, ``author``, ``created_at``, or
the other names :mod:`dupfeed.readers.posts` reads)."""

from __future__ import annotations

from collections.abc import Mapping

from ...records import Post
from ..archive import Archive
from ..common import ReadResult
from ..posts import parse_csv, parse_jsonl, read_csv_text

NAME = "generic"
_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines", ".json", ".csv")


def _files(archive: Archive) -> list[str]:
    return [m for m in archive.members() if m.lower().endswith(_SUFFIXES)]


def detect(archive: Archive) -> bool:
    return bool(_files(archive))


def read(archive: Archive, *, columns: Mapping[str, str] | None = None) -> ReadResult[Post]:
    """Every JSONL and CSV file of posts; ``columns`` maps fields to other column names."""
    result: ReadResult[Post] = ReadResult()
    for member in _files(archive):
        if member.lower().endswith(".csv"):
            result.extend(parse_csv(read_csv_text(archive.read_bytes(member)), archive.where(member), columns))
        else:
            result.extend(parse_jsonl(archive.read_text(member), archive.where(member), columns))
    return result
