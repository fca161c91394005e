"""Generic JSON Lines and CSV files of posts (``id``, ``text``, ``author``, ``created_at``)."""

from __future__ import annotations

from ...records import Post
from ..archive import Archive
from ..common import ReadResult
from ..posts import parse_csv, parse_jsonl

NAME = "generic"
_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines", ".json", ".csv")


def _files(archive: Archive) -> list[str]:
    return [m for m in archive.members() if m.lower().endswith(_SUFFIXES)]


def detect(archive: Archive) -> bool:
    return bool(_files(archive))


def read(archive: Archive) -> ReadResult[Post]:
    result: ReadResult[Post] = ReadResult()
    for member in _files(archive):
        text = archive.read_text(member)
        parse = parse_csv if member.lower().endswith(".csv") else parse_jsonl
        result.extend(parse(text, archive.where(member)))
    return result
