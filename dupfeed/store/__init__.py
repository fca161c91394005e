"""The persistent store behind ``dupfeed db`` and ``dupfeed nightly``: one SQLite file."""

from .db import StoreBusy, StoreError
from .queries import RunInterrupted
from .store import Added, Scored, Store, finding_from_dict

__all__ = ["Added", "RunInterrupted", "Scored", "Store", "StoreBusy", "StoreError", "finding_from_dict"]
