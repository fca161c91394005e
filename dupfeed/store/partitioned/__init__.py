"""The partitioned store: Parquet datasets in a folder or at an fsspec URL, its nightly run in
this process or on a Dask cluster, with the same findings as the SQLite store."""

from .layout import is_partitioned
from .store import PartitionedStore

__all__ = ["PartitionedStore", "is_partitioned"]
