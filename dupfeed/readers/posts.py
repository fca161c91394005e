"""Posts from JSON Lines and CSV files with ``id``, ``text``, ``author``, ``created_at``.

Scraped posts and spreadsheets name their columns otherwise: common names are read
(:data:`COLUMN_NAMES`: ``Content``, ``Author``, ``Date``… in any case, spaces or underscores),
and ``columns`` names the rest (``--columns text=Content,author=Author``). Without an id column,
a post's id is its ``url``, else ``<file name>:<line>``. A CSV that is not UTF-8 is read as
Windows-1252 (what a spreadsheet saves); JSON Lines must be UTF-8.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from ..errors import InputError
from ..records import Post
from ..urls import extract_urls
from .common import (
    BadRecord,
    CsvRecords,
    ReadResult,
    add_post,
    checked_text,
    jsonl_objects,
    parse_datetime,
    read_utf8,
    require_columns,
)
from .reasons import EMPTY_ID, INVALID_UNICODE, LINKS_NOT_URLS, MISSING_FIELD, TEXT_NOT_A_STRING, UNREADABLE_CREATED_AT

REQUIRED = ("id", "text", "author", "created_at")
FIELDS = (*REQUIRED, "url", "links", "platform", "kind", "reply_to", "repost_of", "lang")
"""The fields of a post record; ``columns`` may map any of them to a column."""
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("post_id", "tweet_id", "status_id", "uid"),
    "text": ("content", "body", "message", "post", "post_text", "full_text", "tweet", "caption"),
    "author": ("author_name", "username", "user_name", "user", "screen_name", "handle", "name", "from", "account"),
    "created_at": ("date", "datetime", "created", "published", "published_at", "posted_at", "date_posted", "timestamp", "time"),
    "url": ("link", "permalink", "post_url"),
}
"""Other names a column of each field goes by (compared lower-cased, spaces and dashes as ``_``)."""
_DATE_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%a %b %d %H:%M:%S %z %Y")
"""Unambiguous dates besides ISO 8601 (never day/month or month/day: which one is a guess)."""


def parse_columns(spec: str) -> dict[str, str]:
    """``text=Content,author=Author`` as ``{"text": "Content", "author": "Author"}``.

    Raises:
        ValueError: not ``field=column`` pairs, or a field a post does not have.
    """
    columns: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in spec.split(","))):
        field, sep, column = pair.partition("=")
        field, column = field.strip(), column.strip()
        if not sep or not field or not column:
            raise ValueError(f"{pair!r} is not FIELD=COLUMN")
        if field not in FIELDS:
            raise ValueError(f"unknown field {field!r}; known: {', '.join(FIELDS)}")
        columns[field] = column
    if not columns:
        raise ValueError("no FIELD=COLUMN given")
    return columns


def _key(name: str) -> str:
    return re.sub(r"[\s_-]+", "_", name.strip().lower())


def resolve_columns(names: Iterable[str], columns: Mapping[str, str] | None = None) -> dict[str, str]:
    """Which of ``names`` holds each field: as ``columns`` says, else the field's own name, else
    the first of its :data:`COLUMN_NAMES` present. A field found nowhere is left out."""
    names = list(names)
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(_key(name), name)
    found = {field: column for field, column in (columns or {}).items() if column in names}
    for field in FIELDS:
        if field in found or field in (columns or {}):
            continue
        if field in names:
            found[field] = field
            continue
        alias = next((by_key[a] for a in (field, *COLUMN_NAMES.get(field, ())) if a in by_key), None)
        if alias is not None and alias not in found.values():
            found[field] = alias
    return found


def _renamed(row: Mapping, found: Mapping[str, str], where: str, line: int) -> dict:
    """``row`` with each field under its own name (an id made when there is none)."""
    out = {key: value for key, value in row.items() if key not in FIELDS}
    out.update({field: row[column] for field, column in found.items()})
    if "id" not in out:
        url = out.get("url")
        out["id"] = url if isinstance(url, str) and url else f"{Path(where).name}:{line}"
    return out


def _created(value: object) -> datetime:
    """A post's date: ISO 8601, epoch seconds or milliseconds, an e-mail style date, or one of
    :data:`_DATE_FORMATS`; naive dates are UTC. ValueError otherwise."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
    if isinstance(value, str) and re.fullmatch(r"\s*\d{9,13}(\.\d+)?\s*", value):
        return _created(float(value))
    try:
        return parse_datetime(value)
    except ValueError:
        if not isinstance(value, str):
            raise
    for form in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(value.strip(), form)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"not a date: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


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
        created = _created(row["created_at"])
    except (ValueError, OverflowError, OSError):
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


def parse_jsonl(text: str, where: str, columns: Mapping[str, str] | None = None) -> ReadResult[Post]:
    """Posts from JSON Lines text, one object per line; blank lines are ignored. ``where``
    names the file in skip reasons; ``columns`` maps fields to other keys (see the module doc)."""
    result: ReadResult[Post] = ReadResult()
    found: dict[tuple[str, ...], dict[str, str]] = {}
    for number, row in jsonl_objects(text, where, result.skipped):
        keys = tuple(row)
        if keys not in found:
            found[keys] = resolve_columns(keys, columns)
        try:
            add_post(result, post_from_mapping(_renamed(row, found[keys], where, number)), where, number)
        except BadRecord as err:
            result.skipped.append(err.skip(where, number))
    return result


def parse_csv(text: str, where: str, columns: Mapping[str, str] | None = None) -> ReadResult[Post]:
    """Posts from CSV text with a header row (columns found as the module doc says); a header
    without a text, author or date column is fatal, and so is a column ``columns`` names that
    the header lacks."""
    result: ReadResult[Post] = ReadResult()
    table = CsvRecords(text, where, ())
    given = [column for column in (columns or {}).values() if column not in table.header]
    require_columns(table.header, given, where, "--columns: ")
    found = resolve_columns(table.header, columns)
    missing = [field for field in REQUIRED if field not in found and field != "id"]
    if missing:
        shown = ", ".join(table.header) or "no header"
        hint = f"; name it with --columns {missing[0]}=COLUMN"
        raise InputError(f"missing column {', '.join(missing)} (found: {shown}){hint}", path=where, line=1)
    for line, cells in table.rows(result.skipped):
        try:
            post = post_from_mapping(_renamed(table.mapping(cells), found, where, line), platform="csv")
            add_post(result, post, where, line)
        except BadRecord as err:
            result.skipped.append(err.skip(where, line))
    return result


def read_csv_text(data: bytes) -> str:
    """A CSV file's text: UTF-8 (a BOM dropped), else Windows-1252, what spreadsheets save."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_posts(data: bytes, where: str, columns: Mapping[str, str] | None = None) -> ReadResult[Post]:
    """Posts from bytes of JSON Lines or CSV, told apart by their first character (``{``)."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = data[: err.start].count(b"\n") + 1
            raise InputError(f"not UTF-8 (byte 0x{data[err.start]:02x})", path=where, line=line) from err
        return parse_jsonl(text, where, columns)
    return parse_csv(read_csv_text(data), where, columns)


def read_posts(path: str | Path) -> ReadResult[Post]:
    """Posts from a ``.jsonl``/``.ndjson``/``.json`` (JSON Lines) or ``.csv`` file."""
    path = Path(path)
    if path.is_dir():
        raise InputError("is a folder; give a JSONL or CSV file of posts", path=str(path))
    if not path.exists():
        raise InputError("no such file", path=str(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            data = path.read_bytes()
        except OSError as err:
            raise InputError(f"cannot read: {err.strerror or err}", path=str(path)) from err
        return parse_csv(read_csv_text(data), str(path))
    if suffix in (".jsonl", ".ndjson", ".json", ".jsonlines"):
        return parse_jsonl(read_utf8(path), str(path))
    raise InputError("unknown posts format: give a .jsonl or .csv file", path=str(path))
