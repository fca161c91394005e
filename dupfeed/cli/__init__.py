"""The command line (click only): parse, call one library function, format, exit."""

from .main import main

__all__ = ["main"]
