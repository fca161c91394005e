"""The installed distribution's version, read once from its metadata (pyproject.toml is the one place it is written)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dupfeed")
except PackageNotFoundError:  # a source checkout on sys.path, never installed
    __version__ = "0+unknown"
