"""Shared fixtures: real files written to a temporary folder, export containers, and a click runner."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import tarfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath

import pytest
from click.testing import CliRunner

from dupfeed import Post, Source

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

ARTICLE = """Battery recycling start-up Voltcycle opens its first plant in Lyon

Voltcycle, a start-up founded in 2019 by two former engineers of a car maker, opened its first
industrial plant on Monday in the eastern suburbs of Lyon. The site will process twelve thousand
tonnes of used lithium-ion batteries each year and employ one hundred and forty people by 2026.

The company says its hydrometallurgical process recovers ninety-five percent of the cobalt,
nickel and lithium contained in the cells, while using forty percent less energy than the
furnaces that dominate the market today. Independent auditors have not yet verified that claim.

Regional officials welcomed the investment, which they described as the largest in the valley
since the closure of the old textile mills. Critics point out that the plant depends on a steady
flow of batteries from electric cars that are still young, and that few will reach the end of
their life before the next decade.
"""

PASSAGE = (
    "The company says its hydrometallurgical process recovers ninety-five percent of the cobalt,\n"
    "nickel and lithium contained in the cells, while using forty percent less energy than the\n"
    "furnaces that dominate the market today."
)

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def make_post(pid: str, text: str, author: str = "ann", hours: float = 0, **extra) -> Post:
    """A post ``hours`` after a fixed start."""
    return Post(id=pid, text=text, author=author, created_at=T0 + timedelta(hours=hours), **extra)


@pytest.fixture
def article() -> Source:
    return Source(
        id="voltcycle.txt",
        text=ARTICLE,
        url="https://www.techdaily.example/news/voltcycle-lyon/",
        title="Battery recycling start-up Voltcycle opens its first plant in Lyon",
        site_name="TechDaily",
    )


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def sources(tmp_path) -> Path:
    """A folder of source articles holding ``voltcycle.txt`` (:data:`ARTICLE`)."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "voltcycle.txt").write_text(ARTICLE, encoding="utf-8")
    return folder


def write_jsonl(path: Path, rows: list) -> Path:
    """Rows as JSON Lines; a str row is written as is (to plant malformed lines)."""
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def post_row(pid: str, text: str, author: str = "ann", created_at: str = "2024-05-01T09:00:00Z", **extra) -> dict:
    return {"id": pid, "text": text, "author": author, "created_at": created_at, **extra}


EXPORT_FORMS = ["zip", "tar.gz", "folder", "file"]


def make_export(tmp_path: Path, name: str, files: dict[str, bytes], form: str) -> Path:
    """An export as a user may hold it, so every reader is tested on the containers it meets.

    ``form`` is one of ``EXPORT_FORMS``: ``name.zip``, an old-style ``name.tar.gz``, the unpacked
    folder ``name``, or ``file``: the first member alone, as a plain file named like the member.
    ``files`` maps member paths (``/``-separated) to their bytes, in archive order.
    """
    if form == "zip":
        path = tmp_path / f"{name}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, data in files.items():
                archive.writestr(member, data)
    elif form == "tar.gz":
        path = tmp_path / f"{name}.tar.gz"
        with tarfile.open(path, "w:gz") as archive:
            for member, data in files.items():
                info = tarfile.TarInfo(member)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    elif form == "folder":
        path = tmp_path / name
        path.mkdir()
        for member, data in files.items():
            (path / member).parent.mkdir(parents=True, exist_ok=True)
            (path / member).write_bytes(data)
    elif form == "file":
        member, data = next(iter(files.items()))
        path = tmp_path / PurePosixPath(member).name
        path.write_bytes(data)
    else:
        raise ValueError(f"unknown export form {form!r}: expected one of {EXPORT_FORMS}")
    return path


# A post and its reworded repost, shared by the platform readers' end-to-end tests.
HABITS = (
    "Five habits that made my writing better this year: write every morning before checking email, "
    "keep a list of the questions readers actually ask, cut the first paragraph of every draft, "
    "read the piece aloud before publishing, and never post a thread without a link to the full essay."
)
HABITS_AGAIN = (
    "Still true a week later. Five habits that made my writing better this year: write every morning "
    "before opening email, keep a list of the questions readers really ask, cut the first paragraph of "
    "each draft, read the piece aloud before publishing, and never post a thread without linking the full essay."
)


def at(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


def kill_when(command: list[str], ready) -> None:
    """Run ``command`` and SIGKILL it as soon as ``ready()`` is true (a real kill, mid-run)."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while process.poll() is None and not ready() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.poll() is None, "the run ended before it could be killed: make the feed bigger"
    process.send_signal(signal.SIGKILL)
    process.wait()
