"""Source articles from a folder (``.txt``, ``.md``, ``.html``), a single file, or a JSONL file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..records import Skip, Source
from .common import ReadResult, jsonl_objects, parse_datetime, read_utf8
from .reasons import EMPTY_TEXT, FIELD_NOT_A_STRING, LINK_OUT_OF_FOLDER, MISSING_FIELD, NO_MAIN_TEXT

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")


def published(date: str | None) -> datetime | None:
    """A publication date as an aware datetime, or None when absent or unreadable."""
    try:
        return parse_datetime(date) if date else None
    except ValueError:
        return None


def _from_html(path: Path, source_id: str, html: bytes | str, *, url: str | None = None, **given: Any) -> Source | Skip:
    # Imported here: trafilatura takes most of a second to import, and most scans have no HTML.
    from ..html.extract import extract_article

    found = extract_article(html, url=url)
    if found is None:
        return Skip(str(path), None, NO_MAIN_TEXT, source_id)
    return Source(
        id=source_id,
        text=found.text,
        url=given.get("url") or found.url,
        title=given.get("title") or found.title,
        site_name=found.site_name,
        author=given.get("author") or found.author,
        published=given.get("published") or published(found.date),
        lang=given.get("lang") or found.lang,
    )


def _decoded(data: bytes) -> str:
    """An HTML file's text in the encoding it declares; with no declaration and bytes that are
    not UTF-8, Windows-1252, which most such files are (a Latin-1 page guessed otherwise reads
    "crčme" for "crème", and its quotes then match nothing)."""
    from ..html.page import decode_html

    html = decode_html(data)
    return html if isinstance(html, str) else data.decode("cp1252", errors="replace")


def _from_file(path: Path, source_id: str) -> Source | Skip:
    if path.suffix.lower() in HTML_SUFFIXES:
        try:
            data = path.read_bytes()
        except OSError as err:
            raise InputError(f"cannot read: {err.strerror or err}", path=str(path)) from err
        return _from_html(path, source_id, _decoded(data))
    text = read_utf8(path)
    if not text.strip():
        return Skip(str(path), None, EMPTY_TEXT, source_id)
    meta = front_matter(text)
    title = meta.get("title") or text.strip().splitlines()[0].strip().lstrip("# ")[:200]
    return Source(
        id=source_id,
        text=text,
        url=meta.get("url"),
        title=title or None,
        site_name=meta.get("site") or meta.get("site_name"),
        author=meta.get("author"),
        published=published(meta.get("published") or meta.get("date")),
    )


def front_matter(text: str) -> dict[str, str]:
    """``key: value`` lines between two ``---`` lines at the top of a text file (Jekyll/Hugo
    style), lower-cased keys; empty when there is none. The text itself is left whole, so
    offsets still refer to the file as given."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    meta: dict[str, str] = {}
    for line in lines[1:50]:
        if line.strip() == "---":
            return meta
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return {}


def read_folder(folder: Path) -> ReadResult[Source]:
    """Every ``.txt``, ``.md``, ``.html`` and ``.htm`` file below ``folder``; ids are relative
    paths. A symbolic link that leads out of the folder (``passwd.txt -> /etc/passwd``) is not
    read: it is skipped, naming where it leads."""
    result: ReadResult[Source] = ReadResult()
    inside = folder.resolve()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES + HTML_SUFFIXES)
    for path in files:
        target = path.resolve()
        if not target.is_relative_to(inside):
            result.skipped.append(Skip(str(path), None, LINK_OUT_OF_FOLDER, f"leads to {target}"))
            continue
        item = _from_file(path, path.relative_to(folder).as_posix())
        result.add(item)
    return result


def read_sources_jsonl(path: Path) -> ReadResult[Source]:
    """Sources from JSON Lines with ``id``, ``url``, ``title``, ``text`` or ``html``, ``published``."""
    result: ReadResult[Source] = ReadResult()
    for number, row in jsonl_objects(read_utf8(path), str(path), result.skipped):
        if row.get("status", "ok") != "ok":
            continue  # a failed or duplicate fetch recorded by `dupfeed sources fetch`: not a source
        wrong = [
            k
            for k in ("id", "url", "title", "site_name", "author", "lang", "published", "text", "html")
            if row.get(k) is not None and not isinstance(row[k], str)
        ]
        if wrong:
            result.skipped.append(Skip(str(path), number, FIELD_NOT_A_STRING, ", ".join(wrong)))
            continue
        source_id = str(row.get("id") or row.get("url") or "")
        if not source_id:
            result.skipped.append(Skip(str(path), number, MISSING_FIELD, "id or url"))
            continue
        given: dict[str, Any] = {
            "url": row.get("url") or None,
            "title": row.get("title") or None,
            "published": published(row.get("published")),
            "author": row.get("author") or None,
            "lang": row.get("lang") or None,
        }
        if isinstance(row.get("text"), str) and row["text"].strip():
            result.records.append(Source(id=source_id, text=row["text"], site_name=row.get("site_name"), **given))
        elif isinstance(row.get("html"), str) and row["html"].strip():
            item = _from_html(path, source_id, row["html"], **given)
            if isinstance(item, Skip):
                item = Skip(str(path), number, item.reason, source_id)
            result.add(item)
        else:
            result.skipped.append(Skip(str(path), number, EMPTY_TEXT, source_id))
    # A source stored twice (a refetch interrupted before its clean-up): the later line wins.
    result.records = list({s.id: s for s in result.records}.values())
    return result


def read_sources(path: str | Path) -> ReadResult[Source]:
    """Sources from a folder, a ``.jsonl`` file of sources, or one text/HTML file."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or folder", path=str(path))
    if path.is_dir():
        return read_folder(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return read_sources_jsonl(path)
    if suffix in TEXT_SUFFIXES + HTML_SUFFIXES:
        result: ReadResult[Source] = ReadResult()
        item = _from_file(path, path.name)
        result.add(item)
        return result
    raise InputError("unknown sources format: give a folder, a .jsonl file, or a .txt/.md/.html file", path=str(path))
