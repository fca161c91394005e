"""The persistent store behind ``dupfeed db`` and ``dupfeed nightly``: one SQLite file."""

from .db import StoreBusy, StoreError
from .store import Added, Scored, Store, finding_from_dict

__all__ = ["Added", "Scored", "Store", "StoreBusy", "StoreError", "finding_from_dict"]
