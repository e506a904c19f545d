"""A small, read-only reader for OLE2 compound files (legacy Office, Outlook .msg, OLE objects).

Only what the extractors need: the names of the root storage's entries (to tell a .doc
from an .xls, .ppt or .msg) and the bytes of a stream at the root (to unwrap a PDF or a
file embedded as an OLE object in a DOCX/XLSX/PPTX). Every offset read from the file is
bounds-checked and every sector chain is guarded against loops, because the input is
untrusted: a malformed file raises OleError, never IndexError or an endless loop.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAX_SECTOR = 0xFFFFFFFA
_END_OF_CHAIN = 0xFFFFFFFE
_NO_STREAM = 0xFFFFFFFF
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_HEADER_DIFAT_SLOTS = 109


class OleError(Exception):
    """The bytes are not a readable compound file."""


class SectorLoopError(OleError):
    """A sector chain comes back to a sector it has passed: never so in a genuine file."""


@dataclass(frozen=True)
class _Entry:
    name: str
    kind: int
    left: int
    right: int
    child: int
    start: int
    size: int


class OleFile:
    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(MAGIC):
            raise OleError("not an OLE2 compound file")
        self._data = data
        (self._sector_shift, self._mini_shift) = struct.unpack_from("<HH", data, 0x1E)
        if self._sector_shift not in (9, 12) or self._mini_shift != 6:
            raise OleError("unsupported sector size")
        self._sector_size = 1 << self._sector_shift
        fields = struct.unpack_from("<IIIIIIII", data, 0x2C)
        fat_count, first_dir, _, self._cutoff, first_minifat, _, first_difat, difat_count = fields
        self._fat = self._read_fat(fat_count, first_difat, difat_count)
        self._entries = self._read_directory(first_dir)
        root = self._entries[0]
        self._mini_stream = self._chain_bytes(root.start, root.size) if root.size else b""
        self._minifat = self._ints(self._chain_bytes(first_minifat)) if first_minifat < _END_OF_CHAIN else []

    # -- public --------------------------------------------------------------------------

    def root_names(self) -> list[str]:
        """Names of the entries directly in the root storage."""
        return [entry.name for entry in self._children(self._entries[0].child)]

    def read_stream(self, name: str) -> bytes | None:
        """The bytes of a stream at the root (case-insensitive name), or None."""
        for entry in self._children(self._entries[0].child):
            if entry.kind == _STREAM and entry.name.lower() == name.lower():
                return self._stream_bytes(entry)
        return None

    # -- structure -----------------------------------------------------------------------

    def _sector(self, number: int) -> bytes:
        offset = (number + 1) * self._sector_size
        if number > _MAX_SECTOR or offset >= len(self._data):
            raise OleError(f"sector {number} is outside the file")
        # The last sector may be short in truncated-but-usable files; pad it.
        return self._data[offset : offset + self._sector_size].ljust(self._sector_size, b"\0")

    @staticmethod
    def _ints(raw: bytes) -> list[int]:
        return list(struct.unpack(f"<{len(raw) // 4}I", raw[: len(raw) // 4 * 4]))

    def _read_fat(self, fat_count: int, first_difat: int, difat_count: int) -> list[int]:
        sectors = self._ints(self._data[0x4C : 0x4C + 4 * _HEADER_DIFAT_SLOTS])
        next_difat, seen = first_difat, 0
        while next_difat < _END_OF_CHAIN and seen <= difat_count:
            ids = self._ints(self._sector(next_difat))
            sectors += ids[:-1]
            next_difat, seen = ids[-1], seen + 1
        fat: list[int] = []
        for number in sectors[:fat_count]:
            fat += self._ints(self._sector(number))
        return fat

    def _chain_bytes(self, start: int, size: int | None = None) -> bytes:
        raw = b"".join(self._sector(n) for n in sector_chain(start, self._fat))
        return raw if size is None else raw[:size]

    def _read_directory(self, first: int) -> list[_Entry]:
        raw = self._chain_bytes(first)
        entries = [self._entry(raw[i : i + 128]) for i in range(0, len(raw) - 127, 128)]
        if not entries or entries[0].kind != _ROOT:
            raise OleError("no root entry")
        return entries

    @staticmethod
    def _entry(raw: bytes) -> _Entry:
        name_length = min(struct.unpack_from("<H", raw, 64)[0], 64)
        name = raw[: max(name_length - 2, 0)].decode("utf-16-le", "replace")
        kind = raw[66]
        left, right, child = struct.unpack_from("<III", raw, 68)
        start, size = struct.unpack_from("<IQ", raw, 116)
        # Version-3 files only define the low 32 bits of the size.
        return _Entry(name, kind, left, right, child, start, size & 0xFFFFFFFF)

    def _children(self, first: int) -> list[_Entry]:
        """Entries of one storage: its red-black tree of siblings, walked without recursion."""
        found: list[_Entry] = []
        pending, seen = [first], set()
        while pending:
            index = pending.pop()
            if index == _NO_STREAM or index in seen or index >= len(self._entries):
                continue
            seen.add(index)
            entry = self._entries[index]
            found.append(entry)
            pending += [entry.left, entry.right]
        return found

    def _stream_bytes(self, entry: _Entry) -> bytes:
        if entry.size >= self._cutoff:
            return self._chain_bytes(entry.start, entry.size)
        mini = 1 << self._mini_shift
        parts = []
        for number in sector_chain(entry.start, self._minifat):
            parts.append(self._mini_stream[number * mini : (number + 1) * mini])
        return b"".join(parts)[: entry.size]


def sector_chain(start: int, table: Sequence[int]) -> list[int]:
    """The sectors of a chain in a FAT or MiniFAT; OleError when it loops or leaves the table."""
    # A sector seen twice means a loop: legitimate chains never revisit one, and
    # refusing them keeps every stream no larger than the file itself.
    chain: list[int] = []
    seen: set[int] = set()
    current = start
    while current <= _MAX_SECTOR:
        if current in seen:
            raise SectorLoopError(f"sector chain loops back to sector {current}")
        if current >= len(table):
            raise OleError("sector chain leaves the file")
        chain.append(current)
        seen.add(current)
        current = table[current]
    return chain


def root_names(data: bytes) -> list[str]:
    """Root entry names, or [] when the file cannot be read."""
    try:
        return OleFile(data).root_names()
    except (OleError, struct.error):
        return []


def embedded_payload(data: bytes) -> tuple[str | None, bytes] | None:
    """The file inside an OLE object (an Office 'oleObjectN.bin'), with its name if known.

    Acrobat stores a PDF in a CONTENTS stream; packaged files ("Packager Shell Object")
    sit in an Ole10Native stream after a small header; an embedded OOXML file is a
    Package stream. None when the object holds nothing we can unwrap.
    """
    try:
        ole = OleFile(data)
        for stream in ("CONTENTS", "Package"):
            payload = ole.read_stream(stream)
            if payload:
                return None, payload
        native = ole.read_stream("\x01Ole10Native")
    except (OleError, struct.error):
        return None
    return _ole10_native(native) if native else None


def _ole10_native(raw: bytes) -> tuple[str | None, bytes] | None:
    """Parse [size][flags][label\\0][path\\0][flags][unknown][len][temp path][size][data]."""
    try:
        label_end = raw.index(b"\0", 6)
        path_end = raw.index(b"\0", label_end + 1)
        offset = path_end + 1 + 4
        (temp_length,) = struct.unpack_from("<I", raw, offset)
        offset += 4 + temp_length
        (size,) = struct.unpack_from("<I", raw, offset)
        payload = raw[offset + 4 : offset + 4 + size]
        if len(payload) != size:
            raise ValueError("short payload")
        label = raw[6:label_end].decode("cp1252", "replace") or None
        return label, payload
    except (ValueError, struct.error):
        # Not a packaged file: the stream is just a length-prefixed blob.
        (size,) = struct.unpack_from("<I", raw, 0) if len(raw) >= 4 else (0,)
        blob = raw[4 : 4 + size]
        return (None, blob) if blob else None
