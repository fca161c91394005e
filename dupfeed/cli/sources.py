"""``dupfeed sources``: build the JSONL file of source articles that ``scan --sources`` reads."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import DupfeedError
from ..fetch import FetchReport, check_url, fetch_sources
from .fetching import echo_fetch_report, fetch_options, format_reasons, options_from, run_fetch


def format_fetch_summary(report: FetchReport, out: Path) -> str:
    """The run summary for stderr: one line of counts, then failures counted per reason."""
    parts = [
        f"{report.fetched} fetched",
        f"{report.updated} updated",
        f"{report.unchanged} unchanged",
        f"{report.known} already stored",
        f"{report.duplicates} duplicate",
        f"{len(report.failed)} failed",
    ]
    lines = [f"{out}: " + ", ".join(parts)]
    if report.listed:
        lines[0] += f" ({report.listed} pages listed by feeds and sitemaps)"
    lines.extend(format_reasons("failed by reason:", report.reasons))
    return "\n".join(lines) + "\n"


def _read_url_file(value: str) -> list[str]:
    """URLs from a file (``-`` for stdin): one a line; blank lines and ``#`` comments skipped."""
    try:
        text = sys.stdin.read() if value == "-" else Path(value).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise click.BadParameter(f"cannot read {value}: {getattr(err, 'strerror', None) or err}", param_hint="--urls") from None
    urls = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            urls.append(check_url(line))
        except DupfeedError as err:
            raise click.BadParameter(f"{value}:{number}: {err}", param_hint="--urls") from None
    return urls


def _checked(values, hint: str) -> list[str]:
    try:
        return [check_url(v) for v in values]
    except DupfeedError as err:
        raise click.BadParameter(str(err), param_hint=hint) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def sources() -> None:
    """Fetch source articles from the web into the JSONL file that scan --sources reads."""


@sources.command()
@click.argument("urls", nargs=-1)
@click.option("--urls", "url_file", metavar="FILE", help="Read more URLs from FILE, one a line ('-' for stdin).")
@click.option(
    "--feed",
    "feeds",
    multiple=True,
    metavar="URL",
    help="An RSS/Atom feed, or a page that advertises one: fetch the articles it lists. Repeatable.",
)
@click.option(
    "--sitemap",
    "sitemaps",
    multiple=True,
    metavar="URL",
    help="A sitemap or sitemap index: fetch the pages it lists. Repeatable.",
)
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The JSONL source file to append to (created if missing).",
)
@click.option(
    "--refresh",
    is_flag=True,
    help="Fetch stored pages again, conditionally (ETag / Last-Modified); changed pages replace their record.",
)
@click.option("--limit", type=click.IntRange(0), help="Fetch at most this many pages in this run.")
@fetch_options()
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, summary or warnings on stderr.")
def fetch(urls, url_file, feeds, sitemaps, out, refresh, limit, quiet, **politeness):
    """Fetch source articles from the web and append them to the --out JSONL file.

    URLS are article pages. A page already in the file is not fetched again unless --refresh
    is given; a page that failed before is tried again. Pages are fetched politely: robots.txt
    is obeyed, each host is asked at most once per --delay, and failures are retried a few
    times with growing waits. Each record is written whole as soon as it is fetched, so an
    interrupted run loses nothing already fetched.

    Exit status: 0 every page fetched; 1 some failed (recorded in the file with their reason,
    tried again next run); 2 bad usage; 130 interrupted.
    """
    targets = _checked(urls, "URLS")
    if url_file:
        targets += _read_url_file(url_file)
    feeds, sitemaps = _checked(feeds, "--feed"), _checked(sitemaps, "--sitemap")
    if not (targets or feeds or sitemaps):
        raise click.UsageError("give at least one URL, --urls FILE, --feed or --sitemap")
    options = options_from(politeness)
    report = run_fetch(
        lambda bar: fetch_sources(
            targets,
            store=out,
            feeds=feeds,
            sitemaps=sitemaps,
            options=options,
            refresh=refresh,
            limit=limit,
            progress=bar,
        ),
        out,
        quiet,
    )
    echo_fetch_report(report.warnings, report.failed, format_fetch_summary(report, out), ok=report.ok, quiet=quiet)
