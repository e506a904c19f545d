"""A production's zip, written entry by entry with the same bytes on every build.

Layout (the usual volume layout: everything of a volume under its folder, so two volumes
unzip side by side; the logs and manifest describe the whole package and sit at the top):

    VOL001/IMAGES/CITY000001.pdf   one PDF per document, Bates-stamped, multi-page
    VOL001/NATIVES/...             native files produced as they are
    VOL001/TEXT/CITY000001.txt     the redacted text of each document
    VOL001/DATA/VOL001.dat         Concordance DAT   (app.productions.loadfiles)
    VOL001/DATA/VOL001.opt         Opticon OPT
    VOL001/DATA/VOL001.csv         the DAT's fields as CSV
    redaction_log.csv              (app.productions.logs)
    privilege_log.csv, privilege_log.pdf
    manifest.json                  written last: SHA-256 and size of every other entry

Interface:

    paths(volume: str) -> VolumePaths          .images .natives .text .data .dat .opt .csv
    PackageWriter(path: Path, package_date: date, header: Mapping[str, Any] | None = None)
        .add(name: str, data: bytes) -> None
        .add_file(name: str, source: Path) -> None        streamed from disk
        .open(name: str) -> ContextManager[BinaryIO]     write an entry piece by piece
        .close(header: Mapping[str, Any] | None = None) -> dict[str, Any]   the manifest
        .package_sha256, .package_size                   of the zip, once closed
    Used as `with PackageWriter(...) as package:`; leaving the block closes it, and an
    exception inside deletes the half-written zip instead.

Same bytes every time: each entry gets the package date at midnight as its time, the same
permissions (0644, made on "Unix"), no extra fields and zlib's default compression level, and
entries are written in the order added. The bytes of the zip therefore depend only on the
inputs and on the zlib build (a different zlib may compress differently); the manifest's
hashes of the contents do not depend even on that. Memory stays flat: `add_file` and
`open` stream through the zip in 1 MiB pieces.

Entry names are refused (ValueError) unless they are relative paths of [A-Za-z0-9._-]
segments joined by "/", with no "." or ".." segment, not "manifest.json", not repeated.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import IO, Any, BinaryIO, cast

MANIFEST = "manifest.json"
VOLUME = "VOL001"
CHUNK = 1 << 20
_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class VolumePaths:
    images: str  # "VOL001/IMAGES/"
    natives: str
    text: str
    data: str
    dat: str  # "VOL001/DATA/VOL001.dat"
    opt: str
    csv: str


def paths(volume: str = VOLUME) -> VolumePaths:
    if not _SEGMENT.fullmatch(volume) or volume in (".", ".."):
        raise ValueError(f"A volume name is letters, digits, '.', '_' or '-': {volume!r}")
    data = f"{volume}/DATA/"
    return VolumePaths(f"{volume}/IMAGES/", f"{volume}/NATIVES/", f"{volume}/TEXT/", data,
                       f"{data}{volume}.dat", f"{data}{volume}.opt", f"{data}{volume}.csv")


def check_name(name: str) -> str:
    """The entry name if it is a safe relative path, else ValueError."""
    segments = name.split("/")
    if not all(_SEGMENT.fullmatch(s) and s not in (".", "..") for s in segments):
        raise ValueError(f"Not a safe name for a package entry: {name!r}")
    return name


class _Hashing(io.BufferedIOBase):
    """A write-only stream that counts and hashes what passes through to the zip entry."""

    def __init__(self, target: IO[bytes]) -> None:
        super().__init__()
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]  # bytes is all we take
        piece = bytes(data)
        self.sha256.update(piece)
        self.size += len(piece)
        self.target.write(piece)
        return len(piece)


class PackageWriter:
    def __init__(self, path: Path, package_date: date, header: Mapping[str, Any] | None = None) -> None:
        if package_date.year < 1980:
            raise ValueError("A zip cannot record a date before 1980")
        if header and "files" in header:
            raise ValueError("'files' is the manifest's own key")
        self.path = path
        self.date_time = (package_date.year, package_date.month, package_date.day, 0, 0, 0)
        self.header: dict[str, Any] = dict(header or {})
        self.files: dict[str, dict[str, Any]] = {}
        self.package_sha256 = ""
        self.package_size = 0
        self._zip: zipfile.ZipFile | None = zipfile.ZipFile(path, "w")
        self._writing = False

    def __enter__(self) -> PackageWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is None:
            if self._zip is not None:
                self.close()
            return
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        self.path.unlink(missing_ok=True)

    def _entry(self, name: str, *, manifest: bool = False) -> zipfile.ZipInfo:
        if self._zip is None or self._writing:
            raise ValueError("The package is closed or another entry is being written")
        check_name(name)
        if (name == MANIFEST and not manifest) or name in self.files:
            raise ValueError(f"The package already has {name!r}")
        info = zipfile.ZipInfo(name, self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        info.external_attr = 0o100644 << 16
        return info

    @contextmanager
    def open(self, name: str, *, large: bool = False) -> Iterator[BinaryIO]:
        """A stream for one entry; `large` if it may pass 2 GiB (ZIP64 header)."""
        info = self._entry(name)
        assert self._zip is not None
        self._writing = True
        try:
            with self._zip.open(info, "w", force_zip64=large) as entry:
                hashing = _Hashing(entry)
                yield cast(BinaryIO, hashing)
        finally:
            self._writing = False
        self.files[name] = {"sha256": hashing.sha256.hexdigest(), "size": hashing.size}

    def add(self, name: str, data: bytes) -> None:
        with self.open(name) as entry:
            entry.write(data)

    def add_file(self, name: str, source: Path) -> None:
        with source.open("rb") as file, self.open(name, large=source.stat().st_size >= 1 << 31) as entry:
            while piece := file.read(CHUNK):
                entry.write(piece)

    def close(self, header: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Write manifest.json (sorted keys) and finish the zip; the manifest is returned."""
        manifest = {**self.header, **(header or {})}
        if "files" in manifest:
            raise ValueError("'files' is the manifest's own key")
        manifest["files"] = dict(self.files)
        info = self._entry(MANIFEST, manifest=True)
        assert self._zip is not None
        self._zip.writestr(info, json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n")
        self._zip.close()
        self._zip = None
        digest = hashlib.sha256()
        with self.path.open("rb") as file:
            while piece := file.read(CHUNK):
                digest.update(piece)
                self.package_size += len(piece)
        self.package_sha256 = digest.hexdigest()
        return manifest
