"""The persistent stores behind ``dupfeed db`` and ``dupfeed nightly``: one SQLite file (the
default), or Parquet datasets in a folder or at a URL, scored in this process or on Dask."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import OptionsError
from ..options import Options
from .db import StoreBusy, StoreError
from .partitioned import PartitionedStore, is_partitioned
from .queries import RunInterrupted
from .store import Added, Scored, Store, finding_from_dict

ENGINES = ("local", "dask")


def open_store(
    path: str | os.PathLike,
    *,
    options: Options | None = None,
    write: bool = True,
    create: bool = True,
    wait: float = 0.0,
    jobs: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
) -> Store | PartitionedStore:
    """The store ``--db`` names: a partitioned store for a folder or a URL (a path ending with
    ``/`` is a new folder), else an SQLite file. ``engine`` says where a partitioned store's
    steps run (``dask``: on the cluster at ``scheduler``, or a ``LocalCluster`` of ``jobs``
    workers); an SQLite store scores in ``jobs`` processes of this machine.

    Raises:
        OptionsError: the dask engine asked of an SQLite store.
    """
    if is_partitioned(path):
        return PartitionedStore(
            str(path), options=options, write=write, create=create, wait=wait, engine=engine, scheduler=scheduler, jobs=jobs
        )
    if engine != "local" or scheduler:
        raise OptionsError(f"{path}: the dask engine runs over a partitioned store: give --db a folder (ending with /) or a URL")
    return Store(Path(path), options=options, write=write, create=create, wait=wait, jobs=jobs)


__all__ = [
    "ENGINES",
    "Added",
    "PartitionedStore",
    "RunInterrupted",
    "Scored",
    "Store",
    "StoreBusy",
    "StoreError",
    "finding_from_dict",
    "is_partitioned",
    "open_store",
]
