"""The nightly batch: fetch and read what is new, score the new posts, write the morning report.

Everything is driven by one :class:`NightlyConfig` (from ``dupfeed.toml``) and one store. A
run adds sources before posts (a post is compared with every article known by then), scores
every post not yet scored, and writes the report of the run: HTML, Markdown and JSON.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import InputError
from .files import write_whole
from .readers.common import ReadResult
from .readers.exports import merge_posts, read_export
from .readers.reasons import MISSING_EXPORT, UNREADABLE_EXPORT
from .records import VERDICTS, Post, Skip
from .scan import add_web_posts, read_all_sources
from .store import Added, PartitionedStore, Scored, Store, open_store
from .store.store import post_key, record_key
from .urls import is_web_url


@dataclass(frozen=True)
class NightlyConfig:
    """What a nightly run reads. Paths are relative to the config file's folder.

    Attributes:
        sources: folders or files of source articles (as ``scan --sources``).
        urls: article pages to fetch.
        feeds: RSS/Atom feeds whose articles are fetched.
        post_feeds: accounts, hashtags and feeds whose public posts are fetched (Mastodon,
            Bluesky, RSS/Atom, as ``posts fetch``), into ``<db>.posts.jsonl``: each night asks
            only for what is new.
        exports: platform exports, or folders where exports are dropped (each file or
            subfolder of such a folder is read as one export).
        input_format: the exports' platform, when detection guesses wrong.
        fetch_cache: where fetched pages are kept [default: ``<db>.sources.jsonl``].
        report_days: days of history in the report's chart.
        report_originals: original posts listed in the report (the longest of the run).
    """

    sources: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    post_feeds: tuple[str, ...] = ()
    exports: tuple[str, ...] = ()
    input_format: str | None = None
    fetch_cache: str | None = None
    report_days: int = 60
    report_originals: int = 200

    def merged(self, **extra: tuple[str, ...]) -> NightlyConfig:
        """This config with more paths or URLs added (from the command line)."""
        values = {name: tuple(getattr(self, name)) + tuple(more) for name, more in extra.items()}
        return NightlyConfig(**{**{f.name: getattr(self, f.name) for f in fields(self)}, **values})


def _local(base: Path, value: str) -> str:
    """A path of the config relative to its folder (``~`` expanded); a URL as it is."""
    if is_web_url(value):
        return value
    return str(base / Path(value).expanduser())


def load_config(path: str | Path) -> NightlyConfig:
    """Read ``dupfeed.toml``: top-level keys as in :class:`NightlyConfig`.

    Raises:
        InputError: unreadable TOML (with its line), an unknown key, a value of the wrong type.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", path=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path=str(path)) from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"not valid TOML: {err}", path=str(path)) from None
    known = {f.name: f for f in fields(NightlyConfig)}
    values: dict[str, Any] = {}
    base = path.parent
    for key, value in data.items():
        if key not in known:
            raise InputError(f"unknown setting {key!r}; known: {', '.join(known)}", path=str(path))
        default = getattr(NightlyConfig, key)
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputError(f"{key} must be a list of strings", path=str(path))
            local = key in ("sources", "exports")
            values[key] = tuple(_local(base, v) if local else v for v in value)
        elif key in ("report_days", "report_originals"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InputError(f"{key} must be a whole number >= 0", path=str(path))
            values[key] = value
        else:
            if not isinstance(value, str):
                raise InputError(f"{key} must be a string", path=str(path))
            values[key] = _local(base, value) if key == "fetch_cache" else value
    return NightlyConfig(**values)


def read_exports(paths: tuple[str, ...], input_format: str | None) -> ReadResult[Post]:
    """The posts of every export. A folder may be a drop folder: every export in it (a zip, an
    unpacked export, a JSONL file...) is read, and a file that is none is skipped, named; an
    empty one is a night with nothing new. An export that cannot be read is skipped."""
    result: ReadResult[Post] = ReadResult()
    for value in paths:
        path = Path(value)
        if not path.exists():
            result.skipped.append(Skip(value, None, MISSING_EXPORT, "no such file or folder"))
            continue
        if path.is_dir() and not any(p.is_file() and not p.name.startswith(".") for p in path.rglob("*")):
            continue
        try:
            result.extend(read_export(path, input_format=input_format))
        except InputError as err:
            result.skipped.append(Skip(err.path or value, err.line, UNREADABLE_EXPORT, err.reason))
    result.records, duplicates = merge_posts(result.records, result.origins)
    result.skipped.extend(duplicates)
    return result


@dataclass
class NightlyResult:
    """What one run did."""

    run: int
    sources: Added
    posts: Added
    scored: Scored
    skipped: list[Skip] = field(default_factory=list)
    earlier_runs: list[int] = field(default_factory=list)
    """Earlier runs whose findings this run's report covers (no report covered them)."""
    report: dict[str, Any] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)

    @property
    def has_faults(self) -> bool:
        return any(s.is_fault for s in self.skipped)


def run_nightly(
    db: str | Path,
    config: NightlyConfig,
    report_dir: str | Path,
    *,
    wait: float = 0.0,
    progress: Callable[[int], None] | None = None,
    jobs: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    stage: Callable[[str], None] = lambda what: None,
    scoring: Callable[[int], None] = lambda total: None,
) -> NightlyResult:
    """One nightly run: add new sources and posts, score what is unscored (``jobs``
    processes at once; on a partitioned store, on the ``engine`` and ``scheduler`` that
    :func:`~dupfeed.store.open_store` takes), write the report. ``stage`` is told each stage as it starts ("reading
    the exports"), ``scoring`` how many posts are to be scored when scoring starts, then
    ``progress`` how many more are done."""
    report_dir = Path(report_dir)
    stage("opening the store")
    with (
        open_store(db, wait=wait, jobs=jobs, engine=engine, scheduler=scheduler) as store,
        store.running("nightly") as run,
    ):  # Ctrl-C: marked interrupted
        result = _run(store, run, config, progress, stage, scoring)
        stage("writing the report")
        result.report = build_report(store, result, days=config.report_days, originals=config.report_originals)
        result.report["run"]["status"] = status = "partial" if result.has_faults else "ok"
        result.written = write_report(result.report, report_dir)
        stats = result.report["added"] | {"scored": result.report["scored"]}
        store.finish_run(run, status, stats, reported=[run, *result.earlier_runs])
    return result


def _run(
    store: Store | PartitionedStore,
    run: int,
    config: NightlyConfig,
    progress: Callable[[int], None] | None,
    stage: Callable[[str], None],
    scoring: Callable[[int], None],
) -> NightlyResult:
    """Add the night's sources and posts, and score every post not yet scored."""
    earlier = store.unreported_runs(run)
    skipped: list[Skip] = []
    cache = config.fetch_cache or str(store.beside("sources.jsonl"))
    wanted = [*config.sources, *config.urls]
    if wanted or config.feeds:
        stage("reading the sources")
    sources = read_all_sources(wanted, config.feeds, cache=cache) if wanted or config.feeds else ReadResult()
    skipped.extend(sources.skipped)
    stage("loading the store's index")
    store.load()
    if sources.records:
        stage(f"storing and indexing {len(sources.records):,} sources")
    added_sources = store.add_sources(sources.records, run=run)
    stage("reading the exports")
    posts = read_exports(config.exports, config.input_format) if config.exports else ReadResult()
    if config.post_feeds:
        posts = add_web_posts(posts, list(config.post_feeds), str(store.beside("posts.jsonl")))
    skipped.extend(posts.skipped)
    stage(f"storing and indexing {len(posts.records):,} posts")
    added_posts = store.ingest(posts.records, run=run)
    stage("finding the posts to score")
    pending = store.pending()
    scoring(len(pending))
    scored = store.score(run=run, progress=progress, pending=pending)
    return NightlyResult(run, added_sources, added_posts, scored, skipped, earlier)


def write_report(report: dict[str, Any], report_dir: Path) -> list[Path]:
    """Write the report as HTML, Markdown and JSON (each file replaced whole, never half-written)."""
    from .report.nightly import format_nightly_html, format_nightly_markdown

    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot create the report folder: {err.strerror or err}", path=str(report_dir)) from None
    day = report["run"]["started"][:10]
    stem = f"dupfeed-{day}-run{report['run']['id']}"
    texts = {
        ".html": format_nightly_html(report),
        ".md": format_nightly_markdown(report),
        ".json": json.dumps(report, ensure_ascii=False, indent=1) + "\n",
    }
    written = []
    for suffix, text in texts.items():
        path = report_dir / (stem + suffix)
        try:
            write_whole(path, text)
        except OSError as err:
            raise InputError(f"cannot write: {err.strerror or err}", path=str(path)) from None
        written.append(path)
    return written


def _excerpt(text: str, spans: list[dict[str, int]], margin: int = 300) -> dict[str, Any]:
    """The part of a matched document around its copied spans."""
    if not spans:
        return {"start": 0, "text": text[: 2 * margin]}
    start = max(min(s["match_start"] for s in spans) - margin, 0)
    end = min(max(s["match_end"] for s in spans) + margin, len(text))
    return {"start": start, "text": text[start:end]}


def build_report(
    store: Store | PartitionedStore, result: NightlyResult, *, days: int = 60, originals: int = 200
) -> dict[str, Any]:
    """The JSON-ready report of one run (the shape :mod:`dupfeed.report.nightly` renders)."""
    run = result.run
    started = store.run_started(run)
    rows = list(store.findings(run=[run, *result.earlier_runs]))
    verdicts = Counter(record["verdict"] for record, _ in rows)
    report: dict[str, Any] = {
        "title": "dupfeed nightly report",
        "run": {
            "id": run,
            "started": started,
            "status": "ok",
            "db": str(store.path),
            "also_reports_runs": result.earlier_runs,
        },
        "added": {
            "posts": result.posts.added,
            "sources": result.sources.added,
            "already_stored": result.posts.known + result.sources.known,
            "skipped": dict(Counter(s.reason for s in result.skipped if s.is_fault)),
            "fetch_failures": [{"url": s.path, "reason": s.reason} for s in result.skipped if is_web_url(s.path)],
        },
        "scored": {"posts": len(rows), **{v: verdicts.get(v, 0) for v in VERDICTS}},
    }
    report["days"] = _days(store, days)
    flagged = [(record, keys) for record, keys in rows if record["verdict"] != "original"]
    wanted = {record_key(record) for record, _ in rows} | {k for _, keys in flagged for k in keys}
    records = store.records(wanted)
    report["top_sources"] = _top_sources(flagged, records)
    report["clusters"] = _clusters(store, flagged, records)
    report["findings"] = [_finding(record, keys, records) for record, keys in flagged]
    report["originals"] = _originals(rows, records, originals)
    return report


def _days(store: Store | PartitionedStore, days: int) -> list[dict[str, Any]]:
    by_day = store.verdicts_by_day(days)
    return [{"date": day, "posts": sum(c.values()), **{v: c.get(v, 0) for v in VERDICTS}} for day, c in sorted(by_day.items())]


def _top_sources(flagged, records, limit: int = 50) -> list[dict[str, Any]]:
    tally: dict[str, Counter] = defaultdict(Counter)
    for record, keys in flagged:
        for match, key in zip(record["matches"], keys):
            if match["kind"] == "source":
                tally[key]["copies" if record["verdict"] == "copy" else "revisions"] += 1
                tally[key]["credited" if match["attributed"] else "uncredited"] += 1
    ranked = sorted(tally.items(), key=lambda item: (-(item[1]["copies"] + item[1]["revisions"]), item[0]))
    out = []
    for key, counts in ranked[:limit]:
        source = records.get(key)
        out.append(
            {
                "id": key.removeprefix("source:"),
                "title": getattr(source, "title", None),
                "url": getattr(source, "url", None),
                **{name: counts.get(name, 0) for name in ("copies", "revisions", "credited", "uncredited")},
            }
        )
    return out


def _clusters(store: Store | PartitionedStore, flagged, records) -> list[dict[str, Any]]:
    """Posts linked by copying each other (this run's copies and what they copy), as groups;
    ``records`` holds every post involved (the report has read them already)."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for record, keys in flagged:
        own = record_key(record)
        for match, key in zip(record["matches"], keys):
            if match["kind"] == "post":
                parent[find(own)] = find(key)
    groups: dict[str, list[str]] = defaultdict(list)
    for key in list(parent):
        groups[find(key)].append(key)
    members = [keys for keys in groups.values() if len(keys) > 1]
    verdicts = store.verdicts(k for keys in members for k in keys)
    out = []
    for keys in members:
        posts = sorted((records[k] for k in keys if k in records), key=lambda p: (p.created_at, p.id))
        if len(posts) < 2:
            continue
        out.append(
            {
                "size": len(posts),
                "authors": len({p.author for p in posts}),
                "posts": [
                    {
                        "id": p.id,
                        "author": p.author,
                        "created_at": p.to_dict()["created_at"],
                        "url": p.url,
                        "verdict": verdicts.get(post_key(p)),
                        "snippet": p.text[:200],
                    }
                    for p in posts
                ],
            }
        )
    return sorted(out, key=lambda c: (c["posts"][0]["created_at"], c["posts"][0]["id"]))


def _finding(record: dict[str, Any], keys: list[str], records) -> dict[str, Any]:
    post = records.get(record_key(record))
    matches = []
    for match, key in zip(record["matches"], keys):
        target = records.get(key)
        text = target.text if target is not None else ""
        matches.append({**match, "title": getattr(target, "title", None), "excerpt": _excerpt(text, match["spans"])})
    return {**record, "url": getattr(post, "url", None), "text": getattr(post, "text", ""), "matches": matches}


def _originals(rows, records, limit: int) -> dict[str, Any]:
    """The run's original posts (native reposts aside), the longest ``limit`` of them shown."""
    posts = [records[k] for k in (record_key(r) for r, _ in rows if r["verdict"] == "original") if k in records]
    posts = [p for p in posts if p.kind != "repost"]
    shown = sorted(sorted(posts, key=lambda p: -len(p.text))[:limit], key=lambda p: (p.created_at, p.id))
    return {
        "total": len(posts),
        "shown": [
            {"id": p.id, "author": p.author, "created_at": p.to_dict()["created_at"], "url": p.url, "text": p.text} for p in shown
        ],
    }


__all__ = ["NightlyConfig", "NightlyResult", "build_report", "load_config", "run_nightly"]
