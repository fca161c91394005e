"""Reddit data requests (a zip of CSV files): ``posts.csv`` and ``comments.csv``.

Quirks handled, and why:

- **Columns by name.** Headers vary (some exports add ``gildings_silver``…), so cells are read
  by header name; a file without ``id``, ``date`` and its text columns raises an InputError.
- **Text.** A post reads as its title, a blank line, then its body (link posts have no body);
  a comment reads as its body. Bodies are Markdown and are kept as written (``\r\n`` made
  ``\n``): the words are what get copied, and the link syntax ``[label](url)`` still yields the URL.
- **Removed text.** A body of ``[deleted]`` or ``[removed]`` is Reddit's placeholder, not what
  was written: the record is skipped as "deleted" or "removed".
- **Ids** are Reddit's fullnames, ``reddit:t3_<id>`` for posts and ``reddit:t1_<id>`` for
  comments, the form ``parent`` uses. A comment's ``reply_to`` is its ``parent`` cell, or the
  post URL in ``link`` when there is none (both are kept as written: their forms vary).
- **Author.** The CSVs do not name the account; ``statistics.csv`` (``statistic,value`` rows)
  does, as ``account_name``, in the exports that have it. Without it the author is
  ``reddit:me``, the archive's owner, as the other readers do: every post of one export is by
  one person, so its reposts must count as that person's own.
- **Dates** read ``2024-05-13 09:20:11 UTC``.
- **Privacy.** ``messages.csv``, ``ip`` cells and the rest are never read.

Skipped rows carry the CSV line on which the row starts.
"""

from __future__ import annotations

import csv
import io

from ...errors import InputError
from ...records import Post
from ...urls import extract_urls
from ..archive import Archive, root_above
from ..common import BadRecord, CsvRecords, ReadResult, add_post, checked_text, parse_datetime
from ..reasons import DELETED, EMPTY_ID, REMOVED, UNREADABLE_DATE

NAME = "reddit"
_FILES = {"posts.csv": ("id", "date", "title", "body"), "comments.csv": ("id", "date", "body")}
_PREFIX = {"posts.csv": "t3_", "comments.csv": "t1_"}
_PLACEHOLDERS = {"[deleted]": DELETED, "[removed]": REMOVED}


def _members(archive: Archive) -> list[tuple[str, str]]:
    return [(m, name) for name in _FILES for m in archive.find(name) if m.rsplit("/", 1)[-1] == name]


def detect(archive: Archive) -> bool:
    """A ``posts.csv`` or ``comments.csv`` whose header is Reddit's (LinkedIn has a Comments.csv)."""
    return bool(export_roots(archive))


def export_roots(archive: Archive) -> list[str]:
    """The folder of each Reddit ``posts.csv`` or ``comments.csv`` in the archive."""
    roots = []
    for member, _ in _members(archive):
        first = archive.read_head(member, 2048).decode("utf-8-sig", "replace").splitlines()[:1]
        header = next(csv.reader(first), [])
        if {"id", "permalink", "date", "subreddit"} <= set(header):
            roots.append(root_above(member))
    return list(dict.fromkeys(roots))


def read(archive: Archive) -> ReadResult[Post]:
    """Posts of ``posts.csv`` and comments of ``comments.csv``, the author from ``statistics.csv``."""
    result: ReadResult[Post] = ReadResult()
    members = _members(archive)
    if not members:
        raise InputError("no posts.csv or comments.csv: not a Reddit export", path=str(archive.path))
    author = _account(archive)
    for member, name in members:
        result.extend(_read_csv(archive, member, name, author))
    return result


def _account(archive: Archive) -> str:
    for member in archive.find("statistics.csv"):
        rows = csv.reader(io.StringIO(archive.read_text(member, fallback="cp1252"), newline=""))
        try:
            for row in rows:
                if len(row) >= 2 and row[0].strip() == "account_name" and row[1].strip():
                    return row[1].strip()
        except csv.Error:
            break
    return "reddit:me"


def _read_csv(archive: Archive, member: str, name: str, author: str) -> ReadResult[Post]:
    where = archive.where(member)
    result: ReadResult[Post] = ReadResult()
    table = CsvRecords(archive.read_text(member), where, _FILES[name], what=f"not a Reddit {name}: ")
    for line, cells in table.rows(result.skipped):
        try:
            add_post(result, _post(table.mapping(cells), name, author, member), where, line)
        except BadRecord as err:
            result.skipped.append(err.skip(where, line))
    return result


def _post(row: dict, name: str, author: str, member: str) -> Post:
    native = (row.get("id") or "").strip()
    if not native:
        raise BadRecord(EMPTY_ID)
    body = (row.get("body") or "").replace("\r\n", "\n").strip()
    if body in _PLACEHOLDERS:
        raise BadRecord(_PLACEHOLDERS[body], native)
    is_post = name == "posts.csv"
    title = (row.get("title") or "").strip() if is_post else ""
    text = "\n\n".join(part for part in (title, body) if part)
    checked_text(text, detail=native)
    date = (row.get("date") or "").strip()
    try:
        created = parse_datetime(date.removesuffix(" UTC").removesuffix("UTC").strip())
    except ValueError:
        raise BadRecord(UNREADABLE_DATE, repr(date)) from None
    permalink = (row.get("permalink") or "").strip() or None
    shared = (row.get("url") or "").strip() if is_post else ""
    links = ([shared] if shared and shared != permalink else []) + extract_urls(text)
    reply_to = None if is_post else (row.get("parent") or "").strip() or (row.get("link") or "").strip() or None
    return Post(
        id=f"reddit:{_PREFIX[name]}{native}",
        text=text,
        author=author,
        created_at=created,
        url=permalink,
        links=tuple(dict.fromkeys(links)),
        platform="reddit",
        kind="post" if is_post else "comment",
        reply_to=reply_to,
        source_file=member,
    )
