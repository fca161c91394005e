"""How dupfeed meets hostile input: each input is generated in a temporary folder and scanned by
``dupfeed scan`` in its own process; prints the outcome (exit status and the line that names the
input), the wall time and the process's peak memory (max RSS).

    python benchmarks/hostile_input.py [--only NAME...]

The zip bomb is the one of issue 11: a 3 MB zip of six 500 MiB members (generating it takes a
few seconds: 3 GB of zeros are compressed, a chunk at a time).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIB = 1 << 20
POST = {"id": "1", "text": "A walk in the rain taught me patience.", "author": "ann", "created_at": "2024-05-01T09:00:00Z"}


def good(folder: Path) -> Path:
    path = folder / "good.jsonl"
    path.write_text(json.dumps(POST) + "\n", encoding="utf-8")
    return path


def zip_bomb(folder: Path) -> list[str]:
    path = folder / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for i in range(6):
            with archive.open(f"data/tweets-part{i}.js", "w", force_zip64=True) as member:
                chunk = bytes(16 * MIB)
                for _ in range(500 // 16):
                    member.write(chunk)
                member.write(bytes(4 * MIB))
    return [str(good(folder)), str(path)]


def tar_bomb(folder: Path) -> list[str]:
    path = folder / "archive.tar.gz"
    size = 2048 * MIB
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("outbox.json")
        info.size = size
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # a child writes the zeros, so the parent streams them through tarfile
            os.close(read)
            with os.fdopen(write, "wb") as out:
                for _ in range(size // (16 * MIB)):
                    out.write(bytes(16 * MIB))
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as source:
            archive.addfile(info, source)
        os.waitpid(pid, 0)
    return [str(good(folder)), str(path)]


def many_members(folder: Path) -> list[str]:
    path = folder / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(250_000):
            archive.writestr(f"m{i}.txt", b"")
    return [str(good(folder)), str(path)]


def truncated_zip(folder: Path) -> list[str]:
    whole = folder / "whole.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/tweets.js", "window.YTD.tweets.part0 = [" + os.urandom(200_000).hex() + "]")
    path = folder / "truncated.zip"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])  # a download cut short
    return [str(good(folder)), str(path)]


def climbing_names(folder: Path) -> list[str]:
    path = folder / "climb.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../evil.jsonl", json.dumps(POST) + "\n")
        archive.writestr("/etc/cron.d/evil.jsonl", json.dumps(POST) + "\n")
        archive.writestr("posts.jsonl", json.dumps(POST) + "\n")
    return [str(path)]


def symlink_out(folder: Path) -> list[str]:
    sources = folder / "sources"
    sources.mkdir()
    (sources / "article.txt").write_text("An article of our own.\n", encoding="utf-8")
    (sources / "passwd.txt").symlink_to("/etc/passwd")
    return [str(good(folder)), "--sources", str(sources)]


def entity_bomb(folder: Path) -> list[str]:
    path = folder / "feed.xml"
    shutil.copy(ROOT / "tests" / "fixtures" / "feeds" / "bomb.xml", path)
    return [str(good(folder)), str(path)]


def nested_json(folder: Path) -> list[str]:
    path = folder / "deep.jsonl"
    path.write_bytes(b"[" * 1_000_000 + b"]" * 1_000_000 + b"\n" + json.dumps(POST).encode() + b"\n")
    return [str(path)]


def long_post(folder: Path) -> list[str]:
    path = folder / "long.jsonl"
    rows = [{**POST, "id": "230k", "text": ("word " * 46_000)}, {**POST, "id": "1M+1", "text": "x" * 1_000_001}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return [str(path)]


def huge_csv_cell(folder: Path) -> list[str]:
    path = folder / "posts.csv"
    path.write_text('id,text,author,created_at\n1,"' + "x" * 3_000_000 + '",ann,2024-05-01\n2,fine post,ann,2024-05-01\n')
    return [str(path)]


def folder_with_stray_file(folder: Path) -> list[str]:
    drop = folder / "drop"
    drop.mkdir()
    good(drop)
    (drop / "passwords.kdbx").write_bytes(b"\x03\xd9\xa2\x9a")
    return [str(drop)]


INPUTS: dict[str, tuple[str, Callable[[Path], list[str]]]] = {
    "zip-bomb": ("3 MB zip of six 500 MiB members, beside a good JSONL", zip_bomb),
    "tar-bomb": ("2 MB tar.gz of one 2 GiB member, beside a good JSONL", tar_bomb),
    "many-members": ("24 MB zip of 250,000 empty members, beside a good JSONL", many_members),
    "truncated-zip": ("truncated zip beside a good JSONL", truncated_zip),
    "climbing-names": ("zip members ../../evil.jsonl and /etc/cron.d/evil.jsonl", climbing_names),
    "symlink-out": ("sources folder with passwd.txt -> /etc/passwd", symlink_out),
    "entity-bomb": ("feed with a billion-laughs DOCTYPE, beside a good JSONL", entity_bomb),
    "nested-json": ("JSONL line nested 1,000,000 deep", nested_json),
    "long-posts": ("posts of 230,000 and 1,000,001 characters", long_post),
    "huge-csv-cell": ("CSV cell of 3,000,000 characters", huge_csv_cell),
    "stray-file": ("drop folder with a JSONL and a file that is no export", folder_with_stray_file),
}


def run(args: list[str]) -> tuple[int, str, float, int]:
    """Exit status, stderr, seconds, peak RSS in bytes of ``dupfeed scan args``."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "dupfeed", "scan", *args, "-f", "jsonl"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stderr is not None
    err = process.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, err, elapsed, usage.ru_maxrss * 1024


def outcome(code: int, err: str, folder: Path) -> str:
    lines = [line.replace(str(folder) + "/", "") for line in err.splitlines() if line.strip()]
    named = [line for line in lines if line.startswith(("warning:", "Error:"))]
    summary = next((line for line in lines if " posts against " in line), "")
    shown = "; ".join(named[:2]) or summary
    if "Traceback" in err:
        shown = "TRACEBACK " + lines[-1]
    return f"exit {code}: {shown}" + (f" | {summary.split(':', 1)[0]}" if summary and named else "")


def made(name: str, folder: Path) -> list[str]:
    """The input made by a process of its own: the memory it takes to generate (a zip writer
    keeps every entry) must not count in the peak of the scan forked after it."""
    out = subprocess.run(
        [sys.executable, __file__, "--make", name, str(folder)], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(INPUTS), metavar="NAME")
    parser.add_argument("--make", nargs=2, metavar=("NAME", "FOLDER"), help=argparse.SUPPRESS)
    given = parser.parse_args()
    if given.make:
        print(json.dumps(INPUTS[given.make[0]][1](Path(given.make[1]))))
        return
    chosen = given.only or list(INPUTS)
    print("| input | outcome | time | peak memory | size on disk |")
    print("|---|---|---|---|---|")
    for name in chosen:
        description, _ = INPUTS[name]
        with tempfile.TemporaryDirectory(prefix=f"hostile-{name}-") as tmp:
            folder = Path(tmp)
            args = made(name, folder)
            size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
            code, err, seconds, peak = run(args)
            print(
                f"| {name}: {description} | {outcome(code, err, folder)} | {seconds:.2f} s | "
                f"{peak / MIB:.0f} MiB | {size / MIB:.1f} MiB |"
            )


if __name__ == "__main__":
    main()
