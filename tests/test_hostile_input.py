"""Hostile input refused cheaply: zip and tar bombs before they are decompressed, in bounded
memory; symbolic links out of a sources folder; and a bad input among good ones named while the
good ones are read. Files are generated small on disk (members of zeros, streamed)."""

from __future__ import annotations

import io
import json
import os
import tarfile
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from conftest import post_row, write_jsonl

from dupfeed import InputError
from dupfeed.cli import main
from dupfeed.readers import archive as archive_module
from dupfeed.readers.archive import Archive
from dupfeed.readers.exports import read_export
from dupfeed.readers.sources import read_sources

MIB = 1 << 20


def zip_of_zeros(path: Path, members: dict[str, int]) -> Path:
    """A zip whose members are so many bytes of zeros, compressed a chunk at a time."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, size in members.items():
            with archive.open(name, "w", force_zip64=True) as member:
                for _ in range(size // MIB):
                    member.write(bytes(MIB))
    return path


def tar_of_zeros(path: Path, name: str, size: int) -> Path:
    class Zeros(io.RawIOBase):
        def __init__(self) -> None:
            self.left = size

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[override]
            n = min(len(buffer), self.left)
            buffer[:n] = bytes(n)
            self.left -= n
            return n

    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(name)
        info.size = size
        archive.addfile(info, io.BufferedReader(Zeros()))
    return path


def test_zip_of_huge_members_is_refused_when_opened_in_bounded_memory(tmp_path):
    bomb = zip_of_zeros(tmp_path / "export.zip", {f"data/tweets-part{i}.js": 64 * MIB for i in range(6)})
    assert bomb.stat().st_size < 2 * MIB
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"export\.zip:data/tweets-part0\.js: 64 MiB when decompressed, over 100 times"):
            read_export(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MIB


def test_tar_gz_bomb_is_refused_at_its_first_header(tmp_path):
    bomb = tar_of_zeros(tmp_path / "archive.tar.gz", "outbox.json", 256 * MIB)
    assert bomb.stat().st_size < MIB
    with pytest.raises(InputError, match=r"archive\.tar\.gz: members of 256 MiB in all when decompressed, over 100 times"):
        Archive(bomb)


def test_large_members_an_export_does_not_read_do_not_refuse_it(tmp_path, monkeypatch):
    monkeypatch.setattr(archive_module, "MAX_MEMBER_BYTES", 8 * MIB)
    outbox = (Path(__file__).parent / "fixtures" / "mastodon" / "outbox.json").read_bytes()
    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("outbox.json", outbox)
        archive.writestr("media_attachments/files/video.mp4", os.urandom(9 * MIB))  # over the cap
        archive.writestr("media_attachments/files/blank.bmp", bytes(64 * MIB))  # compresses 1,000 times
    assert len(read_export(path).records) == len(read_export(_one_file(tmp_path, outbox)).records) > 0


def _one_file(tmp_path: Path, outbox: bytes) -> Path:
    path = tmp_path / "outbox.json"
    path.write_bytes(outbox)
    return path


def test_small_member_that_compresses_well_is_read(tmp_path):
    path = tmp_path / "posts.zip"
    rows = [post_row(str(i), "same words again and again " * 20) for i in range(2000)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("posts.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    assert len(read_export(path).records) == 2000


def test_bomb_among_good_exports_is_named_and_the_rest_scanned(runner, tmp_path):
    good = write_jsonl(tmp_path / "good.jsonl", [post_row("1", "a post about gardening in the rain")])
    bomb = zip_of_zeros(tmp_path / "bomb.zip", {"outbox.json": 64 * MIB})
    result = runner.invoke(main, ["scan", str(good), str(bomb), "-f", "jsonl"])
    assert result.exit_code == 1
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["1"]
    assert f"warning: {bomb}:outbox.json: skipped: unreadable export (64 MiB when decompressed" in result.stderr


def test_symlink_out_of_a_sources_folder_is_not_read(runner, tmp_path):
    posts = write_jsonl(tmp_path / "posts.jsonl", [post_row("1", "a post about gardening in the rain")])
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "article.txt").write_text("An article of our own about batteries.\n", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (folder / "passwd.txt").symlink_to(secret)
    (folder / "same.txt").symlink_to(folder / "article.txt")  # a link inside the folder is read
    read = read_sources(folder)
    assert sorted(s.id for s in read.records) == ["article.txt", "same.txt"]
    assert [(s.path, s.reason, s.detail) for s in read.skipped] == [
        (str(folder / "passwd.txt"), "link out of the folder", f"leads to {secret}")
    ]
    result = runner.invoke(main, ["scan", str(posts), "--sources", str(folder), "-f", "jsonl"])
    assert result.exit_code == 1
    assert f"warning: {folder / 'passwd.txt'}: skipped: link out of the folder" in result.stderr


@pytest.mark.parametrize(
    "member, data, message",
    [
        ("posts.jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n", "posts.jsonl:1: skipped: malformed JSON (nested too deeply)"),
        ("data/tweets.js", b"window.YTD.tweets.part0 = " + b"[" * 100_000, "truncated or malformed JSON (nested too deeply)"),
        ("outbox.json", b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "outbox.json:1: malformed JSON: nested too deeply"),
    ],
    ids=["jsonl", "x", "mastodon"],
)
def test_json_nested_too_deeply_is_one_clear_line_not_a_traceback(runner, tmp_path, member, data, message):
    folder = tmp_path / "export"
    (folder / member).parent.mkdir(parents=True)
    (folder / member).write_bytes(data)
    result = runner.invoke(main, ["scan", str(folder), "-f", "jsonl"])
    assert result.exit_code == 1 and message in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_zip_of_too_many_members_is_refused_from_its_end_record(tmp_path, monkeypatch):
    monkeypatch.setattr(archive_module, "MAX_MEMBERS", 60_000)
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:  # over 65,535 entries: the count is in the Zip64 record
        for i in range(70_000):
            archive.writestr(f"m{i}.txt", b"")
    parsed = []
    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", lambda self: parsed.append(self))
    with pytest.raises(InputError, match=r"many\.zip: more than 60,000 members: refused"):
        Archive(path)
    assert parsed == [], "refused before its central directory is parsed"


def test_bomb_beside_posts_in_one_zip_is_named_and_the_posts_read(runner, tmp_path):
    path = tmp_path / "download.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("posts.jsonl", json.dumps(post_row("1", "a post about gardening in the rain")) + "\n")
        archive.writestr("junk.json", bytes(64 * MIB))
    result = runner.invoke(main, ["scan", str(path), "-f", "jsonl"])
    assert result.exit_code == 1
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["1"]
    assert f"warning: {path}:junk.json: skipped: unreadable export (64 MiB when decompressed, over 100 times" in result.stderr
