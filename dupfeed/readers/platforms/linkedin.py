"""LinkedIn "Get a copy of your data" exports (``Basic_``/``Complete_LinkedInDataExport_*.zip``):
posts in ``Shares.csv``, comments in ``Comments*.csv``, articles in ``Articles/Articles/*.html``.

Quirks handled, and why (research notes: shared/formats/EXPORTS.md §1):

- **Layout.** The zip may unpack into a folder of its own name, so files are found by base name
  at any depth. ``Connections.csv`` (with its preamble), messages and reactions are not read:
  they are not posts, and they hold other people's data.
- **Per-line quoting in Shares.csv.** LinkedIn wraps every line of a multi-line post in quotes,
  so after CSV decoding the lines are joined by ``"\\n"`` and an empty line reads ``""``. This is
  undone, but only when *every* line break carries the artifact: a clean multi-line value (from
  a fixed export) is left as it is. Lines that themselves start or end with a quote survive,
  because the split takes the leftmost ``"\\n"`` first.
- **Backslash-escaped quotes in Comments*.csv.** Comments escape quotes as ``\\"``; read with the
  default dialect a row mis-splits silently, so they are read with ``escapechar``. Shares are
  not: a backslash typed in a post would be eaten.
- **Unquoted line breaks in Comments*.csv.** Real files hold messages that run over several
  physical lines without quotes. A record starts with a line that begins ``<date>,<URL>``; the
  lines up to the next such line belong to its message (joined with ``\\n``), and so do the
  cells past the third of an unquoted message with commas.
- **Duplicate rows.** The same comment row written twice (same date, post and message) is read
  once, the other counted as "same post twice"; identical share rows get the same id and are
  merged the same way.
- **Shares without text** (a link or picture shared with no commentary) are left out as "share
  without text": counted, not a fault.
- **Encoding.** UTF-8 with or without a BOM, else Windows-1252 (older exports). Line endings
  inside a field are made ``\\n``.
- **Exports from before 2019** are UTF-16 with a BOM, tab-separated, with other column names
  (``Share Commentary``, ``Share Link``, ``Shared URL``) and dates ``2017/06/08 08:15:44 UTC``:
  read as the newer ones.
- **Links.** ``ShareLink`` is a URL-encoded URN: it is unquoted, and the URN gives the id
  (``li:share:…``, ``li:ugcPost:…``, ``li:activity:…``). ``SharedUrl`` (a link share) goes into
  ``links``; ``lnkd.in`` short links in the text cannot be expanded offline and are kept as typed.
- **Reposts without text.** ``InstantReposts.csv`` rows name only the reposted post: each is
  skipped as "repost without text", so the summary counts them and they are never matched.
- **Articles.** Long-form posts (kind ``article``): the title, a blank line, then the body. A
  draft sits in the same folder and differs only by having a "created" line and no "published"
  one; drafts were never public, so they are skipped as "draft article" (counted, not matched).
- **Time.** Dates carry no zone and are taken as UTC, as other readers of real exports do.
- **Author.** No file names the author: every post of an export is its owner's. The owner is
  the name in ``Profile.csv`` ("First Last"); without it, ``linkedin:me``. Not a bare "me": an
  author name found as a word in a later post counts as a credit, and "me" is in every other post.
- **Comments** have no id or permalink of their own: the id is ``li:comment:<post id>-<epoch
  seconds>``, ``url`` is the post commented on, and ``reply_to`` that post's id.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Iterator
from urllib.parse import unquote

import lxml.html
from lxml import etree

from ...errors import InputError
from ...html.text import html_to_text
from ...records import Post, Reason, Skip
from ...urls import extract_urls
from ..archive import Archive, root_above
from ..common import BadRecord, CsvRecords, ReadResult, add_post, checked_text, parse_datetime, physical_lines, require_columns
from ..reasons import (
    DRAFT_ARTICLE,
    MALFORMED_CSV,
    REPOST_WITHOUT_TEXT,
    SAME_POST_TWICE,
    SHARE_WITHOUT_TEXT,
    UNREADABLE_DATE,
    UNREADABLE_HTML,
    WRONG_NUMBER_OF_CELLS,
)

NAME = "linkedin"
OWNER_UNKNOWN = "linkedin:me"

SHARE_COLUMNS = ("Date", "ShareLink", "ShareCommentary")
COMMENT_COLUMNS = ("Date", "Link", "Message")
REPOST_COLUMNS = ("Date", "Link")
_CSV_FILES = (("shares.csv", SHARE_COLUMNS), ("comments*.csv", COMMENT_COLUMNS), ("instantreposts.csv", REPOST_COLUMNS))

_URN = re.compile(r"urn:li:([A-Za-z]+):([^/?#&\s]+)")
_POSTS_URL = re.compile(r"[-_](share|ugcPost|activity)-(\d+)")
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?")
_RECORD_START = re.compile(r'"?\d{4}[-/]\d{2}[-/]\d{2} \d{2}:\d{2}:\d{2}(?: UTC)?"?,"?https?://')
"""How a physical line of Comments.csv that starts a record begins: its date, then its link."""
_OLD_NAMES = {
    "Share Commentary": "ShareCommentary",
    "Share Link": "ShareLink",
    "Shared URL": "SharedUrl",
    "Media URL": "MediaUrl",
}
"""Column names of exports from before 2019, as the newer exports name them."""


def detect(archive: Archive) -> bool:
    """An article page, or a Shares/Comments/InstantReposts CSV with LinkedIn's header (the
    header is checked because Reddit exports have a ``comments.csv`` too)."""
    return bool(_article_members(archive)) or next(_csv_anchors(archive), None) is not None


def export_roots(archive: Archive) -> list[str]:
    """The folder of each LinkedIn export in the archive (where its CSVs are, above Articles/)."""
    anchors = [*_csv_anchors(archive), *_article_members(archive)]
    return list(dict.fromkeys(root_above(member, ["articles"]) for member in anchors))


def _csv_anchors(archive: Archive) -> Iterator[str]:
    for pattern, columns in _CSV_FILES:
        for member in archive.find(pattern):
            first_line = _decode(archive, member).split("\n", 1)[0]
            if set(_header(first_line)[1]).issuperset(columns):
                yield member


def _header(first_line: str) -> tuple[str, list[str]]:
    """The delimiter of a LinkedIn CSV (a tab in exports from before 2019) and its column names,
    old names given their new spelling."""
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    names = [cell.strip() for cell in next(csv.reader([first_line], delimiter=delimiter), [])]
    return delimiter, [_OLD_NAMES.get(name, name) for name in names]


def read(archive: Archive) -> ReadResult[Post]:
    """Every share, comment and published article of the export; instant reposts and drafts
    are skipped with their reasons. A CSV whose header is not LinkedIn's is an InputError."""
    result: ReadResult[Post] = ReadResult()
    members = {pattern: archive.find(pattern) for pattern, _ in _CSV_FILES}
    articles = _article_members(archive)
    if not articles and not any(members.values()):
        raise InputError("no Shares.csv, Comments.csv or Articles/: not a LinkedIn export", path=str(archive.path))
    owner = _owner(archive)
    for member in members["shares.csv"]:
        _read_shares(archive, member, owner, result)
    for member in members["comments*.csv"]:
        _read_comments(archive, member, owner, result)
    for member in members["instantreposts.csv"]:
        where = archive.where(member)
        for line, row in _csv_rows(archive, member, REPOST_COLUMNS, result.skipped):
            result.skipped.append(Skip(where, line, REPOST_WITHOUT_TEXT, unquote(row["Link"].strip())))
    for member in articles:
        try:
            result.records.append(_article(archive, member, owner))
        except BadRecord as err:
            result.skipped.append(Skip(archive.where(member), None, err.reason, err.detail))
    return result


def unwrap_commentary(value: str) -> str:
    """A ``ShareCommentary`` value with LinkedIn's per-line quotes removed (see module doc)."""
    value = value.replace("\r\n", "\n")
    lines = value.split('"\n"')
    if len(lines) > 1 and len(lines) - 1 == value.count("\n"):
        return "\n".join(lines)
    return value


def _read_shares(archive: Archive, member: str, owner: str, result: ReadResult[Post]) -> None:
    where = archive.where(member)
    for line, row in _csv_rows(archive, member, SHARE_COLUMNS, result.skipped):
        try:
            text = _checked(unwrap_commentary(row["ShareCommentary"]), empty=SHARE_WITHOUT_TEXT)
            created = _parse_date(row["Date"])
            link = unquote(row["ShareLink"].strip())
            shared = (row.get("SharedUrl") or "").strip()
            share_id = _share_id(link, row["Date"], text)
            post = _post(share_id, text, owner, created, member, url=link or None, links=[shared] if shared else [])
            add_post(result, post, where, line)
        except BadRecord as err:
            result.skipped.append(Skip(where, line, err.reason, err.detail))


def _read_comments(archive: Archive, member: str, owner: str, result: ReadResult[Post]) -> None:
    where = archive.where(member)
    seen: set[str] = set()
    rows: set[tuple[str, str, str]] = set()
    for line, row in _comment_rows(archive, member, result.skipped):
        key = (row["Date"], row["Link"], row["Message"])
        if key in rows:
            result.skipped.append(Skip(where, line, SAME_POST_TWICE, "the same comment row again"))
            continue
        rows.add(key)
        try:
            text = _checked(row["Message"].replace("\r\n", "\n"))
            created = _parse_date(row["Date"])
            link = unquote(row["Link"].strip())
            parent = _urn_id(link)
            base = f"li:comment:{parent.rsplit(':', 1)[-1] if parent else 'unknown'}-{int(created.timestamp())}"
            pid, n = base, 1
            while pid in seen:  # two comments on one post in one second
                n += 1
                pid = f"{base}-{n}"
            seen.add(pid)
            post = _post(pid, text, owner, created, member, url=link or None, kind="comment", reply_to=parent)
            add_post(result, post, where, line)
        except BadRecord as err:
            result.skipped.append(Skip(where, line, err.reason, err.detail))


def _article(archive: Archive, member: str, owner: str) -> Post:
    try:
        root = lxml.html.document_fromstring(_decode(archive, member))
    except (etree.ParserError, ValueError) as err:
        raise BadRecord(UNREADABLE_HTML, str(err)) from None
    title = " ".join((root.findtext(".//title") or "").split())
    heading = root.find(".//h1")
    if not title and heading is not None:
        title = " ".join(heading.text_content().split())
    anchor = heading.find(".//a") if heading is not None else None
    url = anchor.get("href") if anchor is not None else None
    created = _stamp(root, "created")
    published = _stamp(root, "published")
    if created and not published:
        raise BadRecord(DRAFT_ARTICLE, title)
    # What is left of <body> without the heading and the two date lines is the article.
    for element in [heading, *root.find_class("created"), *root.find_class("published")]:
        if element is not None:
            element.drop_tree()
    body = root.find(".//body")
    markup = etree.tostring(body if body is not None else root, encoding="unicode", method="html")
    body_text, links = html_to_text(markup)
    text = _checked("\n\n".join(part for part in (title, body_text) if part))
    base = member.rsplit("/", 1)[-1]
    stamp = published or (base[:19] if _STAMP.fullmatch(base[:19]) else None) or created
    if stamp is None:
        raise BadRecord(UNREADABLE_DATE, "no published date in the page or its file name")
    slug = url.rstrip("/").rsplit("/pulse/", 1)[-1] if url and "/pulse/" in url else base.rsplit(".", 1)[0]
    return _post(
        f"li:article:{slug}",
        text,
        owner,
        _parse_date(stamp),
        member,
        url=url,
        links=[u for u in links if u != url],
        kind="article",
    )


def _post(pid: str, text: str, owner: str, created, member: str, *, links=(), **fields) -> Post:
    return Post(
        id=pid,
        text=text,
        author=owner,
        created_at=created,
        platform="linkedin",
        source_file=member,
        links=tuple(dict.fromkeys([*links, *extract_urls(text)])),
        **fields,
    )


def _checked(text: str, **empty: Reason) -> str:
    text = text.strip()
    checked_text(text, **empty)
    return text


def _parse_date(value: str):
    value = value.strip().removesuffix(" UTC")
    try:
        return parse_datetime(value[:10].replace("/", "-") + value[10:])
    except ValueError:
        raise BadRecord(UNREADABLE_DATE, repr(value)) from None


def _stamp(root, css_class: str) -> str | None:
    for element in root.find_class(css_class):
        found = _STAMP.search(element.text_content())
        if found:
            return found.group(0)
    return None


def _urn_id(link: str) -> str | None:
    """``li:<type>:<id>`` from a (unquoted) feed or posts URL, or None."""
    found = _URN.search(link)
    if found:
        return f"li:{found.group(1)}:{found.group(2)}"
    found = _POSTS_URL.search(link)
    return f"li:{found.group(1)}:{found.group(2)}" if found else None


def _share_id(link: str, date: str, text: str) -> str:
    urn = _urn_id(link)
    if urn:
        return urn
    digest = hashlib.sha1(f"{date}\n{text}".encode()).hexdigest()[:16]
    return f"li:sha1:{digest}"


def _owner(archive: Archive) -> str:
    """The export owner's name from Profile.csv, or OWNER_UNKNOWN."""
    for member in archive.find("profile.csv"):
        try:
            row = next(csv.DictReader(io.StringIO(_decode(archive, member), newline="")), None)
        except (InputError, csv.Error):
            continue
        if row:
            name = " ".join(filter(None, ((row.get(k) or "").strip() for k in ("First Name", "Last Name"))))
            if name:
                return name
    return OWNER_UNKNOWN


def _article_members(archive: Archive) -> list[str]:
    """HTML pages in a folder named Articles (LinkedIn nests it twice: Articles/Articles/)."""
    return [
        m
        for m in archive.members()
        if m.lower().endswith((".html", ".htm")) and "articles" in (p.lower() for p in m.split("/")[:-1])
    ]


def _decode(archive: Archive, member: str) -> str:
    """A LinkedIn file's text: UTF-16 when it starts with a UTF-16 byte order mark (exports from
    before 2019), else UTF-8, else Windows-1252."""
    if archive.read_head(member, 2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        try:
            return archive.read_bytes(member).decode("utf-16")
        except UnicodeDecodeError as err:
            raise InputError(f"not UTF-16 (byte {err.start})", path=archive.where(member)) from err
    text = archive.read_text(member, fallback="cp1252")
    if "\x00" in text:
        raise InputError("NUL bytes: LinkedIn files are UTF-8, UTF-16 or Windows-1252", path=archive.where(member))
    return text


def _csv_rows(
    archive: Archive, member: str, columns: tuple[str, ...], skipped: list[Skip]
) -> Iterator[tuple[int, dict[str, str]]]:
    """``(first line, row)`` of each record; a header without ``columns`` is an InputError,
    a malformed row a Skip, and so is a row of more or fewer cells than the header names."""
    where = archive.where(member)
    what = f"not a LinkedIn {member.rsplit('/', 1)[-1]}: "
    text = _decode(archive, member)
    delimiter, names = _header(text.split("\n", 1)[0])
    table = CsvRecords(text, where, columns, what=what, delimiter=delimiter, names=names)
    header = table.header
    for line, cells in table.rows(skipped):
        if len(cells) != len(header):
            skipped.append(Skip(where, line, WRONG_NUMBER_OF_CELLS, f"{len(cells)} cells, {len(header)} columns"))
            continue
        yield line, dict(zip(header, cells))


def _comment_rows(archive: Archive, member: str, skipped: list[Skip]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(first line, row)`` of each comment, a message over several unquoted physical lines
    read whole (see the module doc); a header without the comment columns is an InputError."""
    where = archive.where(member)
    text = _decode(archive, member)
    lines = physical_lines(text)
    delimiter, names = _header(lines[0] if lines else "")
    require_columns(names, COMMENT_COLUMNS, where, f"not a LinkedIn {member.rsplit('/', 1)[-1]}: ")
    message = names.index("Message")
    for line, chunk in _comment_chunks(lines):
        reader = csv.reader(io.StringIO(chunk, newline=""), escapechar="\\", delimiter=delimiter)
        try:
            cells = next(reader)
        except (csv.Error, StopIteration) as err:
            skipped.append(Skip(where, line, MALFORMED_CSV, str(err)))
            continue
        rest = [part.rstrip("\r\n") for part in physical_lines(chunk)[reader.line_num :]]
        last = message == len(names) - 1  # then the message may run on: commas, other lines
        if len(cells) < len(names) or (not last and (rest or len(cells) > len(names))):
            skipped.append(Skip(where, line, WRONG_NUMBER_OF_CELLS, f"{len(cells)} cells, {len(names)} columns"))
            continue
        if last:
            cells[message:] = ["\n".join([delimiter.join(cells[message:]), *rest])]
        yield line, dict(zip(names, cells))


def _comment_chunks(lines: list[str]) -> Iterator[tuple[int, str]]:
    """``(first line, text)`` of each record of Comments.csv below its header: a record runs from
    a line that starts one (outside a quoted cell) to the next, blank lines at its end dropped."""
    start = 0
    chunk: list[str] = []
    for number, line in enumerate(lines[1:], start=2):
        if chunk and _RECORD_START.match(line) and _closed("".join(chunk)):
            yield start, "".join(chunk).rstrip("\r\n")
            chunk = []
        if not chunk:
            if not line.strip():
                continue
            start = number
        chunk.append(line)
    if chunk:
        yield start, "".join(chunk).rstrip("\r\n")


def _closed(text: str) -> bool:
    """Whether every quoted cell of ``text`` is closed (quotes escaped with a backslash aside)."""
    return text.replace("\\\\", "").replace('\\"', "").count('"') % 2 == 0
