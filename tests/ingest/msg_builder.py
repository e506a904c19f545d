"""Build small Outlook .msg files for tests: a compound-file writer and MAPI helpers.

Tests need files the corpus does not have: S/MIME signed mail, deep nesting, and
damage made on purpose (a size or a sector chain that lies, streams that overlap).
The writer makes version-3 compound files (512-byte sectors, no DIFAT, so up to
about 7 MB); streams under 4096 bytes go into the mini stream, as the format asks.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

Tree = dict[str, "bytes | Tree"]  # a storage: names to streams (bytes) or storages

_SECTOR, _MINI, _CUTOFF = 512, 64, 4096
_FREE, _END, _FAT_SECTOR, _NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_ENTRY = struct.Struct("<64sHBBIII16sIQQIII")


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list[int] = field(default_factory=list)
    start: int = _END
    size: int = 0
    left: int = _NONE
    right: int = _NONE
    child: int = _NONE


def compound_file(
    tree: Tree,
    *,
    claimed_sizes: dict[str, int] | None = None,
    loop: str | None = None,
    shared: dict[str, str] | None = None,
) -> bytes:
    """The tree as an OLE file; paths are "storage/stream", "" the root (its mini stream).

    claimed_sizes: directory sizes that differ from the data written; loop: a stream
    whose last sector points back to its first; shared: streams that point at another
    stream's sectors instead of having their own.
    """
    entries = [_Entry("Root Entry", _ROOT)]
    paths: dict[str, int] = {"": 0}
    _flatten(tree, entries, 0, "", paths)
    shared = shared or {}
    alias = {paths[a]: paths[b] for a, b in shared.items()}
    streams = [i for i, e in enumerate(entries) if e.kind == _STREAM and i not in alias]
    mini_stream, minifat = bytearray(), list[int]()
    big = [i for i in streams if len(entries[i].data) >= _CUTOFF]
    for i in streams:
        entry = entries[i]
        entry.size = len(entry.data)
        if entry.size < _CUTOFF and entry.size:
            entry.start = len(minifat)
            count = -(-entry.size // _MINI)
            minifat += [*range(entry.start + 1, entry.start + count), _END]
            mini_stream += entry.data.ljust(count * _MINI, b"\0")
    regions: list[tuple[str, bytes]] = [(str(i), entries[i].data) for i in big]
    regions += [("mini", bytes(mini_stream)), ("minifat", _ints(minifat))]
    entries[0].size = len(mini_stream)
    placed = _place(regions, len(entries))
    for i in big:
        entries[i].start = placed.starts[str(i)]
    entries[0].start = placed.starts["mini"] if mini_stream else _END
    for target, source in alias.items():
        entries[target].start, entries[target].size = entries[source].start, entries[source].size
    if loop is not None:
        _make_loop(entries[paths[loop]], placed.fat, minifat)
        placed.write_minifat(_ints(minifat))
    for path, size in (claimed_sizes or {}).items():
        entries[paths[path]].size = size
    _link(entries, 0)
    return placed.assemble(b"".join(_pack(e) for e in entries))


def _flatten(tree: Tree, entries: list[_Entry], parent: int, prefix: str, paths: dict[str, int]) -> None:
    for name, value in tree.items():
        index = len(entries)
        paths[prefix + name] = index
        entries[parent].children.append(index)
        if isinstance(value, bytes):
            entries.append(_Entry(name, _STREAM, value))
        else:
            entries.append(_Entry(name, _STORAGE))
            _flatten(value, entries, index, f"{prefix}{name}/", paths)


@dataclass
class _Placed:
    starts: dict[str, int]
    fat: list[int]
    sectors: list[bytes]
    directory_start: int
    fat_sectors: list[int]
    minifat_start: int
    minifat_count: int

    def write_minifat(self, raw: bytes) -> None:
        for n in range(self.minifat_count):
            chunk = raw[n * _SECTOR : (n + 1) * _SECTOR]
            self.sectors[self.minifat_start + n] = chunk.ljust(_SECTOR, b"\xff")

    def assemble(self, directory: bytes) -> bytes:
        directory = directory.ljust(-(-len(directory) // _SECTOR) * _SECTOR, b"\0")
        for n in range(len(directory) // _SECTOR):
            self.sectors[self.directory_start + n] = directory[n * _SECTOR : (n + 1) * _SECTOR]
        fat = _ints(self.fat).ljust(len(self.fat_sectors) * _SECTOR, b"\xff")
        for n, sector in enumerate(self.fat_sectors):
            self.sectors[sector] = fat[n * _SECTOR : (n + 1) * _SECTOR]
        difat = (self.fat_sectors + [_FREE] * 109)[:109]
        header = struct.pack(
            "<8s16sHHHHH6sIIIIIIIII",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"", 0x3E, 3, 0xFFFE, 9, 6, b"", 0,
            len(self.fat_sectors), self.directory_start, 0, _CUTOFF,
            self.minifat_start if self.minifat_count else _END, self.minifat_count, _END, 0,
        ) + _ints(difat)
        return header + b"".join(self.sectors)


def _place(regions: list[tuple[str, bytes]], entry_count: int) -> _Placed:
    """Regular sectors: each region in turn, then the directory, then the FAT."""
    starts: dict[str, int] = {}
    fat: list[int] = []
    sectors: list[bytes] = []
    minifat_start = minifat_count = 0
    for key, data in regions:
        count = -(-len(data) // _SECTOR)
        starts[key] = len(fat) if count else _END
        if key == "minifat":
            minifat_start, minifat_count = len(fat), count
        fat += [*range(len(fat) + 1, len(fat) + count), _END][:count] if count else []
        sectors += [data[n * _SECTOR : (n + 1) * _SECTOR].ljust(_SECTOR, b"\0") for n in range(count)]
    directory_count = -(-entry_count * 128 // _SECTOR)
    directory_start = len(fat)
    fat += [*range(len(fat) + 1, len(fat) + directory_count), _END]
    sectors += [b""] * directory_count
    fat_count = 1
    while fat_count * (_SECTOR // 4) < len(fat) + fat_count:
        fat_count += 1
    fat_sectors = list(range(len(fat), len(fat) + fat_count))
    fat += [_FAT_SECTOR] * fat_count
    sectors += [b""] * fat_count
    return _Placed(starts, fat, sectors, directory_start, fat_sectors, minifat_start, minifat_count)


def _make_loop(entry: _Entry, fat: list[int], minifat: list[int]) -> None:
    table = minifat if entry.size < _CUTOFF else fat
    last = entry.start
    while table[last] != _END:
        last = table[last]
    table[last] = entry.start


def _link(entries: list[_Entry], index: int) -> None:
    """Each storage's children as a balanced binary tree, in the format's name order."""
    entry = entries[index]
    order = sorted(entry.children, key=lambda i: (len(entries[i].name), entries[i].name.upper()))
    entry.child = _subtree(entries, order)
    for child in entry.children:
        _link(entries, child)


def _subtree(entries: list[_Entry], order: list[int]) -> int:
    if not order:
        return _NONE
    middle = len(order) // 2
    node = entries[order[middle]]
    node.left, node.right = _subtree(entries, order[:middle]), _subtree(entries, order[middle + 1 :])
    return order[middle]


def _pack(entry: _Entry) -> bytes:
    name = entry.name.encode("utf-16-le")
    return _ENTRY.pack(
        name + b"\0\0", len(name) + 2, entry.kind, 1, entry.left, entry.right, entry.child,
        b"", 0, 0, 0, entry.start, entry.size & 0xFFFFFFFF, entry.size >> 32,
    )


def _ints(values: list[int]) -> bytes:
    return struct.pack(f"<{len(values)}I", *values)


# --- MAPI objects ------------------------------------------------------------------------

PT_LONG, PT_BOOLEAN, PT_UNICODE, PT_BINARY, PT_OBJECT = 0x0003, 0x000B, 0x001F, 0x0102, 0x000D


def mapi_object(
    header: int,
    strings: dict[int, str] | None = None,
    longs: dict[int, int] | None = None,
    booleans: dict[int, bool] | None = None,
    binaries: dict[int, bytes] | None = None,
) -> Tree:
    """A property stream after a `header`-byte header (32 top level, 24 attached message,
    8 recipient or attachment), with the string and binary values in their own streams."""
    fixed = [(pid << 16 | PT_LONG, struct.pack("<I", v)) for pid, v in (longs or {}).items()]
    fixed += [(pid << 16 | PT_BOOLEAN, struct.pack("<H", v)) for pid, v in (booleans or {}).items()]
    tree: Tree = {}
    for pid, text in (strings or {}).items():
        tree[f"__substg1.0_{pid:04X}{PT_UNICODE:04X}"] = text.encode("utf-16-le")
        fixed.append((pid << 16 | PT_UNICODE, struct.pack("<I", len(text) * 2 + 2)))
    for pid, data in (binaries or {}).items():
        tree[f"__substg1.0_{pid:04X}{PT_BINARY:04X}"] = data
        fixed.append((pid << 16 | PT_BINARY, struct.pack("<I", len(data))))
    entries = b"".join(struct.pack("<II", tag, 6) + value.ljust(8, b"\0") for tag, value in fixed)
    tree["__properties_version1.0"] = bytes(header) + entries
    return tree


def message(
    subject: str,
    *,
    sender: tuple[str, str] = ("Clerk", "clerk@city.example"),
    to: tuple[str, ...] = ("resident@example.org",),
    body: str = "",
    message_class: str = "IPM.Note",
    attachments: tuple[Tree, ...] = (),
    embedded: bool = False,
    more_strings: dict[int, str] | None = None,
    binaries: dict[int, bytes] | None = None,
    longs: dict[int, int] | None = None,
) -> Tree:
    strings = {0x0037: subject, 0x001A: message_class, 0x0042: sender[0], 0x0065: sender[1],
               **(more_strings or {})}
    if body:
        strings[0x1000] = body
    tree = mapi_object(24 if embedded else 32, strings, longs=longs, binaries=binaries)
    for n, address in enumerate(to):
        tree[f"__recip_version1.0_#{n:08X}"] = mapi_object(
            8, {0x3001: address, 0x39FE: address}, longs={0x0C15: 1}
        )
    for n, attachment in enumerate(attachments):
        tree[f"__attach_version1.0_#{n:08X}"] = attachment
    return tree


def file_attachment(filename: str, data: bytes, *, mime: str = "", hidden: bool = False) -> Tree:
    strings = {0x3707: filename, **({0x370E: mime} if mime else {})}
    return mapi_object(8, strings, longs={0x3705: 1}, booleans={0x7FFE: hidden}, binaries={0x3701: data})


def message_attachment(inner: Tree) -> Tree:
    """An attached message (PR_ATTACH_METHOD 5); `inner` must be built with embedded=True."""
    tree = mapi_object(8, {0x3001: "attached"}, longs={0x3705: 5})
    tree[f"__substg1.0_3701{PT_OBJECT:04X}"] = inner
    return tree
