"""MAPI properties of an Outlook .msg, read from its OLE compound file with olefile (MS-OXMSG).

An .msg holds one message object: a `__properties_version1.0` stream of fixed-size
entries (integers, booleans and times inline; strings and binaries only sized there,
their bytes in `__substg1.0_<id><type>` streams), one storage per recipient and per
attachment, and an attached message as a storage of the same shape. The file is
untrusted: every count and size it states is checked against the file's own size
before olefile acts on it, and all stream reads share a budget of a few times the
file's size, so a crafted file costs bounded time and memory. What does not hold is a
MsgDamage (a ValueError): the reader makes it a defect of the part it was reading,
or refuses the file when it is the file's structure itself.
"""

from __future__ import annotations

import functools
import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import olefile  # type: ignore[import-untyped]

from ingest.extract.ole import OleError, SectorLoopError, sector_chain
from ingest.extract.rtf import windows_codec
from ingest.sources.mapi import ansi_codepage

_PROPERTIES = "__properties_version1.0"
_EMBEDDED_MESSAGE = "__substg1.0_3701000D"  # PR_ATTACH_DATA_OBJ, a storage
_MESSAGE_CODEPAGE, _LOCALE_ID, _INTERNET_CPID = 0x3FFD, 0x3FF1, 0x3FDE
# Property entries start after a header whose size depends on the object (MS-OXMSG 2.4.1).
_TOP_LEVEL_HEADER, _EMBEDDED_HEADER, _CHILD_HEADER = 32, 24, 8
_PT_LONG, _PT_BOOLEAN, _PT_SYSTIME = 0x0003, 0x000B, 0x0040
_PT_STRING8, _PT_UNICODE, _PT_BINARY = 0x001E, 0x001F, 0x0102
_STORAGE, _STREAM = 1, 2
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
# MAPI writes 4501-01-01 for "no date": from 4500 on, nothing is a real date.
_MAX_FILETIME = (datetime(4500, 1, 1, tzinfo=UTC) - _FILETIME_EPOCH) // timedelta(microseconds=1) * 10
# Legitimate files read each stream about once, and streams never overlap.
_BUDGET_FACTOR, _BUDGET_SLACK = 2, 1024 * 1024


class MsgDamage(ValueError):
    """The compound file states something it cannot hold (a size, a count, a chain)."""


class MsgFile:
    """An opened .msg: olefile's directory plus bounds and a read budget."""

    def __init__(self, data: bytes) -> None:
        _check_header(data)
        self.size = len(data)
        self._budget = _BUDGET_FACTOR * len(data) + _BUDGET_SLACK
        try:
            self._ole: Any = olefile.OleFileIO(io.BytesIO(data))
            root = self._ole.root
            if root.size > len(data):
                raise MsgDamage(f"OLE mini stream claims {root.size} bytes, more than the file holds")
            if root.size:  # olefile reads the mini stream whole on first use: check its chain first
                self._ole.loadminifat()
                self._refuse_loop(root, self._ole.fat)
        except MsgDamage:
            raise
        except Exception as exc:  # olefile raises OSError, struct.error, IndexError... on damage
            raise MsgDamage(f"unreadable OLE structure: {exc}") from exc

    @property
    def issues(self) -> list[str]:
        """What olefile tolerated so far (a truncated chain, a duplicate name...)."""
        return list(dict.fromkeys(f"OLE structure: {message}" for _, message in self._ole.parsing_issues))

    def message(self) -> Properties:
        return Properties(self, self._ole.root, _TOP_LEVEL_HEADER, parent_codec=None)

    def read(self, entry: Any) -> bytes:
        size = int(entry.size)
        if size > self.size:
            raise MsgDamage(f"stream {entry.name!r} claims {size} bytes, more than the file holds")
        if size > self._budget:
            raise MsgDamage(f"stream {entry.name!r} read past what the file can hold (streams overlap)")
        self._budget -= size
        self._refuse_loop(entry, self._ole.minifat if size < self._ole.minisectorcutoff else self._ole.fat)
        # olefile opens streams by path only, searching each storage linearly; by entry it
        # is one call per stream, whatever the number of recipients or attachments.
        data: bytes = self._ole._open(entry.isectStart, size).read()
        return data

    @staticmethod
    def _refuse_loop(entry: Any, table: Sequence[int] | None) -> None:
        # olefile follows a looping chain for as many sectors as the size asks, returning
        # the same bytes again; a chain that leaves the file (truncation) it reads in part.
        try:
            sector_chain(entry.isectStart, table or [])
        except SectorLoopError as exc:
            raise MsgDamage(f"stream {entry.name!r}: {exc}") from exc
        except OleError:
            pass  # olefile reads what is there and notes it in its parsing issues

    def close(self) -> None:
        self._ole.close()


@dataclass
class Properties:
    """One MAPI object of the file: the message, a recipient, an attachment, an attached message."""

    file: MsgFile
    storage: Any  # olefile's directory entry
    header: int
    parent_codec: str | None

    # Read on first use, so that a damaged attachment fails inside its own guard.
    @functools.cached_property
    def _fixed(self) -> dict[int, bytes]:
        """Property tag -> its 8-byte value, from the property stream."""
        raw = self.stream(_PROPERTIES) or b""
        fixed: dict[int, bytes] = {}
        for offset in range(self.header, len(raw) - 15, 16):
            (tag,) = struct.unpack_from("<I", raw, offset)
            fixed[tag] = raw[offset + 8 : offset + 16]
        return fixed

    @functools.cached_property
    def codec(self) -> str:
        """How this object's 8-bit strings decode: its own code page, else its parent's."""
        return _string8_codec(self) or self.parent_codec or "cp1252"

    def has_properties(self) -> bool:
        return self._entry(_PROPERTIES, _STREAM) is not None

    def integer(self, prop_id: int) -> int | None:
        value = self._fixed.get(prop_id << 16 | _PT_LONG)
        return int(struct.unpack_from("<I", value)[0]) if value else None

    def boolean(self, prop_id: int) -> bool:
        value = self._fixed.get(prop_id << 16 | _PT_BOOLEAN)
        return bool(value and struct.unpack_from("<H", value)[0])

    def time(self, prop_id: int) -> datetime | None:
        value = self._fixed.get(prop_id << 16 | _PT_SYSTIME)
        ticks = struct.unpack_from("<Q", value)[0] if value else 0
        if not 0 < ticks <= _MAX_FILETIME:
            return None
        return _FILETIME_EPOCH + timedelta(microseconds=ticks // 10)

    def string(self, prop_id: int, defects: list[str]) -> str | None:
        """A string property from its stream; bad bytes are replaced and noted, never fatal."""
        for kind, codec in ((_PT_UNICODE, "utf-16-le"), (_PT_STRING8, self.codec)):
            raw = self.stream(f"__substg1.0_{prop_id:04X}{kind:04X}")
            if raw is None:
                continue
            try:
                return raw.decode(codec)
            except UnicodeDecodeError:
                defects.append(f"property {prop_id:04X} is not valid {codec}; replaced bad bytes")
                return raw.decode(codec, errors="replace")
        return None

    def binary(self, prop_id: int) -> bytes | None:
        return self.stream(f"__substg1.0_{prop_id:04X}{_PT_BINARY:04X}")

    def stream(self, name: str) -> bytes | None:
        entry = self._entry(name, _STREAM)
        return None if entry is None else self.file.read(entry)

    def recipients(self) -> list[Properties]:
        return self._children("__recip_version1.0_#")

    def attachments(self) -> list[Properties]:
        return self._children("__attach_version1.0_#")

    def embedded_message(self) -> Properties | None:
        """The message stored in this attachment (attach method 5), if any."""
        entry = self._entry(_EMBEDDED_MESSAGE, _STORAGE)
        return None if entry is None else Properties(self.file, entry, _EMBEDDED_HEADER, self.codec)

    def _children(self, prefix: str) -> list[Properties]:
        # olefile keeps a storage's entries sorted by name, which is the objects' order.
        return [
            Properties(self.file, kid, _CHILD_HEADER, self.codec)
            for kid in self.storage.kids
            if kid.entry_type == _STORAGE and kid.name.lower().startswith(prefix)
        ]

    def _entry(self, name: str, kind: int) -> Any:
        entry = self.storage.kids_dict.get(name.lower())
        return entry if entry is not None and entry.entry_type == kind else None


def _string8_codec(props: Properties) -> str | None:
    """The code page of this object's 8-bit strings: PR_MESSAGE_CODEPAGE, else the locale's."""
    codepage = props.integer(_MESSAGE_CODEPAGE)
    codec = windows_codec(codepage) if codepage else None
    return codec or ansi_codepage(props.integer(_LOCALE_ID), props.integer(_INTERNET_CPID))


def _check_header(data: bytes) -> None:
    # olefile trusts the header's counts: a DIFAT count runs its loop that many times and
    # a MiniFAT count sizes a read. No count can exceed the sectors the file holds.
    sector_shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if sector_shift not in (9, 12) or mini_shift != 6:
        raise MsgDamage(f"unsupported OLE sector sizes (2^{sector_shift}, 2^{mini_shift})")
    directory_sectors, fat_sectors = struct.unpack_from("<II", data, 0x28)
    (minifat_sectors,) = struct.unpack_from("<I", data, 0x40)
    (difat_sectors,) = struct.unpack_from("<I", data, 0x48)
    sectors = len(data) >> sector_shift
    if max(directory_sectors, fat_sectors, minifat_sectors, difat_sectors) > sectors:
        raise MsgDamage("OLE header counts more sectors than the file holds")
