"""Read whatever a user downloaded: detect the platform of an export and read its posts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import InputError
from ..records import Post, Skip
from .archive import Archive
from .common import Origin, ReadResult
from .platforms import registry
from .reasons import DUPLICATE_ID, HIDDEN_FILE, NOT_A_POSTS_FILE, SAME_POST_TWICE, UNREADABLE_EXPORT


def input_formats() -> list[str]:
    """The names ``--input-format`` accepts."""
    return [module.NAME for module in registry()]


STANDALONE_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines", ".rss", ".atom", ".xml", ".car")
"""Files no platform's export holds: a JSON Lines file, a feed or a Bluesky repository found in
an export's folder is read on its own, never taken for part of that export."""
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


def read_export(
    path: str | Path,
    *,
    input_format: str | None = None,
    include_direct: bool = False,
    columns: Mapping[str, str] | None = None,
) -> ReadResult[Post]:
    """Every post of an export (zip, tar.gz, folder or single file), its platform detected
    unless ``input_format`` names it. Private messages in an export (Mastodon's direct
    messages) are left out unless ``include_direct``; ``columns`` maps the fields of JSONL and
    CSV files of posts to other column names (``{"text": "Content"}``).

    A folder or archive may hold several exports and other files (an unpacked LinkedIn export
    and a ``.jsonl``; a feed and a ``.jsonl``; a drop folder of zips): each is read by its own
    reader, and a file none reads is skipped, named ("not a posts file"). When there are several,
    one that cannot be read is skipped ("unreadable export") and the others read.

    Raises:
        InputError: nothing in ``path`` is an export, or its only export cannot be read.
    """
    modules = {module.NAME: module for module in registry()}
    options: dict[str, dict[str, Any]] = {"mastodon": {"include_direct": include_direct}, "generic": {"columns": columns}}
    with Archive(path) as archive:
        if input_format is not None:
            if input_format not in modules:
                raise InputError(f"unknown input format {input_format!r}; known: {', '.join(modules)}")
            return _read_part(archive, modules[input_format], archive, options)
        parts, nested, hidden, leftovers = _exports(archive)
        if not parts and not nested:
            shown = ", ".join(archive.members()[:12]) or "nothing"
            more = f" and {len(archive.members()) - 12} more" if len(archive.members()) > 12 else ""
            raise InputError(
                f"not a known export: found {shown}{more}; supported: {', '.join(modules)} (or name one with --input-format)",
                path=str(path),
            )
        result: ReadResult[Post] = ReadResult(skipped=list(archive.skipped))
        several = len(parts) + len(nested) > 1
        for module, view in parts:
            try:
                result.extend(_read_part(archive, module, view, options))
            except InputError as err:
                if not several:
                    raise
                result.skipped.append(Skip(err.path or str(path), err.line, UNREADABLE_EXPORT, err.reason))
        for member in nested:
            try:
                result.extend(read_export(archive.path / member, include_direct=include_direct, columns=columns))
            except InputError as err:
                if not several:
                    raise
                result.skipped.append(Skip(err.path or archive.where(member), err.line, UNREADABLE_EXPORT, err.reason))
        result.skipped += [Skip(archive.where(member), None, HIDDEN_FILE) for member in hidden]
        result.skipped += [Skip(archive.where(member), None, NOT_A_POSTS_FILE) for member in leftovers]
        return result


def _read_part(archive: Archive, module: ModuleType, view: Archive, options: Mapping[str, Mapping[str, Any]]) -> ReadResult[Post]:
    """The posts of one export in ``archive`` (the members of ``view``), with where each was
    read; ``options`` holds the keyword arguments of some readers, by name."""
    try:
        result: ReadResult[Post] = module.read(view, **options.get(module.NAME, {}))
    except RecursionError:  # a structure nested deeper than any reader can walk: hostile
        raise InputError("nested too deeply to read: refused", path=str(archive.path)) from None
    for post in result.records:
        where = archive.where(post.source_file) if post.source_file else str(archive.path)
        result.origins.setdefault((post.platform, post.id, post.text), (where, None))
    return result


def _exports(archive: Archive) -> tuple[list[tuple[ModuleType, Archive]], list[str], list[str], list[str]]:
    """The exports in an archive: ``(reader, members)`` of each, the archives in a folder (read
    as exports of their own), the hidden members (``.DS_Store``, ``__MACOSX/``) outside any
    export, and the members nothing reads.

    A platform's export is every member below its root folder (the folder above ``data/`` for
    X, of ``outbox.json`` for Mastodon...), a member below two roots going to the deeper one;
    readers of one root (LinkedIn and Reddit CSVs side by side) each read what is theirs. Every
    other member, and every JSONL, feed or CAR file, is read on its own by the first reader that
    takes it (JSON Lines and CSV files of posts, feeds, Bluesky repositories)."""
    modules = registry()
    roots: dict[str, list[ModuleType]] = {}
    for module in modules:
        for root in getattr(module, "export_roots", lambda _: [])(archive):
            roots.setdefault(root, []).append(module)
    by_root: dict[str, list[str]] = {}
    loose: list[str] = []
    for member in archive.members():
        under = [root for root in roots if member.startswith(root)]
        if under and not member.lower().endswith(STANDALONE_SUFFIXES):
            by_root.setdefault(max(under, key=len), []).append(member)
        else:
            loose.append(member)
    parts = [(module, archive.subset(members)) for root, members in by_root.items() for module in roots[root]]
    nested, hidden, leftovers = [], [], []
    for member in loose:
        if any(part.startswith(".") or part == "__MACOSX" for part in member.split("/")):
            hidden.append(member)
            continue
        alone = archive.subset([member])
        module = next((m for m in modules if m.detect(alone)), None)
        if module is not None:  # a file of its own: one bad file does not take the others down
            parts.append((module, alone))
        elif archive.kind == "folder" and member.lower().endswith(ARCHIVE_SUFFIXES):
            nested.append(member)
        else:
            leftovers.append(member)
    return parts, nested, hidden, leftovers


def merge_posts(posts: list[Post], origins: Mapping[tuple[str, str, str], Origin] | None = None) -> tuple[list[Post], list[Skip]]:
    """Posts of several exports without duplicates, and what was dropped.

    A post seen twice with the same platform, id and text (two overlapping archives of one
    account) is kept once, the first time, and counted as left out; a second post with an id
    already taken but another text is a fault of the input, skipped with reason "duplicate id",
    at the file and line ``origins`` gives for it, naming where the first one was read.
    """
    origins = origins or {}
    seen: dict[tuple[str, str], Post] = {}
    out, skipped = [], []
    for post in posts:
        key = (post.platform, post.id)
        first = seen.get(key)
        if first is None:
            seen[key] = post
            out.append(post)
            continue
        where, line = origins.get((*key, post.text), (post.source_file or post.platform, None))
        if first.text == post.text:
            skipped.append(Skip(where, line, SAME_POST_TWICE, post.id))
            continue
        first_where, first_line = origins.get((*key, first.text), (first.source_file or first.platform, None))
        earlier = f"{first_where}:{first_line}" if first_line else first_where
        skipped.append(Skip(where, line, DUPLICATE_ID, f"id {post.id} already read with another text at {earlier}"))
    return out, skipped
