"""What ``sources fetch`` and ``posts fetch`` share: the politeness options and the
:class:`FetchOptions` they make, and the lines that tell what failed."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from ..errors import DupfeedError, OptionsError
from ..fetch import Failed, FetchOptions
from .common import ProgressBar, capped_warnings, progress_bar

R = TypeVar("R")
BAR_FROM = 10
"""Fewer URLs than this finish before a progress bar would tell anything."""

_OPTIONS = [
    click.option(
        "--user-agent", help="User-Agent header, also the name matched in robots.txt [default: dupfeed/<version> (+URL)]."
    ),
    click.option(
        "--timeout", type=click.FloatRange(0, min_open=True), help="Seconds to wait for a connection or for data [default: 10]."
    ),
    click.option(
        "--retries",
        type=click.IntRange(0, 10),
        help="Retries after a timeout, a dropped connection, a 429 or a 5xx [default: 2].",
    ),
    click.option(
        "--backoff", type=click.FloatRange(0), help="Seconds before the first retry, doubled at each next one [default: 1]."
    ),
    click.option(
        "--delay",
        type=click.FloatRange(0),
        help="Seconds between two requests to one host [default: 1; more if robots.txt asks].",
    ),
    click.option("--concurrency", type=click.IntRange(1, 32), help="Requests in flight at once, over all hosts [default: 4]."),
    click.option("--max-bytes", type=click.IntRange(1024), help="Largest response read, in bytes [default: 5000000]."),
    click.option("--max-redirects", type=click.IntRange(0, 20), help="Redirects followed per request [default: 5]."),
    click.option(
        "--max-wait",
        type=click.FloatRange(0),
        help="Longest wait before a retry, in seconds, whatever a backoff, a Retry-After or a rate-limit reset asks [default: 30].",
    ),
]
NAMES = ("user_agent", "timeout", "retries", "backoff", "delay", "concurrency", "max_bytes", "max_redirects", "max_wait")


def fetch_options(*, without: tuple[str, ...] = ()) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator adding the politeness options (``--user-agent``, ``--timeout``, ``--retries``,
    ``--backoff``, ``--delay``, ``--concurrency``, ``--max-bytes``, ``--max-redirects``,
    ``--max-wait``) to a command, but those named in ``without`` (a command they mean nothing to)."""

    def add(command: Callable[..., Any]) -> Callable[..., Any]:
        for name, option in reversed(list(zip(NAMES, _OPTIONS))):
            if name not in without:
                command = option(command)
        return command

    return add


def options_from(given: dict[str, Any]) -> FetchOptions:
    """The FetchOptions of the values given (None: the default); a bad value is bad usage.

    Pops the politeness options out of ``given`` (a command's keyword arguments)."""
    values = {name: given.pop(name, None) for name in NAMES}
    if values["timeout"] is not None:
        values["total_timeout"] = max(60.0, 6 * values["timeout"])
    try:
        return FetchOptions(**{k: v for k, v in values.items() if v is not None})
    except OptionsError as err:
        raise click.UsageError(str(err)) from None


def _failure(failed: Failed) -> str:
    detail = f" ({failed.detail})" if failed.detail else ""
    kind = "" if failed.kind == "page" else f"{failed.kind} "
    return f"{kind}{failed.url}: {failed.reason}{detail}"


def format_failures(failed: Sequence[Failed]) -> str:
    """One warning line per failed URL (at most 20), with its reason and detail."""
    return capped_warnings(failed, _failure, "failed")


def format_reasons(title: str, reasons: Counter) -> list[str]:
    """``title`` and one line per reason with its count, most frequent first (none: nothing)."""
    counted = reasons.most_common()
    if not counted:
        return []
    width = max(len(reason) for reason, _ in counted)
    return [title, *(f"  {reason:<{width}}  {count:>5}" for reason, count in counted)]


def run_fetch(fetch: Callable[[ProgressBar], R], out: Path, quiet: bool) -> R:
    """Run ``fetch`` (given the progress bar) to its report: Ctrl-C exits 130 saying that what
    was fetched is in ``out``; a DupfeedError exits 1 with its one line."""
    bar = progress_bar(quiet, "fetching", at_least=BAR_FROM)
    try:
        return fetch(bar)
    except KeyboardInterrupt:
        bar.close()
        click.echo(f"\ninterrupted: every record fetched so far is in {out}", err=True)
        sys.exit(130)
    except DupfeedError as err:
        raise click.ClickException(str(err)) from None
    finally:
        bar.close()


def echo_fetch_report(warnings: Sequence[str], failed: Sequence[Failed], summary: str, *, ok: bool, quiet: bool) -> None:
    """The end of a fetch command: warnings, failed URLs and the summary on stderr (unless
    ``quiet``), then exit 1 unless ``ok``."""
    if not quiet:
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(format_failures(failed), err=True, nl=False)
        click.echo(summary, err=True, nl=False)
    if not ok:
        sys.exit(1)
