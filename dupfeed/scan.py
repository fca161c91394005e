"""A whole scan as library calls: what ``dupfeed scan`` does, for scripts that import dupfeed."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from .engine.detector import Detector
from .errors import InputError
from .options import Options
from .readers import read_sources
from .readers.common import ReadResult
from .readers.exports import merge_posts, read_export
from .readers.posts import parse_posts
from .readers.reasons import UNREADABLE_EXPORT, UNREADABLE_SOURCES
from .records import Finding, Post, Reason, Skip, Source, reaches
from .summary import Summary
from .urls import is_web_url

T = TypeVar("T")
STDIN = "<stdin>"
"""How messages name posts read from the standard input (the path ``-``)."""


@dataclass(frozen=True)
class Selection:
    """Which findings to report. Every post is still compared with all the others.

    Authors are matched without regard to case (``Ann`` selects ``ann``), kinds exactly.
    """

    authors: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None

    @cached_property
    def _authors(self) -> frozenset[str]:
        return frozenset(a.casefold() for a in self.authors)

    def _by_author(self, finding: Finding) -> bool:
        return not self.authors or (finding.author or "").casefold() in self._authors

    def _of_kind(self, finding: Finding) -> bool:
        return not self.kinds or (finding.post is not None and finding.post.kind in self.kinds)

    def _in_time(self, finding: Finding) -> bool:
        return (self.since is None or finding.created_at >= self.since) and (
            self.until is None or finding.created_at < self.until
        )

    def keeps(self, finding: Finding) -> bool:
        return self._by_author(finding) and self._of_kind(finding) and self._in_time(finding)

    def unmatched(self, findings: Sequence[Finding]) -> list[str]:
        """What of this selection matched none of ``findings`` (every post scanned), for a
        person: ``author 'Ann'``, ``kind 'comment'``, ``the dates asked for``, or ``the filters together``
        when each matched some post but no post matched them all. Empty when some post is kept."""
        if any(self.keeps(f) for f in findings):
            return []
        authors = {(f.author or "").casefold() for f in findings}
        kinds = {f.post.kind for f in findings if f.post is not None}
        missing = [f"author {a!r}" for a in sorted(self.authors) if a.casefold() not in authors]
        missing += [f"kind {k!r}" for k in sorted(self.kinds) if k not in kinds]
        if (self.since or self.until) and not any(self._in_time(f) for f in findings):
            missing.append("the dates asked for")
        has_filter = self.authors or self.kinds or self.since or self.until
        return missing or (["the filters together"] if has_filter and findings else [])


@dataclass
class ScanResult:
    """The reported findings, their summary, and every record skipped on the way."""

    findings: list[Finding]
    summary: Summary
    skipped: list[Skip] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    """What of the selection matched no post (see :meth:`Selection.unmatched`)."""

    @property
    def has_faults(self) -> bool:
        """Whether some input was bad (records left out by design do not count)."""
        return any(s.is_fault for s in self.skipped)

    def reaches(self, verdict: str) -> bool:
        """Whether a reported post reaches ``verdict`` (a copy reaches ``revision`` too)."""
        return any(reaches(f.verdict, verdict) for f in self.findings)


def read_all_sources(
    values: Iterable[str | Path], feeds: Iterable[str] = (), *, cache: str | Path | None = None
) -> ReadResult[Source]:
    """Sources from paths (folders, files, source JSONL) and page URLs, plus the articles of
    feed URLs; web pages go through the fetch cache (see :mod:`dupfeed.fetch`). A path that
    cannot be read is skipped ("unreadable sources") and the others read.

    Raises:
        InputError: no path could be read, and nothing else was given.
    """
    given, feeds = [str(v) for v in values], list(feeds)
    urls = [v for v in given if is_web_url(v)]
    paths = [v for v in given if v not in urls]
    result: ReadResult[Source] = _each_readable(paths, read_sources, UNREADABLE_SOURCES, more=bool(urls or feeds))
    if urls or feeds:
        from .fetch.web_sources import default_cache, web_sources

        result.extend(web_sources(urls, feeds, cache=cache or default_cache()))
    return result


def read_all_posts(
    paths: Iterable[str | Path],
    *,
    input_format: str | None = None,
    include_direct: bool = False,
    columns: Mapping[str, str] | None = None,
) -> ReadResult[Post]:
    """The posts of several exports, merged: a post in two overlapping exports counts once. An
    export that cannot be read, or holds no post at all, is skipped ("unreadable export", a
    fault) and the others read. The path ``-`` is JSONL or CSV posts on the standard input;
    ``columns`` maps fields of JSONL and CSV posts to other column names.

    Raises:
        InputError: no export could be read (the first one's error).
    """

    def read(path: str | Path) -> ReadResult[Post]:
        if str(path) == "-":
            found = parse_posts(sys.stdin.buffer.read(), STDIN, columns)
        else:
            found = read_export(path, input_format=input_format, include_direct=include_direct, columns=columns)
        if not found.records and not found.skipped:
            raise InputError("no posts found in it", path=str(path))
        return found

    result = _each_readable(list(paths), read, UNREADABLE_EXPORT)
    result.records, duplicates = merge_posts(result.records, result.origins)
    result.skipped.extend(duplicates)
    return result


def _each_readable(
    paths: Sequence[str | Path], read: Callable[[str | Path], ReadResult[T]], reason: Reason, *, more: bool = False
) -> ReadResult[T]:
    """What ``read`` gives for each path, a path it cannot read skipped with ``reason`` (the
    error's file, line and message) so that one bad input does not abort the others; unless
    every path fails and nothing ``more`` is to be read: then the first error is raised."""
    result: ReadResult[T] = ReadResult()
    errors: list[InputError] = []
    for path in paths:
        try:
            result.extend(read(path))
        except InputError as err:
            errors.append(err)
            result.skipped.append(Skip(err.path or str(path), err.line, reason, err.reason))
    if errors and len(errors) == len(paths) and not more:
        raise errors[0]
    return result


def run_scan(
    posts: ReadResult[Post],
    sources: ReadResult[Source],
    *,
    options: Options | None = None,
    selection: Selection = Selection(),
    progress: Callable[[int], None] | None = None,
    stage: Callable[[str], None] = lambda what: None,
    jobs: int = 1,
) -> ScanResult:
    """Detect over everything read, then keep the findings ``selection`` asks for. ``stage``
    is told each stage as it starts ("indexing 5,000 sources"); ``progress`` how many more
    posts are scored (0 once they are indexed and scoring starts); ``jobs`` processes score."""
    detector = Detector(options, jobs=jobs)
    if sources.records:
        stage(f"indexing {len(sources.records):,} sources")
    detector.add_sources(sources.records)
    stage(f"indexing {len(posts.records):,} posts")
    scanned = detector.scan(posts.records, progress=progress)
    findings = [f for f in scanned if selection.keeps(f)]
    summary = Summary.of(findings, len(sources.records), posts.skipped, sources.skipped)
    return ScanResult(findings, summary, [*sources.skipped, *posts.skipped], selection.unmatched(scanned))


def scan_files(
    posts: Sequence[str | Path],
    sources: Sequence[str | Path] = (),
    *,
    source_feeds: Sequence[str] = (),
    sources_cache: str | Path | None = None,
    posts_cache: str | Path | None = None,
    input_format: str | None = None,
    include_direct: bool = False,
    columns: Mapping[str, str] | None = None,
    options: Options | None = None,
    selection: Selection = Selection(),
    progress: Callable[[int, int], None] | None = None,
    stage: Callable[[str], None] = lambda what: None,
    jobs: int = 1,
) -> ScanResult:
    """Read exports and sources, and scan: ``dupfeed scan`` in one call.

    Args:
        posts: exports (zip, tar.gz, folder, file), JSONL or CSV files, and URLs of accounts,
            hashtags or feeds of posts (fetched, see :mod:`dupfeed.fetch.posts`); merged.
        sources: folders, files, source JSONL files and page URLs.
        source_feeds: RSS/Atom feeds whose articles are sources.
        sources_cache: where fetched pages are kept [default: ``~/.cache/dupfeed/sources.jsonl``].
        posts_cache: where fetched posts are kept [default: ``~/.cache/dupfeed/posts.jsonl``].
        input_format: the exports' platform, when detection guesses wrong.
        include_direct: also read direct messages (Mastodon), left out by default.
        columns: the columns of JSONL/CSV posts that hold each field (``{"text": "Content"}``),
            where they have other names than dupfeed's and the common ones.
        selection: which findings to report (every post is still compared).
        progress: called as ``progress(done, total)`` as the posts are scored, first with
            ``done`` 0 once they are read and indexed.
        stage: called with each stage as it starts ("reading posts", "indexing 5,000 posts"),
            so that a long scan shows what it does from the start.
        jobs: processes scoring posts at once (the findings do not depend on it).
    """
    if sources or source_feeds:
        stage("reading sources")
    read_sources_result = read_all_sources(sources, source_feeds, cache=sources_cache)
    stage("reading posts")
    urls = [str(p) for p in posts if is_web_url(str(p))]
    files = [p for p in posts if not is_web_url(str(p))]
    read_posts_result = read_all_posts(files, input_format=input_format, include_direct=include_direct, columns=columns)
    if urls:
        read_posts_result = add_web_posts(read_posts_result, urls, posts_cache)
    counted = None if progress is None else _counting(progress, len(read_posts_result.records))
    return run_scan(
        read_posts_result, read_sources_result, options=options, selection=selection, progress=counted, stage=stage, jobs=jobs
    )


def add_web_posts(read: ReadResult[Post], urls: list[str], cache: str | Path | None) -> ReadResult[Post]:
    """The posts read, and those of accounts and feeds given by URL (fetched into ``cache``),
    merged: a post both exported and fetched counts once."""
    from .fetch.posts import default_posts_cache, web_posts

    read.extend(web_posts(urls, cache=cache or default_posts_cache()))
    read.records, duplicates = merge_posts(read.records)
    read.skipped.extend(duplicates)
    return read


def _counting(progress: Callable[[int, int], None], total: int) -> Callable[[int], None]:
    """A callback told how many more posts are done, for one told how many of ``total``."""
    done = 0

    def step(count: int) -> None:
        nonlocal done
        done += count
        progress(done, total)

    return step
