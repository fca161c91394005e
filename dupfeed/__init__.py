"""dupfeed: find feed posts that copy a source article, an earlier post of their author, or
another author's post; how much, which passages, and whether they credit it."""

from ._version import __version__ as __version__  # re-exported; left out of __all__
from .engine.detector import Detector
from .errors import DupfeedError, InputError
from .options import Options
from .records import Finding, Match, Post, Skip, Source, Span
from .scan import ScanResult, Selection, scan_files
from .tuning import options_from

__all__ = [
    "Detector",
    "DupfeedError",
    "Finding",
    "InputError",
    "Match",
    "Options",
    "Post",
    "ScanResult",
    "Selection",
    "Skip",
    "Source",
    "Span",
    "options_from",
    "scan_files",
]
