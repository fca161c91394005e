"""Posts from JSON Lines and CSV files with ``id``, ``text``, ``author``, ``created_at``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..errors import InputError
from ..records import Post
from ..urls import extract_urls
from .common import BadRecord, CsvRecords, ReadResult, checked_text, jsonl_objects, parse_datetime, read_utf8
from .reasons import EMPTY_ID, INVALID_UNICODE, LINKS_NOT_URLS, MISSING_FIELD, TEXT_NOT_A_STRING, UNREADABLE_CREATED_AT

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
    for number, row in jsonl_objects(text, where, result.skipped):
        try:
            _add(result, post_from_mapping(row), where, number)
        except BadRecord as err:
            result.skipped.append(err.skip(where, number))
    return result


def _add(result: ReadResult[Post], post: Post, where: str, line: int) -> None:
    """Add a post read at ``where`` and ``line``, remembering where it was read."""
    result.records.append(post)
    result.origins.setdefault((post.platform, post.id, post.text), (where, line))


def parse_csv(text: str, where: str) -> ReadResult[Post]:
    """Posts from CSV text with a header row; a missing required column is fatal."""
    result: ReadResult[Post] = ReadResult()
    table = CsvRecords(text, where, REQUIRED)
    for line, cells in table.rows(result.skipped):
        try:
            _add(result, post_from_mapping(table.mapping(cells), platform="csv"), where, line)
        except BadRecord as err:
            result.skipped.append(err.skip(where, line))
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
