"""What the ``dupfeed`` commands share: warnings for skipped records, output format and file."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import click

from ..readers.common import parse_datetime
from ..urls import is_web_url

_SUFFIX_FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
}
_MAX_WARNINGS = 20


def warn_skips(skips) -> None:
    """One warning line per skipped record on stderr (at most 20, then a count)."""
    for skip in skips[:_MAX_WARNINGS]:
        where = f"{skip.path}:{skip.line}" if skip.line else skip.path
        detail = f" ({skip.detail})" if skip.detail else ""
        click.echo(f"warning: {where}: skipped: {skip.reason}{detail}", err=True)
    if len(skips) > _MAX_WARNINGS:
        click.echo(f"warning: … and {len(skips) - _MAX_WARNINGS} more skipped records", err=True)


def choose_format(fmt: str | None, output: Path | None) -> str:
    """The format asked for, else the output file's suffix, else a table on a terminal."""
    if fmt:
        return fmt
    if output is not None:
        return _SUFFIX_FORMATS.get(output.suffix.lower(), "jsonl")
    return "table" if sys.stdout.isatty() else "jsonl"


def parse_day(value: str | None, option: str):
    """An ISO 8601 date option, or a usage error naming the option."""
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 date: {value!r}", param_hint=option) from None


def check_output(output: Path | None) -> None:
    """A usage error, before any work, when the output file's folder does not exist."""
    if output is not None and not output.parent.is_dir():
        raise click.BadParameter(f"folder {str(output.parent)!r} does not exist.", param_hint="'--output'")


def check_source_paths(values, hint: str) -> None:
    """A usage error, before any work, for a source that is neither a web page nor an existing path."""
    missing = [v for v in values if not is_web_url(v) and not Path(v).exists()]
    if missing:
        raise click.BadParameter(f"Path {missing[0]!r} does not exist.", param_hint=hint)


def progress_bar(quiet: bool, total: Callable[[], int], label: str):
    """A progress bar on stderr for a long run on a terminal (``total`` is counted only then), or
    a context giving None."""
    if quiet or not sys.stderr.isatty():
        return nullcontext()
    length = total()
    return click.progressbar(length=length, label=label, file=sys.stderr) if length >= 1000 else nullcontext()


def emit(text: str, output: Path | None) -> None:
    """Echo ``text``, or write it to ``output``."""
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        raise click.ClickException(f"{output}: cannot write: {err.strerror or err}") from None
