"""What the ``dupfeed`` commands share: capped warnings, the progress bar, output format and file."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Self, TypeVar

import click

from ..readers.common import parse_datetime
from ..records import Skip
from ..report.formats import terminal_safe
from ..urls import is_web_url

if TYPE_CHECKING:  # the type click.progressbar() returns; click exports it nowhere else
    from click._termui_impl import ProgressBar as ClickBar

T = TypeVar("T")

_SUFFIX_FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
    ".txt": "table",  # plain text for a person: the table, as a terminal shows it
}
MAX_WARNINGS = 20
"""Warning lines of one kind shown on stderr; past them, a count (the summary has them all)."""


def capped_warnings(items: Sequence[T], describe: Callable[[T], str], more: str) -> str:
    """A ``warning:`` line for each of the first :data:`MAX_WARNINGS` items, then one counting
    the rest (``warning: … and 3 more <more>``)."""
    lines = [f"warning: {terminal_safe(describe(item), keep_newlines=False)}" for item in items[:MAX_WARNINGS]]
    if len(items) > MAX_WARNINGS:
        lines.append(f"warning: … and {len(items) - MAX_WARNINGS} more {more}")
    return "".join(line + "\n" for line in lines)


def _skipped(skip: Skip) -> str:
    where = f"{skip.path}:{skip.line}" if skip.line else skip.path
    detail = f" ({skip.detail})" if skip.detail else ""
    return f"{where}: skipped: {skip.reason}{detail}"


def warn_skips(skips: Sequence[Skip], *, quiet: bool = False) -> None:
    """One warning line per skipped record on stderr (at most 20, then a count); ``quiet``, the
    one line that explains the exit status (a cron job's mail should say why it failed)."""
    if not skips:
        return
    if quiet:
        more = f" and {len(skips) - 1} more" if len(skips) > 1 else ""
        click.echo(f"Error: {terminal_safe(_skipped(skips[0]), keep_newlines=False)}{more} (without --quiet: each one)", err=True)
    else:
        click.echo(capped_warnings(skips, _skipped, "skipped records"), err=True, nl=False)


def choose_format(fmt: str | None, output: Path | None) -> str:
    """The format asked for, else the output file's suffix (``.txt`` is the table), else a
    table on a terminal; a usage error for a suffix that names no format (never a guess)."""
    if fmt:
        return fmt
    if output is not None:
        chosen = _SUFFIX_FORMATS.get(output.suffix.lower())
        if chosen is None:
            known = ", ".join(_SUFFIX_FORMATS)
            raise click.BadParameter(
                f"no format is known by the name {output.name!r}: give --format, or end it with one of {known}.",
                param_hint="'--output'",
            )
        return chosen
    return "table" if sys.stdout.isatty() else "jsonl"


def parse_day(value: str | None, option: str):
    """An ISO 8601 date option, or a usage error naming the option."""
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 date: {value!r}", param_hint=option) from None


def check_output(output: Path | None, inputs: Sequence[str | Path] = ()) -> None:
    """A usage error, before any work, when the output file's folder does not exist, or when
    the output is one of the ``inputs`` (a report written over the export it reads)."""
    if output is None:
        return
    if not output.parent.is_dir():
        raise click.BadParameter(f"folder {str(output.parent)!r} does not exist.", param_hint="'--output'")
    for given in inputs:  # URLs among them exist as no file
        if output.exists() and Path(given).exists() and output.samefile(given):
            raise click.BadParameter(f"{str(output)!r} is an input: the report would replace it.", param_hint="'--output'")


def check_source_paths(values, hint: str) -> None:
    """A usage error, before any work, for a source that is neither a web page nor an existing path."""
    missing = [v for v in values if not is_web_url(v) and not Path(v).exists()]
    if missing:
        raise click.BadParameter(f"Path {missing[0]!r} does not exist.", param_hint=hint)


class ProgressBar:
    """A progress bar on stderr, opened once the total is known, and only when ``shown`` (a
    terminal, not quiet) and for at least ``at_least`` items (fewer are done before a bar would
    tell anything). Use as a context manager.

    Called as ``bar(done, total)`` (the callback of :func:`~dupfeed.scan.scan_files` and
    :func:`~dupfeed.fetch.fetch_sources`), or told :meth:`start` and then :meth:`advance`.
    Before the bar opens, :meth:`stage` shows what runs ("reading posts…") on one line that the
    next stage, or the bar, replaces: a terminal shows each stage from the start, and the
    bar, opened when the counted work starts, times only that work (its ETA is not skewed by
    the reading and indexing before it).
    """

    def __init__(self, label: str, *, at_least: int, shown: bool = True):
        self._label, self._at_least = label, at_least
        self.shown = shown
        self._bar: ClickBar[int] | None = None
        self._started = False
        self._done = 0
        self._status = False  # a stage line is on the terminal

    def stage(self, what: str) -> None:
        """Show that ``what`` is running, replacing the previous stage's line."""
        if self.shown and self._bar is None:
            sys.stderr.write(f"\r\x1b[K{what}…")
            sys.stderr.flush()
            self._status = True

    def _clear_stage(self) -> None:
        if self._status:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self._status = False

    def start(self, total: int) -> None:
        """Open the bar for ``total`` items, if it is shown and there are enough of them (once)."""
        if not self._started:
            self._started = True
            self._clear_stage()
            if self.shown and total >= self._at_least:
                self._bar = click.progressbar(length=total, label=self._label, file=sys.stderr)
                self._bar.__enter__()

    def advance(self, count: int) -> None:
        """``count`` more items done."""
        self._done += count
        if self._bar is not None:
            self._bar.update(count)

    def __call__(self, done: int, total: int) -> None:
        self.start(total)
        self.advance(done - self._done)

    def close(self) -> None:
        """End the bar's line (safe to call twice, or when no bar was shown)."""
        self._clear_stage()
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress_bar(quiet: bool, label: str, *, at_least: int = 1000) -> ProgressBar:
    """The progress bar of a run: shown on a terminal unless ``quiet``."""
    return ProgressBar(label, at_least=at_least, shown=not quiet and sys.stderr.isatty())


def emit(text: str, output: Path | None) -> None:
    """Echo ``text`` (control characters written out when it goes to a terminal, whatever the
    format), or write it to ``output`` as it is."""
    if output is None:
        click.echo(terminal_safe(text) if sys.stdout.isatty() else text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        raise click.ClickException(f"{output}: cannot write: {err.strerror or err}") from None


jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1),
    default=lambda: os.cpu_count() or 1,
    show_default="this machine's cores",
    help="Processes scoring posts at once; the findings and their order do not depend on it.",
)
