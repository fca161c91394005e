"""``dupfeed db`` and ``dupfeed nightly``: a store that grows run by run, and its reports."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click

from ..errors import DupfeedError
from ..readers.exports import input_formats
from ..records import FLAGGED_VERDICTS, VERDICTS, Post, reaches, verdict_counts
from ..report.formats import FORMATS, FORMATTERS, terminal_safe
from ..scan import read_all_posts, read_all_sources
from ..store import ENGINES, PartitionedStore, RunInterrupted, Store, StoreBusy, finding_from_dict, is_partitioned, open_store
from ..store.store import record_key
from ..summary import Summary
from ..urls import is_web_url
from .common import (
    ProgressBar,
    check_output,
    check_source_paths,
    choose_format,
    emit,
    jobs_option,
    parse_day,
    progress_bar,
    warn_skips,
)

EXIT_FAULTS = 4
"""Exit status of a run that finished, but skipped some input (bad records, failed fetches)."""
EXIT_BUSY = 75
"""Exit status when another run holds the store (EX_TEMPFAIL: try again later)."""
EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT): what was committed stays, a rerun finishes the work."""

db_option = click.option(
    "--db",
    "db_path",
    default="dupfeed.db",
    show_default=True,
    envvar="DUPFEED_DB",
    metavar="FILE|FOLDER/|URL",
    help=(
        "The store (also $DUPFEED_DB): an SQLite file, its large arrays in <file>.arrays/ beside it; or a partitioned "
        "store of Parquet datasets in a folder (a new one: end the path with /) or at a URL (file://, s3://...)."
    ),
)
engine_options = [
    click.option(
        "--engine",
        type=click.Choice(ENGINES),
        default="local",
        show_default=True,
        help="Where a partitioned store's steps run: in this process, or as tasks on a Dask cluster.",
    ),
    click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="The Dask scheduler (tcp://host:8786) for --engine dask [default: a LocalCluster of --jobs workers].",
    ),
]


def engine_option(command):
    """``--engine`` and ``--scheduler``."""
    for option in reversed(engine_options):
        command = option(command)
    return command


def _check_engine(db_path: str, engine: str, scheduler: str | None) -> None:
    """The dask engine (or a scheduler) asked of an SQLite store is bad usage."""
    if (engine != "local" or scheduler) and not is_partitioned(db_path):
        raise click.UsageError(
            f"--engine dask runs over a partitioned store: give --db a folder (ending with /) or a URL, not {db_path!r}"
        )


def _opened(db_path: str, engine: str = "local", scheduler: str | None = None, **kwargs):
    """The store ``--db`` names."""
    _check_engine(db_path, engine, scheduler)
    return open_store(db_path, engine=engine, scheduler=scheduler, **kwargs)


wait_option = click.option(
    "--wait",
    type=click.FloatRange(0),
    default=0,
    metavar="SECONDS",
    help="Wait this long for another run writing to the store [default: exit at once with status 75].",
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar, summary or warnings on stderr.")


@contextmanager
def _failing() -> Iterator[None]:
    """A run that fails ends here, with one line on stderr: exit 75 when another run holds the
    store, 1 for anything else (the store wraps SQLite's errors as DupfeedError). Ctrl-C exits
    130 (128 + SIGINT, as shells do) saying what the store kept and that a rerun finishes it."""
    try:
        yield
    except DupfeedError as err:
        click.echo(f"Error: {terminal_safe(str(err), keep_newlines=False)}", err=True)
        sys.exit(EXIT_BUSY if isinstance(err, StoreBusy) else 1)
    except KeyboardInterrupt as err:
        click.echo(f"\n{_interrupted_line(err)}", err=True)
        sys.exit(EXIT_INTERRUPTED)


def _interrupted_line(err: KeyboardInterrupt) -> str:
    if not isinstance(err, RunInterrupted):
        return "Interrupted before anything was stored: the store is as it was."
    kept = ", ".join(
        f"{n} {what}"
        for what, n in (
            ("sources added", err.kept["sources"]),
            ("posts added", err.kept["posts"]),
            ("posts scored", err.kept["scored"]),
        )
    )
    return (
        f"Interrupted: run {err.run} is marked interrupted; the store keeps what it committed ({kept}). "
        "Run the same command again to finish: nothing is added or scored twice."
    )


def _score(store: Store | PartitionedStore, run: int, bar: ProgressBar):
    """Score what is pending, each stage shown on ``bar``: loading the index, then the bar."""
    if not bar.shown:
        return store.score(run=run)
    bar.stage("finding the posts to score")  # a query; loading the index takes a while
    pending = store.pending()
    if pending:
        bar.stage("loading the store's index")
        store.load()
    bar.start(len(pending))
    return store.score(run=run, progress=bar.advance, pending=pending)


def _scored_line(scored) -> str:
    return f"{scored.total} posts scored: {verdict_counts(scored.verdicts)}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def db() -> None:
    """A persistent store of sources, posts and findings that grows run by run: one SQLite file (and a folder of arrays beside it), or Parquet datasets in a folder or at a URL, scored here or on a Dask cluster.

    Each post is scored once, against every source and every earlier post in the store.
    """


@db.command("add-sources")
@click.argument("sources", nargs=-1, metavar="PATH|URL...")
@click.option("--feed", "feeds", multiple=True, metavar="URL", help="An RSS/Atom feed whose articles are sources. Repeatable.")
@click.option(
    "--sources-cache",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSONL file keeping fetched pages [default: <db>.sources.jsonl].",
)
@db_option
@wait_option
@engine_option
@quiet_option
def add_sources(sources, feeds, sources_cache, db_path, wait, engine, scheduler, quiet):
    """Add source articles to the store: folders (.txt, .md, .html), files, source JSONL files,
    page URLs. An article already stored (same id, or same text) is not added again.

    Exit status: 0 done; 1 failed, or some input skipped; 2 bad usage; 75 the store is busy.
    """
    if not (sources or feeds):
        raise click.UsageError("give at least one PATH, URL or --feed")
    check_source_paths(sources, "'SOURCES'")
    with _failing(), _opened(db_path, engine, scheduler, wait=wait) as store:
        read = read_all_sources(sources, feeds, cache=sources_cache or str(store.beside("sources.jsonl")))
        with store.running("add-sources") as run:
            added = store.add_sources(read.records, run=run)
            store.finish_run(run, "ok", {"sources": added.added, "known": added.known})
    warn_skips(read.skipped, quiet=quiet)
    if not quiet:
        click.echo(f"{db_path}: {added.added} sources added, {added.known} already stored, {len(read.skipped)} skipped", err=True)
    if read.skipped:
        sys.exit(1)


@db.command()
@click.argument("exports", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--input-format", type=click.Choice(input_formats()), help="The exports' platform, when detection guesses wrong.")
@click.option("--include-direct", is_flag=True, help="Also read direct messages (Mastodon), left out by default.")
@click.option("--no-score", is_flag=True, help="Only store and index the posts; score them later (db score, nightly).")
@db_option
@wait_option
@jobs_option
@engine_option
@quiet_option
def ingest(exports, input_format, include_direct, no_score, db_path, wait, jobs, engine, scheduler, quiet):
    """Add the posts of EXPORTS to the store (platform exports or JSONL/CSV files, as for scan),
    then score every post not yet scored. A post already stored (same platform and id, or
    same author, time and text) is not added again.

    Exit status: 0 done; 1 failed, or a bad record skipped; 2 bad usage; 75 the store is busy.
    """
    with _failing(), progress_bar(quiet, "scoring") as bar:
        bar.stage("reading the exports")
        read = read_all_posts(exports, input_format=input_format, include_direct=include_direct)
        bar.stage("opening the store")
        with _opened(db_path, engine, scheduler, wait=wait, jobs=jobs) as store, store.running("ingest") as run:
            bar.stage(f"storing and indexing {len(read.records):,} posts")
            added = store.ingest(read.records, run=run)
            scored = None if no_score else _score(store, run, bar)
            stats = {"posts": added.added, "known": added.known, "scored": scored.total if scored else 0}
            store.finish_run(run, "ok", stats)
    faults = [s for s in read.skipped if s.is_fault]
    warn_skips(faults, quiet=quiet)
    if not quiet:
        line = f"{db_path}: {added.added} posts added, {added.known} already stored, {len(faults)} skipped"
        click.echo(line + (f"; {_scored_line(scored)}" if scored else ""), err=True)
    if faults:
        sys.exit(1)


@db.command()
@db_option
@wait_option
@jobs_option
@engine_option
@quiet_option
def score(db_path, wait, jobs, engine, scheduler, quiet):
    """Score every stored post not yet scored (after ingest --no-score, or an interrupted run)."""
    with (
        _failing(),
        progress_bar(quiet, "scoring") as bar,
        _opened(db_path, engine, scheduler, wait=wait, create=False, jobs=jobs) as store,
        store.running("score") as run,
    ):
        scored = _score(store, run, bar)
        store.finish_run(run, "ok", {"scored": scored.total})
    if not quiet:
        click.echo(f"{db_path}: {_scored_line(scored)}", err=True)


@db.command()
@db_option
@click.option("--since", metavar="DATE", help="Only posts created at or after this ISO 8601 date.")
@click.option("--until", metavar="DATE", help="Only posts created before this ISO 8601 date.")
@click.option("--run", "run_id", type=click.IntRange(1), help="Only posts scored by this run.")
@click.option(
    "--verdict",
    "verdicts",
    multiple=True,
    type=click.Choice(VERDICTS),
    help="Only posts with this verdict. Repeatable.",
)
@click.option(
    "--format", "-f", "fmt", type=click.Choice(FORMATS), help="Output format [default: table on a terminal, else jsonl]."
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
def findings(db_path, since, until, run_id, verdicts, fmt, output):
    """List stored findings, one record per scored post in scoring order: the same records as
    `dupfeed scan --format jsonl` (originals included unless --verdict says otherwise)."""
    since_at, until_at = parse_day(since, "--since"), parse_day(until, "--until")
    check_output(output, [db_path] if not is_partitioned(db_path) else [])
    chosen = choose_format(fmt, output)
    with _failing(), _opened(db_path, write=False, create=False) as store:
        rows = list(store.findings(since=since_at, until=until_at, run=run_id))
        rows = [(r, keys) for r, keys in rows if not verdicts or r["verdict"] in verdicts]
        keys = {record_key(r) for r, _ in rows}
        if chosen in ("table", "markdown", "html"):  # these show the copied text
            keys |= {k for _, ks in rows for k in ks}
        records = store.records(keys)
        sources = store.counts()["sources"]
    found = []
    for record, match_keys in rows:
        post = records.get(record_key(record))  # a finding's own record is a post
        finding = finding_from_dict(record, post if isinstance(post, Post) else None)
        matches = tuple(replace(m, target=records.get(k)) for m, k in zip(finding.matches, match_keys))
        found.append(replace(finding, matches=matches))
    emit(FORMATTERS[chosen](found, Summary.of(found, sources)), output)


@db.command()
@db_option
def status(db_path):
    """How much the store holds, and its last runs."""
    with _failing(), _opened(db_path, write=False, create=False) as store:
        counts = store.counts()
        runs = store.recent_runs(5)
        size = store.size()
    click.echo(f"{db_path}: {size / 1e6:.1f} MB")
    click.echo(
        f"{counts['sources']} sources, {counts['posts']} posts ({counts['unscored']} not yet scored); "
        f"findings: {verdict_counts(counts)}"
    )
    for run, command, started, finished, state in runs:
        click.echo(f"run {run}: {command} {started} → {finished or '…'} {state}")


@click.command()
@db_option
@click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="dupfeed.toml: the sources, feeds, URLs and export folders to read.",
)
@click.option(
    "--report-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the run's report (HTML, Markdown, JSON).",
)
@click.option(
    "--sources",
    "-s",
    "source_paths",
    multiple=True,
    metavar="PATH|URL",
    help="More source articles (as in the config's sources/urls). Repeatable.",
)
@click.option("--feed", "feeds", multiple=True, metavar="URL", help="More RSS/Atom feeds. Repeatable.")
@click.option("--posts", "exports", multiple=True, metavar="PATH", help="More exports, or folders of exports. Repeatable.")
@click.option(
    "--fail-on", type=click.Choice(FLAGGED_VERDICTS), help="Exit with status 3 when a post of this run reaches this verdict."
)
@wait_option
@jobs_option
@engine_option
@quiet_option
def nightly(db_path, config_path, report_dir, source_paths, feeds, exports, fail_on, wait, jobs, engine, scheduler, quiet):
    """One nightly run: fetch the configured feeds and URLs, read the configured exports, add
    what is new to the store, score every post not yet scored against all sources and all
    earlier posts, and write the run's report to --report-dir.

    A second run on the same inputs adds and scores nothing. A run killed at any point loses
    nothing committed; the next run finishes its work.

    \b
    Exit status (for cron):
      0   done, report written
      1   failed: nothing reported (the store keeps what was committed)
      2   bad usage or configuration
      3   a post of this run reached the --fail-on verdict
      4   done, report written, but some input was skipped (failed fetches, bad records)
      75  another run holds the store (try again later, or give --wait)
    """
    from ..nightly import NightlyConfig, load_config, run_nightly

    _check_engine(db_path, engine, scheduler)

    try:
        config = load_config(config_path) if config_path else NightlyConfig()
    except DupfeedError as err:
        raise click.UsageError(str(err)) from None
    urls = tuple(v for v in source_paths if is_web_url(v))
    paths = tuple(v for v in source_paths if v not in urls)
    config = config.merged(sources=paths, urls=urls, feeds=feeds, exports=exports)
    with _failing(), progress_bar(quiet, "scoring") as bar:
        result = run_nightly(
            db_path,
            config,
            report_dir,
            wait=wait,
            jobs=jobs,
            engine=engine,
            scheduler=scheduler,
            stage=bar.stage,
            scoring=bar.start,
            progress=bar.advance,
        )
    warn_skips([s for s in result.skipped if s.is_fault], quiet=quiet)
    if not quiet:
        click.echo(
            f"run {result.run}: {result.sources.added} sources and {result.posts.added} posts added "
            f"({result.sources.known + result.posts.known} already stored); {_scored_line(result.scored)}",
            err=True,
        )
        for path in result.written:
            click.echo(f"report: {path}", err=True)
    reported = result.report["scored"]  # this run's posts, and those of unreported earlier runs
    if fail_on and any(reported[v] for v in VERDICTS if reaches(v, fail_on)):
        sys.exit(3)
    if result.has_faults:
        sys.exit(EXIT_FAULTS)
