"""A run's life, the same in either store: begun, then ended as ok, interrupted or failed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from ..errors import DupfeedError
from .queries import RunInterrupted


class RunLifecycle:
    """:meth:`running`, over a store's ``begin_run``, ``run_kept`` and ``finish_run``."""

    def begin_run(self, command: str) -> int:
        raise NotImplementedError

    def run_kept(self, run: int) -> dict[str, int]:
        raise NotImplementedError

    def finish_run(self, run: int, status: str, stats: dict[str, Any], *, reported: Sequence[int] = ()) -> None:
        raise NotImplementedError

    @contextmanager
    def running(self, command: str) -> Iterator[int]:
        """A run from :meth:`begin_run` to its end, which the body records with :meth:`finish_run`.

        Ctrl-C inside marks the run ``interrupted`` with what it committed (a rerun finishes the
        rest) and raises :class:`RunInterrupted` saying so; any other error marks it ``failed``.
        Either way it is never left ``running``.
        """
        run = self.begin_run(command)
        try:
            yield run
        except KeyboardInterrupt:
            kept = self.run_kept(run)
            self.finish_run(run, "interrupted", kept)
            raise RunInterrupted(run, kept) from None
        except BaseException:
            with suppress(OSError, DupfeedError, *self._store_errors()):  # the store itself may be what failed
                self.finish_run(run, "failed", self.run_kept(run))
            raise

    @staticmethod
    def _store_errors() -> tuple[type[BaseException], ...]:
        """The errors of the store's own machinery, besides DupfeedError and OSError."""
        return ()
