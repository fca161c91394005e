"""Read whatever a user downloaded: detect the platform of an export and read its posts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..errors import InputError
from ..records import Post, Skip
from .archive import Archive
from .common import Origin, ReadResult
from .platforms import registry
from .reasons import DUPLICATE_ID, SAME_POST_TWICE


def input_formats() -> list[str]:
    """The names ``--input-format`` accepts."""
    return [module.NAME for module in registry()]


def detect_format(path: str | Path) -> str | None:
    """The platform whose export ``path`` is, or None."""
    with Archive(path) as archive:
        return next((m.NAME for m in registry() if m.detect(archive)), None)


def read_export(path: str | Path, *, input_format: str | None = None, include_direct: bool = False) -> ReadResult[Post]:
    """Every post of an export (zip, tar.gz, folder or single file), its platform detected
    unless ``input_format`` names it. Private messages in an export (Mastodon's direct
    messages) are left out unless ``include_direct``."""
    modules = {module.NAME: module for module in registry()}
    with Archive(path) as archive:
        if input_format is not None:
            if input_format not in modules:
                raise InputError(f"unknown input format {input_format!r}; known: {', '.join(modules)}")
            chosen = modules[input_format]
        else:
            chosen = next((m for m in modules.values() if m.detect(archive)), None)
        if chosen is None:
            shown = ", ".join(archive.members()[:12]) or "nothing"
            more = f" and {len(archive.members()) - 12} more" if len(archive.members()) > 12 else ""
            raise InputError(
                f"not a known export: found {shown}{more}; supported: {', '.join(modules)} (or name one with --input-format)",
                path=str(path),
            )
        private = {"include_direct": include_direct} if chosen.NAME == "mastodon" else {}
        result = chosen.read(archive, **private)
        result.skipped[:0] = archive.skipped
        for post in result.records:
            where = archive.where(post.source_file) if post.source_file else str(path)
            result.origins.setdefault((post.platform, post.id, post.text), (where, None))
        return result


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
