"""ZIP archives (and OOXML packages) read with bounded, bomb-proof reads."""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from ingest.extract import detect
from ingest.extract.base import Embedded, Extracted, ExtractionError
from ingest.extract.limits import Limits

_CHUNK = 64 * 1024


class BoundedZip:
    """A zip file whose members are read in chunks, stopping at the limits.

    The sizes in a zip's directory are written by whoever made the file, so they are
    only used for an early refusal; the real check counts the bytes as they inflate.
    """

    def __init__(self, archive: zipfile.ZipFile, limits: Limits) -> None:
        self.archive = archive
        self.limits = limits
        self.total = 0
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > limits.max_members:
            raise ExtractionError(
                f"zip has {len(members)} members, more than the limit of {limits.max_members}"
            )
        self.members = members

    def names(self) -> set[str]:
        return {info.filename for info in self.members}

    def read(self, info: zipfile.ZipInfo) -> bytes:
        limits = self.limits
        if info.file_size > limits.max_bytes:
            raise ExtractionError(
                f"zip member {info.filename} too large: {info.file_size} bytes, limit {limits.max_bytes}"
            )
        out = bytearray()
        with self.archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                out += chunk
                self.total += len(chunk)
                self._check(info, len(out))
        return bytes(out)

    def read_name(self, name: str) -> bytes | None:
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            return None
        return self.read(info)

    def _check(self, info: zipfile.ZipInfo, size: int) -> None:
        limits = self.limits
        if size > limits.max_bytes:
            raise ExtractionError(f"zip bomb: member {info.filename} expands past {limits.max_bytes} bytes")
        if self.total > limits.max_total_uncompressed:
            raise ExtractionError(
                f"zip bomb: members expand past {limits.max_total_uncompressed} bytes in total"
            )
        ratio = size / max(info.compress_size, 1)
        if size > limits.ratio_floor and ratio > limits.max_ratio:
            raise ExtractionError(
                f"zip bomb: member {info.filename} expands {ratio:.0f}x (limit {limits.max_ratio:.0f}x)"
            )


@contextmanager
def open_zip(data: bytes, limits: Limits) -> Iterator[BoundedZip]:
    """Open a zip; library errors while opening or reading become ExtractionError."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            yield BoundedZip(archive, limits)
    except ExtractionError:
        raise
    except RuntimeError as exc:  # zipfile's word for "encrypted, password required"
        raise ExtractionError(f"zip: {exc}") from exc
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise ExtractionError(f"corrupt zip: {type(exc).__name__}: {exc}") from exc


def extract_zip(data: bytes, limits: Limits) -> Extracted:
    """Each file in the archive becomes a child with its bytes; the text lists their names."""
    children: list[Embedded] = []
    encrypted: list[str] = []
    unreadable: list[str] = []
    with open_zip(data, limits) as archive:
        for info in archive.members:
            if info.filename.startswith("__MACOSX/"):
                continue  # macOS resource forks: copies of metadata, never documents
            if info.flag_bits & 0x1:
                encrypted.append(info.filename)
                continue
            try:
                body = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
                # One damaged member (bad CRC, unknown compression) should not hide the rest.
                unreadable.append(f"{info.filename} ({type(exc).__name__})")
                continue
            kind = detect.content_type(body, info.filename, None)
            children.append(Embedded(name=info.filename, data=body, content_type=kind))
    metadata = {}
    if encrypted:
        metadata["encrypted_members"] = ", ".join(encrypted)
    if unreadable:
        metadata["unreadable_members"] = ", ".join(unreadable)
    text = "\n".join(child.name for child in children)  # as Tika does: the names are searchable
    return Extracted(text=text, content_type=detect.ZIP, metadata=metadata, children=children,
                     extractor="builtin/zip")
