"""The ``dupfeed`` command line: parses options, calls the library, formats, echoes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import __version__
from ..errors import DupfeedError, OptionsError
from ..options import INDEXES
from ..readers.exports import input_formats
from ..readers.posts import parse_columns
from ..records import FLAGGED_VERDICTS
from ..report.formats import FORMATS, FORMATTERS, terminal_safe
from ..scan import Selection, scan_files
from ..tuning import options_from
from ..urls import is_web_url
from .common import (
    check_output,
    check_source_paths,
    choose_format,
    emit,
    jobs_option,
    parse_day,
    progress_bar,
    warn_skips,
)
from .db import db as db_group
from .db import nightly as nightly_command
from .posts import posts as posts_group
from .sources import sources as sources_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dupfeed")
def main() -> None:
    """Find feed posts that copy a source article, their author's earlier post, or another
    author's post: how much, which passages, and whether they credit it."""


main.add_command(sources_group)
main.add_command(posts_group)
main.add_command(db_group)
main.add_command(nightly_command)


def _paths_or_urls(ctx, param, values):
    """POSTS as given: a URL (an account, hashtag or feed to fetch) and ``-`` (the standard
    input) as they are, anything else a path that must exist."""
    checked = []
    for value in values:
        if is_web_url(value) or value == "-":
            checked.append(value)
        elif not Path(value).exists():
            raise click.BadParameter(f"Path {value!r} does not exist.", ctx=ctx, param=param)
        else:
            checked.append(Path(value))
    return tuple(checked)


def _columns(ctx, param, value):
    """``--columns`` as a mapping of fields to column names, or a usage error."""
    if value is None:
        return None
    try:
        return parse_columns(value)
    except ValueError as err:
        raise click.BadParameter(str(err), ctx=ctx, param=param) from None


@main.command()
@click.argument("posts", nargs=-1, required=True, callback=_paths_or_urls)
@click.option(
    "--sources",
    "-s",
    "source_paths",
    multiple=True,
    metavar="PATH|URL",
    help="Source articles: a folder (.txt, .md, .html), a JSONL file of sources, one file, or a page URL "
    "(fetched once, then cached). Repeatable.",
)
@click.option(
    "--sources-feed",
    "source_feeds",
    multiple=True,
    metavar="URL",
    help="An RSS/Atom feed URL whose articles are sources. Repeatable.",
)
@click.option(
    "--sources-cache",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSONL file that keeps fetched sources between scans [default: ~/.cache/dupfeed/sources.jsonl].",
)
@click.option(
    "--posts-cache",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSONL file that keeps the posts fetched for POSTS given as URLs [default: ~/.cache/dupfeed/posts.jsonl].",
)
@click.option("--input-format", type=click.Choice(input_formats()), help="The export's platform, when detection guesses wrong.")
@click.option("--include-direct", is_flag=True, help="Also read direct messages (Mastodon), left out by default.")
@click.option(
    "--columns",
    callback=_columns,
    metavar="FIELD=COLUMN,...",
    help="Columns of JSONL/CSV posts that hold each field, when named otherwise "
    "(text=Content,author=Author,created_at=Date); common names are read without it.",
)
@click.option(
    "--format", "-f", "fmt", type=click.Choice(FORMATS), help="Output format [default: table on a terminal, else jsonl]."
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to this file.")
@click.option("--author", "authors", multiple=True, metavar="NAME", help="Report only posts by this author. Repeatable.")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    metavar="KIND",
    help="Report only posts of this kind (post, comment, article, reply…). Repeatable.",
)
@click.option("--since", metavar="DATE", help="Report only posts created at or after this ISO 8601 date.")
@click.option("--until", metavar="DATE", help="Report only posts created before this ISO 8601 date.")
@click.option(
    "--fail-on",
    type=click.Choice(FLAGGED_VERDICTS),
    help="Exit with status 3 when a reported post reaches this verdict (copy counts as revision).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, summary or warnings on stderr.")
@click.option("--shingle-size", type=click.IntRange(1, 16), help="Words per shingle [default: 3].")
@click.option("--num-perm", type=click.IntRange(2, 1024), help="MinHash permutations [default: 128].")
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    help="LSH window similarity threshold [default: 0.2].",
)
@click.option(
    "--copy-at", type=click.FloatRange(0, 1, min_open=True), help="Share copied from which a post is a copy [default: 0.8]."
)
@click.option(
    "--index",
    type=click.Choice(INDEXES),
    help="Candidate index: numpy arrays of LSH bands, or datasketch's MinHashLSH (the reference: "
    "the same candidates on one band, 35 times the memory, slower) [default: bands].",
)
@jobs_option
@click.option(
    "--revision-at",
    type=click.FloatRange(0, 1, min_open=True),
    help="Share copied from which a post is a revision [default: 0.2].",
)
def scan(
    posts,
    source_paths,
    source_feeds,
    sources_cache,
    posts_cache,
    input_format,
    include_direct,
    columns,
    fmt,
    output,
    authors,
    kinds,
    since,
    until,
    fail_on,
    quiet,
    shingle_size,
    num_perm,
    threshold,
    copy_at,
    revision_at,
    index,
    jobs,
):
    """Scan POSTS against the sources and against each other, oldest first.

    POSTS are platform exports as downloaded (LinkedIn, X, Mastodon, Bluesky, Facebook,
    Reddit: a zip, a tar.gz, the folder it unpacks to, or one file of it), RSS/Atom feed
    files, or JSONL/CSV files with id, text, author, created_at (or common names such as
    Content, Author, Date; else see --columns); - reads JSONL or CSV posts from the standard
    input. A folder may hold several exports and other files: each is read, and a file that
    is none is named. Several exports are merged;
    a post found in two overlapping archives counts once. A POSTS URL is an account, hashtag
    or feed whose public posts are fetched (see dupfeed posts fetch --help) into
    --posts-cache, then scanned.

    Exit status: 0 done; 1 some input could not be read or a bad record was skipped (the
    report covers the rest; records left out by design, such as reposts without text or
    drafts, are only counted); 2 bad usage; 3 a post reached the --fail-on verdict; 130
    interrupted (Ctrl-C).
    """
    since_at, until_at = parse_day(since, "--since"), parse_day(until, "--until")
    check_output(output, [*posts, *source_paths, *([sources_cache] if sources_cache else [])])
    chosen = choose_format(fmt, output)
    try:  # the flags' own names (threshold, copy_at...): dupfeed.tuning maps them onto Options
        options = options_from(
            shingle_size=shingle_size,
            num_perm=num_perm,
            threshold=threshold,
            copy_at=copy_at,
            revision_at=revision_at,
            index=index,
        )
    except OptionsError as err:
        raise click.UsageError(str(err)) from None
    check_source_paths(source_paths, "'--sources'")
    selection = Selection(frozenset(authors), frozenset(kinds), since_at, until_at)
    try:
        with progress_bar(quiet, "scanning") as bar:
            result = scan_files(
                posts,
                source_paths,
                source_feeds=source_feeds,
                sources_cache=sources_cache,
                posts_cache=posts_cache,
                input_format=input_format,
                include_direct=include_direct,
                columns=columns,
                options=options,
                selection=selection,
                progress=bar,
                stage=bar.stage,
                jobs=jobs,
            )
    except DupfeedError as err:
        raise click.ClickException(terminal_safe(str(err), keep_newlines=False)) from None
    except KeyboardInterrupt:
        click.echo("\nInterrupted: nothing was written (a scan keeps nothing between runs).", err=True)
        sys.exit(130)
    summary = result.summary
    text = FORMATTERS[chosen](result.findings, summary)
    emit(text, output)
    warn_skips([s for s in result.skipped if s.is_fault], quiet=quiet)
    if not quiet:
        for what in result.unmatched:
            click.echo(f"warning: nothing reported: no post matched {what}", err=True)
        if chosen != "table" or output is not None:
            click.echo(summary.line(), err=True)
    if fail_on and result.reaches(fail_on):
        sys.exit(3)
    if result.has_faults:
        sys.exit(1)
