"""The ``dupfeed`` command line: parses options, calls the library, formats, echoes."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from . import __version__
from .detector import Detector
from .errors import DupfeedError
from .options import Options
from .readers import read_posts, read_sources
from .readers.common import ReadResult
from .report import FORMATTERS, FORMATS, Summary

_SUFFIX_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".md": "markdown"}
_MAX_WARNINGS = 20


def _warn_skips(skips) -> None:
    for skip in skips[:_MAX_WARNINGS]:
        where = f"{skip.path}:{skip.line}" if skip.line else skip.path
        detail = f" ({skip.detail})" if skip.detail else ""
        click.echo(f"warning: {where}: skipped: {skip.reason}{detail}", err=True)
    if len(skips) > _MAX_WARNINGS:
        click.echo(f"warning: … and {len(skips) - _MAX_WARNINGS} more skipped records", err=True)


def _choose_format(fmt: str | None, output: Path | None) -> str:
    if fmt:
        return fmt
    if output is not None:
        return _SUFFIX_FORMATS.get(output.suffix.lower(), "jsonl")
    return "table" if sys.stdout.isatty() else "jsonl"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dupfeed")
def main() -> None:
    """Find feed posts that copy a source article, their author's earlier post, or another
    author's post: how much, which passages, and whether they credit it."""


@main.command()
@click.argument("posts", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--sources", "-s", "source_paths", multiple=True, type=click.Path(exists=True, path_type=Path),
    help="Source articles: a folder (.txt, .md, .html), a JSONL file of sources, or one file. Repeatable.",
)
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), help="Output format [default: table on a terminal, else jsonl].")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to this file.")
@click.option("--quiet", "-q", is_flag=True, help="No summary or warnings on stderr.")
@click.option("--shingle-size", type=click.IntRange(1, 16), help="Words per shingle [default: 3].")
@click.option("--num-perm", type=click.IntRange(2, 1024), help="MinHash permutations [default: 128].")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True, max_open=True), help="LSH window similarity threshold [default: 0.3].")
@click.option("--copy-at", type=click.FloatRange(0, 1, min_open=True), help="Share copied from which a post is a copy [default: 0.8].")
@click.option("--revision-at", type=click.FloatRange(0, 1, min_open=True), help="Share copied from which a post is a revision [default: 0.3].")
def scan(posts, source_paths, fmt, output, quiet, shingle_size, num_perm, threshold, copy_at, revision_at):
    """Scan POSTS (JSONL or CSV files with id, text, author, created_at) against the
    sources and against each other, oldest first.

    Exit status: 0 done; 1 some input could not be read or was skipped (the report covers
    the rest); 2 bad usage.
    """
    tuning = {
        "shingle_size": shingle_size, "num_perm": num_perm, "lsh_threshold": threshold,
        "copy_containment": copy_at, "revision_containment": revision_at,
    }
    try:
        options = replace(Options(), **{k: v for k, v in tuning.items() if v is not None})
        sources: ReadResult = ReadResult()
        for path in source_paths:
            sources.extend(read_sources(path))
        found: ReadResult = ReadResult()
        for path in posts:
            found.extend(read_posts(path))
        detector = Detector(options)
        detector.add_sources(sources.records)
        findings = detector.scan(found.records)
    except DupfeedError as err:
        raise click.ClickException(str(err)) from None
    summary = Summary.of(findings, len(sources.records), found.skipped, sources.skipped)
    chosen = _choose_format(fmt, output)
    text = FORMATTERS[chosen](findings, summary)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
    if not quiet:
        _warn_skips(sources.skipped + found.skipped)
        if chosen != "table" or output is not None:
            click.echo(summary.line(), err=True)
    if found.skipped or sources.skipped:
        sys.exit(1)
