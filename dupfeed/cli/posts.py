"""``dupfeed posts``: fetch other people's public posts into the JSONL file that ``scan`` reads."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from ..errors import DupfeedError
from ..fetch.posts import DEFAULT_MAX_PAGES, PostsReport, fetch_posts, target_of
from ..fetch.posts.bluesky import APPVIEW
from ..fetch.posts.store import CURSORS_SUFFIX
from .common import warn_skips
from .fetching import echo_fetch_report, fetch_options, format_reasons, options_from, run_fetch


def format_posts_summary(report: PostsReport, out: Path) -> str:
    """The run summary for stderr: counts, URLs cut at --max-pages, failures and skipped posts
    counted per reason."""
    parts = [
        f"{report.fetched} new posts",
        f"{report.known} already stored",
        f"{report.fetched_urls} URLs fetched",
        f"{len(report.failed)} failed",
    ]
    lines = [f"{out}: " + ", ".join(parts)]
    if report.cut:
        lines.append(f"{len(report.cut)} URLs stopped at --max-pages (older posts not asked for)")
    lines.extend(format_reasons("failed by reason:", report.reasons))
    lines.extend(format_reasons("posts skipped by reason:", Counter(s.reason for s in report.skipped)))
    return "\n".join(lines) + "\n"


def _checked(values) -> list[str]:
    try:
        return [target_of(v).url for v in values]
    except DupfeedError as err:
        raise click.BadParameter(str(err), param_hint="URLS") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def posts() -> None:
    """Fetch public posts (Mastodon, Bluesky, RSS/Atom feeds) into the JSONL file that scan reads."""


@posts.command()
@click.argument("urls", nargs=-1, required=True)
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"The JSONL file of posts to append to (created if missing); cursors are kept in <file>{CURSORS_SUFFIX}.",
)
@click.option(
    "--max-pages",
    type=click.IntRange(1),
    default=DEFAULT_MAX_PAGES,
    show_default=True,
    help="Pages asked per URL and run (a Mastodon page holds 40 statuses, a Bluesky page 100 items).",
)
@click.option("--bluesky-appview", metavar="URL", default=APPVIEW, show_default=True, help="The Bluesky AppView asked.")
@fetch_options(without=("concurrency",))  # one URL at a time: its pages come in order
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, summary or warnings on stderr.")
def fetch(urls, out, max_pages, bluesky_appview, quiet, **politeness):
    """Fetch the public posts of URLS and append those not yet stored to the --out JSONL file.

    URLS are Mastodon accounts (https://instance/@user) and hashtags
    (https://instance/tags/name), read through the instance's public API; Bluesky accounts
    (https://bsky.app/profile/handle), read through the public AppView; or any RSS/Atom feed
    of posts (Mastodon serves https://instance/@user.rss). Boosts and reposts are kept as
    native reposts, never scored as copies. Each URL's cursor is kept beside the file, so the
    next run asks only for what is new.

    Requests are polite: robots.txt is obeyed, each host is asked at most once per --delay,
    failures are retried with growing waits, and rate limits are honoured (a 429 waits what
    Retry-After or the platform's rate-limit reset says, up to --max-wait). A URL that fails
    (an unknown, suspended or private account, a server error, malformed JSON, an endless
    pager) is recorded in the cursors file with its reason, and the run goes on.

    Exit status: 0 every URL fetched; 1 some URL failed or a post could not be read (the rest is
    stored); 2 bad usage; 130 interrupted.
    """
    targets = _checked(urls)
    options = options_from(politeness)
    report = run_fetch(
        lambda bar: fetch_posts(targets, out=out, options=options, max_pages=max_pages, appview=bluesky_appview, progress=bar),
        out,
        quiet,
    )
    if not quiet:
        warn_skips([s for s in report.skipped if s.is_fault])
    echo_fetch_report(report.warnings, report.failed, format_posts_summary(report, out), ok=report.ok, quiet=quiet)
