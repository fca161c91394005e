"""Where the partitioned store's steps run: in this process, or on a Dask cluster.

Both runners take the same calls: :meth:`submit` a step (its arguments may hold the handles
of earlier steps, or lists of them), :meth:`pick` a piece of a step's result (on a cluster, a
task of its own next to the result: only the piece moves to the step that reads it), and
:meth:`results` of some steps as they finish.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ...errors import DupfeedError
from .steps import pick


class LocalRunner:
    """Steps run at once, in this process, in the order submitted."""

    workers = 1

    def submit(self, step: Callable[..., Any], *args: Any) -> Any:
        return step(*args)

    def pick(self, handle: Any, *path: Any) -> Any:
        return pick(handle, *path)

    def results(self, handles: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        yield from enumerate(handles)

    def close(self) -> None:
        """Nothing to stop."""


class DaskRunner:
    """Steps run as tasks on a Dask cluster: the scheduler at ``address``, or a
    ``LocalCluster`` of ``workers`` processes (default: this machine's cores) started for the
    run. A worker lost mid-run has its tasks run again elsewhere (every step is deterministic
    and writes only files of its own, so a task run twice writes the same bytes)."""

    def __init__(self, address: str | None = None, *, workers: int | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise DupfeedError("the dask engine needs dask's distributed scheduler: pip install 'dupfeed[dask]'") from None
        self._cluster = None
        try:
            if address:
                self.client = Client(address, timeout=30)
            else:
                count = workers or os.cpu_count() or 1
                self._cluster = LocalCluster(
                    n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
                )
                self.client = Client(self._cluster)
        except (OSError, ValueError, TimeoutError) as err:  # unreachable, or not an address
            self.close()
            raise DupfeedError(f"cannot reach the Dask scheduler {address or '(local cluster)'}: {err}") from None
        self.workers = len(self.client.scheduler_info().get("workers", {})) or 1

    def submit(self, step: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(step, *args, pure=False)

    def pick(self, handle: Any, *path: Any) -> Any:
        if len(path) == 1 and not isinstance(path[0], str):
            return self.client.submit(operator.getitem, handle, path[0], pure=False)
        return self.client.submit(pick, handle, *path, pure=False)

    def results(self, handles: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        """Each step's result as it finishes. A task the cluster gave up on (its workers died
        while running it, ``distributed.scheduler.allowed-failures`` times), or cancelled when
        the scheduler went away, is one :class:`DupfeedError`: what the run committed before
        stays, and a rerun does the rest."""
        from concurrent.futures import CancelledError

        from distributed.scheduler import KilledWorker

        try:
            yield from self._results(handles)
        except KilledWorker as err:
            last = getattr(err.last_worker, "address", err.last_worker)
            tries = err.allowed_failures + 1
            raise DupfeedError(
                f"the Dask cluster gave up on a task: {'every worker' if tries > 1 else 'the worker'} that ran {err.task!r}"
                f" died ({tries} tried, the last {last}); what the run committed is kept: run it again"
            ) from None
        except CancelledError as err:
            why = str(err).splitlines()[0] if str(err) else "no reason given"
            raise DupfeedError(f"the Dask cluster cancelled a task (was its scheduler lost?): {why}; run it again") from None

    def _results(self, handles: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed

        place = {h.key: i for i, h in enumerate(handles)}
        # On this client's own event loop (as_completed takes the process's default client's,
        # which in a process of two clients is the other one's: a future's event then waits on
        # one loop and is set from another, and a result refetched after a worker is lost is
        # never seen); each result fetched once its task is done, one at a time, not all at once
        # (with_results=True: dask/distributed#7331). Both hung here with a worker killed.
        for future in as_completed(list(handles), loop=self.client.loop):
            yield place[future.key], future.result()

    def close(self) -> None:
        client, cluster = getattr(self, "client", None), self._cluster
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def make_runner(engine: str, scheduler: str | None = None, workers: int | None = None) -> LocalRunner | DaskRunner:
    """The runner ``--engine`` names."""
    if engine == "dask":
        return DaskRunner(scheduler, workers=workers)
    return LocalRunner()
