"""CAR v1 files and the DAG-CBOR subset they hold: enough to read a Bluesky repository export.

A CAR v1 file is a varint-prefixed DAG-CBOR header ``{"roots": [CID], "version": 1}`` followed
by blocks, each ``varint(len) || CID || bytes``. Bluesky repositories store records and Merkle
Search Tree nodes as DAG-CBOR blocks (codec 0x71).

DAG-CBOR is CBOR restricted to definite lengths, string map keys, no tags but 42 (a CID) and
64-bit floats; the decoder below accepts that subset (and half/single floats, which cost nothing)
and refuses anything else with :class:`CarError`. It is self-contained on purpose: the PyPI
CBOR decoders would still leave CIDs, varints and the CAR framing to us, and an export from a
stranger is read with explicit limits (nesting depth, lengths checked against the bytes left),
so a malformed file fails with a message instead of a recursion or memory error.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterator
from dataclasses import dataclass

DAG_CBOR = 0x71
DAG_PB = 0x70
MAX_DEPTH = 128
"""Deepest nesting decoded; real records nest a dozen levels, a hostile block could nest millions."""

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class CarError(ValueError):
    """Bytes that are not a CAR v1 file or not DAG-CBOR; the reader names the file."""


@dataclass(frozen=True)
class CID:
    """A content identifier in its binary form; ``str()`` gives the usual text form
    (base32 ``b…`` for CIDv1, base58 ``Qm…`` for CIDv0)."""

    raw: bytes

    @property
    def codec(self) -> int:
        if self.raw[:2] == b"\x12\x20":
            return DAG_PB  # CIDv0 is always dag-pb
        _, pos = read_varint(self.raw, 0)
        return read_varint(self.raw, pos)[0]

    def __str__(self) -> str:
        if self.raw[:2] == b"\x12\x20":
            number, out = int.from_bytes(self.raw, "big"), ""
            while number:
                number, digit = divmod(number, 58)
                out = _B58[digit] + out
            return out
        return "b" + base64.b32encode(self.raw).decode("ascii").lower().rstrip("=")


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """An unsigned LEB128 varint at ``pos``: its value and the position after it."""
    value = shift = 0
    while True:
        if pos >= len(data):
            raise CarError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise CarError("varint longer than 9 bytes")


def _cid_length(data: bytes, pos: int) -> int:
    """How many bytes the binary CID at ``pos`` takes."""
    if data[pos : pos + 2] == b"\x12\x20":  # CIDv0: a bare sha2-256 multihash
        return 34
    start = pos
    version, pos = read_varint(data, pos)
    if version != 1:
        raise CarError(f"unknown CID version {version}")
    _, pos = read_varint(data, pos)  # codec
    _, pos = read_varint(data, pos)  # multihash function
    size, pos = read_varint(data, pos)
    return pos + size - start


class _Decoder:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n > len(self.data) - self.pos:
            raise CarError(f"CBOR item of {n} bytes runs past the end of its block")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def head(self) -> tuple[int, int, int]:
        """Major type, additional info and its argument."""
        initial = self.take(1)[0]
        major, info = initial >> 5, initial & 0x1F
        if info < 24:
            return major, info, info
        if info in (24, 25, 26, 27):
            return major, info, int.from_bytes(self.take(1 << (info - 24)), "big")
        raise CarError("indefinite-length or reserved CBOR item (not DAG-CBOR)")

    def item(self, depth: int = 0) -> object:
        if depth > MAX_DEPTH:
            raise CarError(f"CBOR nested deeper than {MAX_DEPTH} levels")
        major, info, arg = self.head()
        if major == 0:
            return arg
        if major == 1:
            return -1 - arg
        if major == 2:
            return self.take(arg)
        if major == 3:
            try:
                return self.take(arg).decode("utf-8")
            except UnicodeDecodeError as err:
                raise CarError("CBOR text string is not UTF-8") from err
        if major in (4, 5) and arg > len(self.data) - self.pos:
            raise CarError(f"CBOR container claims {arg} items, more than the bytes left")
        if major == 4:
            return [self.item(depth + 1) for _ in range(arg)]
        if major == 5:
            out = {}
            for _ in range(arg):
                key = self.item(depth + 1)
                if not isinstance(key, str):
                    raise CarError("CBOR map key is not a string (not DAG-CBOR)")
                out[key] = self.item(depth + 1)
            return out
        if major == 6:
            value = self.item(depth + 1)
            if arg != 42:
                raise CarError(f"CBOR tag {arg} (DAG-CBOR allows only 42, a CID)")
            if not isinstance(value, bytes) or value[:1] != b"\x00":
                raise CarError("CBOR tag 42 without a binary CID")
            return CID(value[1:])
        # major 7: simple values and floats
        if info == 20:
            return False
        if info == 21:
            return True
        if info in (22, 23):
            return None
        if info in (25, 26, 27):
            fmt = {25: ">e", 26: ">f", 27: ">d"}[info]
            return struct.unpack(fmt, arg.to_bytes(1 << (info - 24), "big"))[0]
        raise CarError(f"CBOR simple value {arg} (not DAG-CBOR)")


def decode_cbor(data: bytes) -> object:
    """One DAG-CBOR item that must fill ``data`` exactly: maps become dicts, byte strings
    bytes, tag 42 a :class:`CID`."""
    decoder = _Decoder(data)
    value = decoder.item()
    if decoder.pos != len(data):
        raise CarError(f"{len(data) - decoder.pos} stray bytes after the CBOR item")
    return value


def read_header(data: bytes) -> tuple[list[CID], int]:
    """The root CIDs of a CAR v1 file and the position of its first block."""
    size, pos = read_varint(data, 0)
    if size == 0 or pos + size > len(data):
        raise CarError("no CAR header")
    header = decode_cbor(data[pos : pos + size])
    if not isinstance(header, dict) or "version" not in header:
        raise CarError("no CAR header")
    if header.get("version") != 1:
        raise CarError(f"CAR version {header.get('version')!r}; only CAR v1 (a repository export) is read")
    roots = header.get("roots")
    if not isinstance(roots, list) or not all(isinstance(r, CID) for r in roots):
        raise CarError("CAR header without roots")
    return roots, pos + size


def looks_like_car(head: bytes) -> bool:
    """Whether the first bytes of a file are a CAR v1 header (for cheap detection)."""
    try:
        size, pos = read_varint(head, 0)
    except CarError:
        return False
    # DAG-CBOR sorts map keys by length, so a CAR header map begins with "roots".
    return 0 < size < 4096 and head[pos : pos + 7] == b"\xa2eroots"


def iter_blocks(data: bytes, start: int) -> Iterator[tuple[CID, bytes]]:
    """Each block of a CAR v1 file from ``start``: its CID and undecoded bytes."""
    pos = start
    while pos < len(data):
        size, pos = read_varint(data, pos)
        end = pos + size
        if size == 0 or end > len(data):
            raise CarError(f"truncated block at byte {pos}")
        cid_end = pos + _cid_length(data, pos)
        if cid_end > end:
            raise CarError(f"block at byte {pos} shorter than its CID")
        yield CID(data[pos:cid_end]), data[cid_end:end]
        pos = end
