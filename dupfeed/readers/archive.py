"""A read-only, safe view of an export as downloaded: a zip, a tar(.gz), a folder or one file.

Archives come from strangers. Members are read into memory, never extracted to the paths they
name; names that climb out (``../``) or are absolute are refused, and so are symbolic links in a
folder. A zip bomb is refused before it is decompressed, from the sizes the archive declares:
a zip of more than :data:`MAX_MEMBERS` members when it is opened; a member read that is larger
than :data:`MAX_MEMBER_BYTES`, more than :data:`MAX_RATIO` times its compressed size (text
compresses 5 to 20 times; a bomb 1,000 times), or would take the bytes read past
:data:`MAX_TOTAL_BYTES`. A tar declares its sizes member by member: it is refused as soon as
the headers read declare more than :data:`MAX_RATIO` times the file's size. Members are
decompressed a chunk at a time and the same caps hold on what comes out, should a header lie.
Memory stays bounded by the largest member accepted.
"""

from __future__ import annotations

import copy
import io
import json
import posixpath
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from ..errors import InputError
from ..records import Skip
from .common import parse_json
from .reasons import UNSAFE_MEMBER_NAME

Member = zipfile.ZipInfo | tarfile.TarInfo | Path
"""Where a member's bytes are: in the zip, in the tar, or a file of a folder."""

MAX_MEMBER_BYTES = 512 * 1024 * 1024
"""Largest member read (the biggest accounts' tweets.js run to a few hundred MiB)."""
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
"""Most bytes decompressed from one archive."""
MAX_RATIO = 100
"""Most times a member may be larger than it is compressed (for a tar: the members in all,
against the file), once it is over :data:`RATIO_FLOOR`."""
RATIO_FLOOR = 4 * 1024 * 1024
"""Size under which a member may compress any amount (a small file of blank lines does)."""
MAX_MEMBERS = 200_000
"""Most members of an archive (a Facebook download with every photo holds tens of thousands).
A zip's count is read from its end record before its directory is parsed: a zip of a million
empty members would take half a GiB to list."""
_CHUNK = 1 << 20


def _size(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):g} {unit}"
    return f"{n} bytes"


def _bomb(what: str, why: str) -> str:
    return f"{what} when decompressed, {why}: refused (zip bomb?)"


def root_above(member: str, folders: Iterable[str] = ()) -> str:
    """The folder of ``member`` as a prefix (``""`` at the top, else ``"a/b/"``), climbing past
    the folders named in ``folders`` (case-insensitive): the root of the export it belongs to
    (an X archive is the folder above ``data/``)."""
    names = {f.lower() for f in folders}
    parts = member.split("/")[:-1]
    while parts and parts[-1].lower() in names:
        parts.pop()
    return "".join(part + "/" for part in parts)


def _declared_entries(path: Path) -> int:
    """How many entries a zip's end of central directory record (or its Zip64 record) declares;
    0 when it cannot be found (zipfile then says what is wrong)."""
    with path.open("rb") as f:
        size = f.seek(0, io.SEEK_END)
        f.seek(max(size - (1 << 16) - 22, 0))
        tail = f.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return 0
        entries = int.from_bytes(tail[at + 10 : at + 12], "little")
        locator = tail.rfind(b"PK\x06\x07", 0, at)
        if entries != 0xFFFF or locator < 0:
            return entries
        f.seek(int.from_bytes(tail[locator + 8 : locator + 16], "little"))
        record = f.read(40)
        return int.from_bytes(record[32:40], "little") if record[:4] == b"PK\x06\x06" else entries


def _safe_name(name: str) -> str | None:
    """The member's normalised relative name, or None when it is absolute or climbs out."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = PurePosixPath(posixpath.normpath(name)).parts
    if not parts or parts[0] in ("..", ".") or ".." in parts:
        return None
    return "/".join(parts)


class Archive:
    """Members of an export by relative POSIX name, readable as bytes or UTF-8 text.

    Use as a context manager; ``skipped`` lists members refused for their names.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.skipped: list[Skip] = []
        self._read_total = [0]  # shared with the subsets: the cap is the whole archive's
        self._zip: zipfile.ZipFile | None = None
        self._tar: tarfile.TarFile | None = None
        self._members: dict[str, Member] = {}
        self._owner = True
        if not self.path.exists():
            raise InputError("no such file or folder", path=str(self.path))
        try:
            if self.path.is_dir():
                self._open_folder()
            elif zipfile.is_zipfile(self.path):
                self._open_zip()
            elif self._is_tar():
                self._open_tar()
            elif self.path.suffix.lower() == ".zip":
                raise InputError("not a valid zip archive (a truncated download?)", path=str(self.path))
            else:
                self._members = {self.path.name: self.path}
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as err:
            raise InputError(f"corrupt or unreadable archive ({err})", path=str(self.path)) from err

    def _is_tar(self) -> bool:
        return self.path.name.lower().endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz"))

    def _add(self, raw_name: str, handle: Member) -> None:
        name = _safe_name(raw_name)
        if name is None:
            self.skipped.append(Skip(str(self.path), None, UNSAFE_MEMBER_NAME, raw_name))
        else:
            self._members[name] = handle

    def _open_folder(self) -> None:
        for file in sorted(self.path.rglob("*")):
            if file.is_file() and not file.is_symlink():
                self._add(file.relative_to(self.path).as_posix(), file)

    def _open_zip(self) -> None:
        self._check_count(_declared_entries(self.path))
        self._zip = zipfile.ZipFile(self.path)
        infos = [info for info in self._zip.infolist() if not info.is_dir()]
        self._check_count(len(infos))
        for info in infos:
            self._add(info.filename, info)

    def _open_tar(self) -> None:
        self._tar = tarfile.open(self.path, mode="r:*")  # noqa: SIM115 - open until close()
        compressed = self.path.stat().st_size
        total = count = 0
        # Header by header, not getmembers(): a bomb is refused at its first huge header, before
        # its data is decompressed to reach the next one. A real archive's media do not compress:
        # its members in all are never 100 times the file.
        while (info := self._tar.next()) is not None:
            if not info.isfile():
                continue
            count += 1
            self._check_count(count)
            total += info.size
            if total > max(RATIO_FLOOR, MAX_RATIO * compressed):
                why = f"over {MAX_RATIO} times the archive's size"
                raise InputError(_bomb(f"members of {_size(total)} in all", why), path=str(self.path))
            self._add(info.name, info)

    def _check_count(self, count: int) -> None:
        if count > MAX_MEMBERS:
            raise InputError(f"more than {MAX_MEMBERS:,} members: refused", path=str(self.path))

    def _check_size(self, member: str, size: int, compressed: int | None, total: int) -> None:
        """Refuse a member of ``size`` bytes (``compressed`` in the zip), ``total`` read in all."""
        where = self.where(member)
        if isinstance(self._members[member], Path):
            if size > MAX_MEMBER_BYTES:
                raise InputError(f"file of {_size(size)}, over {_size(MAX_MEMBER_BYTES)}: refused", path=where)
            return
        if size > MAX_MEMBER_BYTES:
            raise InputError(_bomb(_size(size), f"over {_size(MAX_MEMBER_BYTES)}"), path=where)
        if compressed is not None and size > max(RATIO_FLOOR, MAX_RATIO * compressed):
            raise InputError(_bomb(_size(size), f"over {MAX_RATIO} times its compressed size"), path=where)
        if total > MAX_TOTAL_BYTES:
            why = f"over {_size(MAX_TOTAL_BYTES)} read in all"
            raise InputError(_bomb(f"members of {_size(total)}", why), path=str(self.path))

    def subset(self, names: Iterable[str]) -> Archive:
        """A view of some members of this archive (open while it is; closing it closes nothing)."""
        wanted = set(names)
        view = copy.copy(self)
        view.skipped = []
        view._members = {name: handle for name, handle in self._members.items() if name in wanted}
        view._owner = False
        return view

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if not self._owner:
            return
        if self._zip is not None:
            self._zip.close()
        if self._tar is not None:
            self._tar.close()

    @property
    def kind(self) -> str:
        return "zip" if self._zip else "tar" if self._tar else "folder" if self.path.is_dir() else "file"

    def members(self) -> list[str]:
        """Every readable member, by relative name, in archive order."""
        return list(self._members)

    def find(self, pattern: str) -> list[str]:
        """Members whose base name matches a glob ``pattern`` (case-insensitive), at any depth."""
        import fnmatch

        pattern = pattern.lower()
        return [m for m in self._members if fnmatch.fnmatch(m.rsplit("/", 1)[-1].lower(), pattern)]

    def where(self, member: str) -> str:
        """How messages name a member: ``archive.zip:member`` (just the path for one file)."""
        return str(self.path) if self.kind == "file" else f"{self.path}:{member}"

    def _stream(self, member: str) -> Iterator[bytes]:
        handle = self._members[member]
        try:
            # A zip or tar member exists only once its archive is open.
            if isinstance(handle, zipfile.ZipInfo) and self._zip is not None:
                with self._zip.open(handle) as zipped:
                    yield from iter(lambda: zipped.read(_CHUNK), b"")
            elif isinstance(handle, tarfile.TarInfo) and self._tar is not None:
                tarred = self._tar.extractfile(handle)
                if tarred is not None:
                    yield from iter(lambda: tarred.read(_CHUNK), b"")
            elif isinstance(handle, Path):
                with handle.open("rb") as f:
                    yield from iter(lambda: f.read(_CHUNK), b"")
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as err:
            raise InputError(f"corrupt member ({err})", path=self.where(member)) from err

    def read_head(self, member: str, size: int = 4096) -> bytes:
        """The first ``size`` bytes of a member (for cheap format detection)."""
        out = b""
        for chunk in self._stream(member):
            out += chunk
            if len(out) >= size:
                break
        return out[:size]

    def read_bytes(self, member: str) -> bytes:
        """A member's content, refused past the size caps: on the size it declares before it is
        decompressed, then on what comes out, chunk by chunk (a header may lie). Only members
        read are judged: an export's 2 GiB video is no reason to refuse its posts."""
        handle = self._members[member]
        compressed = handle.compress_size if isinstance(handle, zipfile.ZipInfo) else None
        if isinstance(handle, Path):
            try:
                declared = handle.stat().st_size
            except OSError as err:
                raise InputError(f"cannot read: {err.strerror or err}", path=self.where(member)) from err
        else:
            declared = handle.file_size if isinstance(handle, zipfile.ZipInfo) else handle.size
        self._check_size(member, declared, compressed, self._read_total[0] + declared)
        out = io.BytesIO()
        for chunk in self._stream(member):
            self._read_total[0] += len(chunk)
            self._check_size(member, out.tell() + len(chunk), compressed, self._read_total[0])
            out.write(chunk)
        return out.getvalue()

    def read_json(self, member: str) -> object:
        """A member parsed as JSON; malformed JSON is an InputError naming member and line."""
        try:
            return parse_json(self.read_text(member))
        except json.JSONDecodeError as err:
            raise InputError(f"malformed JSON: {err.msg}", path=self.where(member), line=err.lineno) from err

    def read_text(self, member: str, *, fallback: str | None = None) -> str:
        """A member as UTF-8 (BOM dropped); with ``fallback``, bytes that are not UTF-8 are
        decoded with that encoding instead (LinkedIn's Windows-1252 files)."""
        data = self.read_bytes(member)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            if fallback:
                return data.decode(fallback, errors="replace")
            line = data[: err.start].count(b"\n") + 1
            raise InputError(f"not UTF-8 (byte 0x{data[err.start]:02x})", path=self.where(member), line=line) from err
