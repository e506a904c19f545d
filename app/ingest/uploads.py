"""Files a clerk uploads: streamed to disk as they arrive, hashed on the way, capped in size.

The request body is parsed as it streams (python-multipart), so nothing is held
in memory and an upload over the cap is cut off at the cap, not after it. Files
land in a folder of their own under DATA_DIR/uploads; one that does not finish
leaves nothing behind. File names are the clerk's: reduced to a plain name.
"""

from __future__ import annotations

import errno
import hashlib
import re
import shutil
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.multipart import MultipartParser, parse_options_header

from app.core.errors import BadRequest, CustodiaError, InsufficientStorage, PayloadTooLarge

MAX_FILES = 1000
MAX_FIELD_BYTES = 1000
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


@dataclass(frozen=True)
class UploadedFile:
    name: str
    size: int
    sha256: str


@dataclass
class Upload:
    id: uuid.UUID
    folder: Path
    fields: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


def safe_name(raw: str, taken: set[str]) -> str:
    """A plain file name from whatever the client sent: no folders, no control characters."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")[:200] or f"upload-{len(taken) + 1}"
    stem, dot, suffix = name.rpartition(".")
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem}-{n}.{suffix}" if dot and stem else f"{name}-{n}"
    taken.add(candidate.lower())
    return candidate


class Receiver:
    """Feeds a multipart body to the parser; writes each file part as it comes."""

    def __init__(self, content_type: str, uploads_dir: Path, max_bytes: int) -> None:
        kind, params = parse_options_header(content_type)
        if kind != b"multipart/form-data" or b"boundary" not in params:
            raise BadRequest("Send the files as multipart/form-data.")
        self.upload = Upload(uuid.uuid4(), uploads_dir / ".incoming" / uuid.uuid4().hex)
        self.max_bytes, self.received = max_bytes, 0
        self._taken: set[str] = set()
        self._headers: dict[str, str] = {}
        self._header = ""
        self._field: bytearray | None = None
        self._file: IO[bytes] | None = None
        self._hash = hashlib.sha256()
        self._name, self._size = "", 0
        self.upload.folder.mkdir(parents=True)
        self.parser = MultipartParser(params[b"boundary"], {
            "on_part_begin": self._part_begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_headers_finished": self._headers_done,
            "on_part_data": self._data, "on_part_end": self._part_end,
        })

    def feed(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.received > self.max_bytes:
            raise PayloadTooLarge(f"An upload may be at most {self.max_bytes:,} bytes "
                                  "(CUSTODIA_UPLOAD_MAX_BYTES); nothing was kept.")
        try:
            self.parser.write(chunk)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise InsufficientStorage("The server's disk is full; nothing was kept.") from None
            raise
        except CustodiaError:
            raise
        except Exception as exc:  # python-multipart's parse errors
            raise BadRequest(f"The upload is not valid multipart/form-data: {exc}") from None

    def finish(self) -> Upload:
        self.parser.finalize()
        if self._file is not None:
            raise BadRequest("The upload ended in the middle of a file; nothing was kept.")
        return self.upload

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
        shutil.rmtree(self.upload.folder, ignore_errors=True)

    # -- parser callbacks ---------------------------------------------------------
    def _part_begin(self) -> None:
        self._headers, self._header = {}, ""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end].decode("latin-1").lower()

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        name = self._header
        self._headers[name] = self._headers.get(name, "") + data[start:end].decode("utf-8", "replace")

    def _headers_done(self) -> None:
        self._header = ""
        _, params = parse_options_header(self._headers.get("content-disposition", ""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in params:
            self._field, self._name = bytearray(), name
            return
        if len(self.upload.files) >= MAX_FILES:
            raise BadRequest(f"An upload may hold at most {MAX_FILES} files.")
        raw = params[b"filename"].decode("utf-8", "replace")
        self._name = safe_name(raw, self._taken)
        self._file = (self.upload.folder / self._name).open("xb")
        self._hash, self._size = hashlib.sha256(), 0

    def _data(self, data: bytes, start: int, end: int) -> None:
        piece = data[start:end]
        if self._file is not None:
            self._file.write(piece)
            self._hash.update(piece)
            self._size += len(piece)
        elif self._field is not None:
            self._field += piece
            if len(self._field) > MAX_FIELD_BYTES:
                raise BadRequest(f"The form field {self._name!r} is too long.")

    def _part_end(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            self.upload.files.append(UploadedFile(self._name, self._size, self._hash.hexdigest()))
        elif self._field is not None:
            self.upload.fields[self._name] = self._field.decode("utf-8", "replace")
            self._field = None

    def keep(self, uploads_dir: Path) -> Path:
        """Move the finished upload to its own folder; returns it."""
        target = uploads_dir / str(self.upload.id)
        self.upload.folder.rename(target)
        self.upload.folder = target
        return target
