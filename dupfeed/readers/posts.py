"""Posts from JSON Lines and CSV files with ``id``, ``text``, ``author``, ``created_at``."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path

from ..errors import InputError
from ..records import Post, Skip
from ..urls import extract_urls
from .common import BadRecord, ReadResult, checked_text, parse_datetime, read_utf8
from .reasons import (
    EMPTY_ID,
    INVALID_UNICODE,
    LINKS_NOT_URLS,
    MALFORMED_CSV,
    MALFORMED_JSON,
    MISSING_FIELD,
    MORE_CELLS_THAN_COLUMNS,
    NOT_A_JSON_OBJECT,
    TEXT_NOT_A_STRING,
    UNREADABLE_CREATED_AT,
)

REQUIRED = ("id", "text", "author", "created_at")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def post_from_mapping(row: Mapping, *, platform: str = "jsonl") -> Post:
    """Build a post from a JSONL object or CSV row; raises BadRecord with a reason."""
    missing = [name for name in REQUIRED if name not in row]
    if missing:
        raise BadRecord(MISSING_FIELD, ", ".join(missing))
    text = row["text"]
    if not isinstance(text, str):
        raise BadRecord(TEXT_NOT_A_STRING)
    checked_text(text)
    for name in ("id", "text", "author"):
        value = row[name]
        if isinstance(value, str) and not _encodable(value):
            raise BadRecord(INVALID_UNICODE, f"{name} holds a lone surrogate")
    if row["id"] in (None, ""):
        raise BadRecord(EMPTY_ID)
    try:
        created = parse_datetime(row["created_at"])
    except ValueError:
        raise BadRecord(UNREADABLE_CREATED_AT, repr(row["created_at"])) from None
    links = row.get("links") or ()
    if isinstance(links, str):
        links = links.split()
    if not isinstance(links, (list, tuple)) or not all(isinstance(u, str) for u in links):
        raise BadRecord(LINKS_NOT_URLS)
    links = tuple(dict.fromkeys([*links, *extract_urls(text)]))
    author = row["author"]

    def optional(name: str) -> str | None:
        value = row.get(name)
        return str(value) if value not in (None, "") else None

    return Post(
        id=str(row["id"]),
        text=text,
        author=str(author) if author not in (None, "") else None,
        created_at=created,
        url=optional("url"),
        links=links,
        platform=optional("platform") or platform,
        kind=optional("kind") or "post",
        reply_to=optional("reply_to"),
        repost_of=optional("repost_of"),
        lang=optional("lang"),
    )


def parse_jsonl(text: str, where: str) -> ReadResult[Post]:
    """Posts from JSON Lines text, one object per line; blank lines are ignored. ``where``
    names the file in skip reasons."""
    result: ReadResult[Post] = ReadResult()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            result.skipped.append(Skip(where, number, MALFORMED_JSON, err.msg))
            continue
        if not isinstance(row, dict):
            result.skipped.append(Skip(where, number, NOT_A_JSON_OBJECT))
            continue
        try:
            result.records.append(post_from_mapping(row))
        except BadRecord as err:
            result.skipped.append(Skip(where, number, err.reason, err.detail))
    return result


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _first_line(last_line: int, row: dict) -> int:
    """The line a CSV record starts on, given the line it ends on: quoted cells may hold line
    breaks, and a user looks for a record where it begins."""
    cells = [v for value in row.values() for v in (value if isinstance(value, list) else [value]) if v]
    return last_line - sum(len(_LINE_BREAK.findall(cell)) for cell in cells)


def parse_csv(text: str, where: str) -> ReadResult[Post]:
    """Posts from CSV text with a header row; a missing required column is fatal."""
    result: ReadResult[Post] = ReadResult()
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as err:
        raise InputError(f"unreadable CSV header: {err}", path=where, line=1) from err
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InputError(f"missing column {', '.join(missing)} (found: {', '.join(header) or 'no header'})", path=where, line=1)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            result.skipped.append(Skip(where, reader.line_num, MALFORMED_CSV, str(err)))
            continue
        line = _first_line(reader.line_num, row)
        # DictReader puts surplus cells under None: the row is misaligned.
        if None in row:
            result.skipped.append(Skip(where, line, MORE_CELLS_THAN_COLUMNS))
            continue
        try:
            result.records.append(post_from_mapping(row, platform="csv"))
        except BadRecord as err:
            result.skipped.append(Skip(where, line, err.reason, err.detail))
    return result


def read_posts(path: str | Path) -> ReadResult[Post]:
    """Posts from a ``.jsonl``/``.ndjson``/``.json`` (JSON Lines) or ``.csv`` file."""
    path = Path(path)
    if path.is_dir():
        raise InputError("is a folder; give a JSONL or CSV file of posts", path=str(path))
    if not path.exists():
        raise InputError("no such file", path=str(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return parse_csv(read_utf8(path), str(path))
    if suffix in (".jsonl", ".ndjson", ".json", ".jsonlines"):
        return parse_jsonl(read_utf8(path), str(path))
    raise InputError("unknown posts format: give a .jsonl or .csv file", path=str(path))
