"""Files replaced whole or not at all, and the lock that keeps one writer per file."""

from __future__ import annotations

import os
import sys

import pytest

from dupfeed.files import lock, replaced, write_whole


def test_a_replaced_file_is_left_as_it_was_when_writing_fails(tmp_path):
    path = tmp_path / "report.json"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), replaced(path) as out:
        out.write("half of the new")
        raise RuntimeError("killed")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"], "no temporary file is left behind"


def test_a_file_written_whole_holds_the_text_and_is_readable_by_others(tmp_path):
    path = tmp_path / "report.md"
    write_whole(path, "été\n")
    assert path.read_text(encoding="utf-8") == "été\n"
    assert path.stat().st_mode & 0o777 == 0o644


@pytest.mark.skipif(sys.platform == "win32", reason="no flock")
def test_a_locked_file_is_refused_to_a_second_writer_until_released(tmp_path):
    path = tmp_path / "store.lock"
    first, second = (os.open(path, os.O_RDWR | os.O_CREAT) for _ in range(2))
    try:
        assert lock(first)
        assert not lock(second, wait=0.3)
        os.close(first)
        assert lock(second)
    finally:
        os.close(second)
