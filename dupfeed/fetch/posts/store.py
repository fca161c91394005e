"""The JSON Lines file of fetched posts, and the cursors kept beside it.

``posts.jsonl`` holds one post a line with the generic reader's columns (``id``, ``text``,
``author``, ``created_at``, ``url``, ``links``, ``platform``, ``kind``, ``reply_to``,
``repost_of``, ``lang``), so ``dupfeed scan posts.jsonl`` reads it as any file of posts, plus
``feed``: the URL (account, hashtag or feed) it was first fetched for. Lines are only ever
appended, each with one ``write`` and ``fsync``; a post already in the file is never written
again, so fetching twice changes nothing.

``posts.jsonl.cursors`` (a JSON object, replaced whole after each URL) keeps, per URL given,
where the last complete fetch stopped (``newest``: a Mastodon status id, or a Bluesky feed
time), the ids of posts first stored for another URL that this one also lists (``also``), and
the last failure (``reason``, ``detail``, ``attempts`` summed over runs). Its name ends in
``.cursors`` so that a scan of the folder does not take it for posts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...files import write_whole
from ...records import Post
from ..cache import open_appending, read_store, repair_tail

CURSORS_SUFFIX = ".cursors"


def cursors_path(path: str | Path) -> Path:
    """Where the cursors of the posts file ``path`` are kept."""
    path = Path(path)
    return path.with_name(path.name + CURSORS_SUFFIX)


def read_cursors(path: str | Path) -> dict[str, dict[str, Any]]:
    """The cursors kept beside the posts file ``path`` (empty when there are none yet).

    Raises:
        InputError: the cursors file is not a JSON object.
    """
    where = cursors_path(path)
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"unreadable cursors file: {err}", path=str(where)) from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise InputError("not a cursors file (expected an object of objects)", path=str(where))
    return data


def post_record(post: Post, feed: str) -> dict[str, Any]:
    """The line written for a fetched post: the generic reader's columns and its feed."""
    record = post.to_dict()
    del record["source_file"]
    record["feed"] = feed
    return record


class PostsFile:
    """A posts file opened for one run (a context manager): knows its ids, appends durably,
    and keeps the cursors. One run at a time writes it (a lock on the file)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.warnings: list[str] = []
        self.ids: dict[str, str] = {}  # post id -> the feed it was first stored for
        self.cursors: dict[str, dict[str, Any]] = {}
        self._fd: int | None = None

    def __enter__(self) -> PostsFile:
        self._fd = fd = open_appending(self.path)
        repaired = repair_tail(fd, self.path)
        records, self.warnings = read_store(self.path)
        self.warnings[:0] = [repaired] if repaired else []
        for record in records:
            if isinstance(record.get("id"), str):
                self.ids.setdefault(record["id"], str(record.get("feed") or ""))
        self.cursors = read_cursors(self.path)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, post: Post, feed: str) -> bool:
        """Append ``post`` unless the file holds it already; whether it was appended."""
        if post.id in self.ids:
            return False
        if self._fd is None:
            raise RuntimeError("posts file is not open")
        data = (json.dumps(post_record(post, feed), ensure_ascii=False) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        os.fsync(self._fd)
        self.ids[post.id] = feed
        return True

    def save_cursor(self, feed: str, state: dict[str, Any]) -> None:
        """Keep the state of one URL, the file replaced whole (never half-written)."""
        self.cursors[feed] = state
        try:
            write_whole(cursors_path(self.path), json.dumps(self.cursors, ensure_ascii=False, indent=1) + "\n")
        except OSError as err:
            raise InputError(f"cannot write: {err.strerror or err}", path=str(cursors_path(self.path))) from None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
