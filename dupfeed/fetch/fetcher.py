"""One fetch run: expand feeds and sitemaps, fetch what the store lacks, extract, append."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import InputError
from ..html.page import decode_html, page_meta
from ..times import utc_now
from ..urls import canonical_url, is_web_url
from .cache import SourceStore
from .discover import Entry, Expansion, expand_feed, expand_sitemap
from .failures import EXTRACTION_FAILED, NO_TEXT, FetchFailure
from .http import HTML_TYPES, HttpClient, Response
from .options import FetchOptions


@dataclass(frozen=True)
class Failed:
    """A URL that gave nothing usable in this run, and why."""

    url: str
    kind: str  # "page", "feed" or "sitemap"
    reason: str
    detail: str = ""


@dataclass
class RunReport:
    """What every fetching run reports: the URLs that failed and why, and warnings."""

    failed: list[Failed] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Lines of the store that were ignored or repaired, and other things worth saying."""

    @property
    def reasons(self) -> Counter:
        """Failures counted per reason, most frequent first when iterated with ``most_common``."""
        return Counter(f.reason for f in self.failed)


@dataclass
class FetchReport(RunReport):
    """What one run did. Every URL asked for is counted once, in exactly one field."""

    fetched: int = 0
    """New sources written."""
    updated: int = 0
    """Sources fetched again (``refresh``) whose page had changed: rewritten."""
    unchanged: int = 0
    """Sources fetched again that the server answered 304 Not Modified: kept as stored."""
    known: int = 0
    """URLs already in the store, not fetched again."""
    duplicates: int = 0
    """Pages that declare the canonical URL of a source already stored."""
    listed: int = 0
    """Page URLs found in the feeds and sitemaps."""
    source_ids: list[str] = field(default_factory=list)
    """Ids of the stored sources that the URLs asked for resolve to, fetched now or before, in
    order: what a scan of "these URLs" should read from the store."""

    def _resolved(self, source_id: str | None) -> None:
        if source_id and source_id not in self.source_ids:
            self.source_ids.append(source_id)

    @property
    def ok(self) -> bool:
        """Whether nothing failed."""
        return not self.failed


def check_url(url: str) -> str:
    """``url`` stripped, when it is an absolute http(s) URL.

    Raises:
        InputError: anything else (a bare host, a file path, an ``ftp:`` URL).
    """
    url = url.strip()
    parts = urlsplit(url)
    if not is_web_url(url) or not parts.hostname:
        raise InputError(f"not an http(s) URL: {url!r}")
    return url


@dataclass
class _Task:
    requested: str
    entry: Entry | None
    conditional: dict[str, str]
    previous: dict[str, Any] | None


class _Run:
    """The state of one run; the main thread extracts and writes, workers only download."""

    def __init__(self, store: SourceStore, client: HttpClient, refresh: bool, report: FetchReport):
        self.store, self.client, self.refresh, self.report = store, client, refresh, report

    def fail(self, url: str, kind: str, err: FetchFailure) -> None:
        """Record a failed URL in the store (attempts summed over runs) and in the report."""
        previous = self.store.lookup(url)
        attempts = err.attempts
        if previous and previous.get("status") == "failed" and isinstance(previous.get("attempts"), int):
            attempts += previous["attempts"]
        self.store.append(
            {
                "id": canonical_url(url),
                "url": url,
                "requested": url,
                "status": "failed",
                "kind": kind,
                "reason": err.reason,
                "detail": err.detail,
                "attempts": attempts,
                "fetched_at": utc_now(),
            }
        )
        self.report.failed.append(Failed(url, kind, err.reason, err.detail))

    def plan(self, urls: Iterable[str], entries: Iterable[Entry], limit: int | None) -> list[_Task]:
        """The URLs to fetch: new ones, failed ones, and with ``refresh`` stored ones too."""
        tasks, seen = [], set()
        for url, entry in [*((u, None) for u in urls), *((e.url, e) for e in entries)]:
            key = canonical_url(url)
            if key in seen:
                continue
            seen.add(key)
            previous = self.store.lookup(url)
            status = previous.get("status", "ok") if previous else None
            if previous and status in ("ok", "duplicate") and not self.refresh:
                self.report.known += 1
                self.report._resolved(previous.get("canonical") if status == "duplicate" else previous.get("id"))
                continue
            conditional = {}
            if previous and status == "ok":
                if previous.get("etag"):
                    conditional["If-None-Match"] = previous["etag"]
                if previous.get("last_modified"):
                    conditional["If-Modified-Since"] = previous["last_modified"]
            tasks.append(_Task(url, entry, conditional, previous))
        return tasks[:limit] if limit is not None else tasks

    def download(self, task: _Task) -> Response:
        """Worker side: the HTTP exchange only (extraction stays on the main thread)."""
        return self.client.get(task.requested, headers=task.conditional, types=HTML_TYPES)

    def settle(self, task: _Task, outcome: Response | BaseException) -> None:
        """Main-thread side: turn a download into a stored record and a count."""
        if isinstance(outcome, FetchFailure):
            self.fail(task.requested, "page", outcome)
            if task.previous and task.previous.get("status", "ok") == "ok":
                self.report._resolved(task.previous.get("id"))  # the stored copy still serves
            return
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome.status == 304:
            if task.conditional and task.previous:  # asked only of a stored page
                self.report.unchanged += 1
                self.report._resolved(task.previous.get("id"))
            else:
                self.fail(task.requested, "page", FetchFailure("HTTP 304", "not modified, though not asked"))
            return
        try:
            record = self.extract(task, outcome)
        except FetchFailure as err:
            err.attempts = outcome.attempts
            self.fail(task.requested, "page", err)
            return
        except Exception as err:
            self.fail(
                task.requested, "page", FetchFailure(EXTRACTION_FAILED, f"{type(err).__name__}: {err}", attempts=outcome.attempts)
            )
            return
        existing = self.store.source(record["id"])
        mine = existing is not None and canonical_url(existing.get("requested") or existing.get("url") or "") in (
            canonical_url(task.requested),
            canonical_url(outcome.url),
        )
        if existing is not None and not mine:
            self.store.append(
                {
                    "id": canonical_url(task.requested),
                    "url": outcome.url,
                    "requested": task.requested,
                    "status": "duplicate",
                    "canonical": record["id"],
                    "fetched_at": record["fetched_at"],
                }
            )
            self.report.duplicates += 1
            self.report._resolved(record["id"])
            return
        self.store.append(record)
        self.report._resolved(record["id"])
        if existing is not None:
            self.report.updated += 1
        else:
            self.report.fetched += 1

    def extract(self, task: _Task, response: Response) -> dict[str, Any]:
        """The source record of a fetched page."""
        from ..html.extract import extract_article  # trafilatura takes a second to import

        html = decode_html(response.body, response.charset)
        meta = page_meta(html, response.url)
        found = extract_article(html, url=response.url)
        if found is None:
            raise FetchFailure(NO_TEXT)
        hint = task.entry or Entry(task.requested)
        return {
            "id": canonical_url(meta.canonical or response.url),
            "url": response.url,
            "requested": task.requested,
            "status": "ok",
            "title": found.title or hint.title,
            "site_name": found.site_name,
            "author": found.author,
            "published": found.date or hint.published,
            "lang": found.lang or meta.lang,
            "text": found.text,
            "fetched_at": utc_now(),
            "etag": response.headers.get("ETag"),
            "last_modified": response.headers.get("Last-Modified"),
        }


def fetch_sources(
    urls: Iterable[str] = (),
    *,
    store: str | Path,
    feeds: Iterable[str] = (),
    sitemaps: Iterable[str] = (),
    options: FetchOptions | None = None,
    refresh: bool = False,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    client: HttpClient | None = None,
) -> FetchReport:
    """Fetch source articles into the JSONL file ``store``, skipping those it already holds.

    Feeds and sitemaps are expanded to the pages they list. Each page is fetched politely (see
    :class:`FetchOptions`), its main text and metadata extracted, and appended to the store as
    one line at once, so an interrupted run keeps everything fetched so far. A page whose
    canonical URL is already stored is recorded as a duplicate, not as a second source.

    Args:
        refresh: fetch stored pages again, conditionally (``If-None-Match`` /
            ``If-Modified-Since``): a 304 keeps the stored record, a changed page replaces it.
        limit: fetch at most this many pages (after the ones already stored are left out).
        progress: called as ``progress(done, total)`` after each page.
        client: the HTTP client to use (tests pass one with a recording ``sleep``).

    Raises:
        InputError: a URL is not http(s), or the store cannot be opened.
    """
    urls = [check_url(u) for u in urls]
    feeds = [check_url(u) for u in feeds]
    sitemaps = [check_url(u) for u in sitemaps]
    if limit is not None and limit < 0:
        raise InputError("limit must be >= 0")
    client = client or HttpClient(options)
    report = FetchReport()
    with SourceStore(store) as opened:
        report.warnings.extend(opened.warnings)
        run = _Run(opened, client, refresh, report)
        listed = Expansion()
        for kind, expand, targets in (("feed", expand_feed, feeds), ("sitemap", expand_sitemap, sitemaps)):
            for target in targets:
                found = expand(client, target)
                listed.entries.extend(found.entries)
                listed.resolved.extend(found.resolved)
                for url, err in found.failures:
                    run.fail(url, kind, err)
        report.listed = len(listed.entries)
        tasks = run.plan(urls, listed.entries, limit)
        _download_all(run, tasks, client, progress)
        opened.compact({canonical_url(u) for u in listed.resolved})
    return report


def _download_all(run: _Run, tasks: list[_Task], client: HttpClient, progress) -> None:
    """Download on worker threads, settle each result on this thread as soon as it arrives."""
    if not tasks:
        return
    pool = ThreadPoolExecutor(max_workers=min(client.options.concurrency, len(tasks)), thread_name_prefix="dupfeed-fetch")
    pending: dict[Future, _Task] = {}
    queue = list(reversed(tasks))
    done = 0
    try:
        # Only a few tasks are queued ahead, so an interrupted run leaves little half done.
        while queue or pending:
            while queue and len(pending) < 2 * client.options.concurrency:
                task = queue.pop()
                pending[pool.submit(run.download, task)] = task
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                task = pending.pop(future)
                error = future.exception()
                run.settle(task, error if error is not None else future.result())
                done += 1
                if progress is not None:
                    progress(done, len(tasks))
    except BaseException:
        client.stop.set()  # ends the retry waits of the workers at once
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
