"""Mail and voicemail from files: EML, MBOX, Maildir, MSG, PST, voicemail exports, zips.

Directories and zip archives are walked recursively, in a stable order, so the
n-th item of a source is the same item on every run (a resumed job skips the
items it already handled). A walk confined to a folder (an ingest root, an upload)
reads nothing that resolves outside it: a symlink that leads out is listed as an
error, never followed. Only regular files are read: a FIFO or a device would
block or never end.
"""

from __future__ import annotations

import io
import json
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session

from ingest import voicemail
from ingest.extract.archive import open_zip
from ingest.extract.base import ExtractionError
from ingest.extract.limits import DEFAULT_LIMITS
from ingest.items import SourceItem
from ingest.sources.base import SourceError

AUDIO = {".wav", ".mp3", ".amr", ".m4a", ".ogg", ".gsm"}
OUTSIDE = "refused: it leads outside the folder this job may read"
NOT_A_FILE = "refused: not a regular file (a device, pipe or socket)"


class PathSource:
    """A file or folder on the workers; `within`, when set, bounds everything read."""

    stateful = False

    def __init__(self, path: str, within: Path | None = None, name: str | None = None) -> None:
        self.path = Path(path).expanduser().resolve()
        self.within = within.resolve() if within is not None else None
        if self.within is not None and not self.path.is_relative_to(self.within):
            raise SourceError("the path leads outside the folder this job may read")
        self.name = name or str(self.path)

    def items(self, session: Session) -> Iterator[SourceItem]:
        return iter_path(self.path, self.within)

    def done(self, session: Session, item: SourceItem) -> None:
        pass

    def total_bytes(self) -> int | None:
        if self.path.is_file():
            return self.path.stat().st_size
        return sum(p.stat().st_size for p in self.path.rglob("*") if _readable(p, self.within))


def _readable(path: Path, within: Path | None) -> bool:
    """A regular file, and (when confined) one that resolves inside `within`."""
    try:
        resolved = path.resolve()
        mode = resolved.stat().st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) and (within is None or resolved.is_relative_to(within))


def iter_path(path: Path, within: Path | None = None) -> Iterator[SourceItem]:
    """Every item under `path`, a file or a directory (confined to `within` when given)."""
    if not path.exists():
        raise FileNotFoundError(f"{path.name} does not exist")
    if path.is_dir():
        yield from _Walk(path, within).directory(path)
    elif not _readable(path, within):
        yield SourceItem(path.name, "", b"", "file", error=NOT_A_FILE)
    else:
        yield from _file(path.name, path.read_bytes() if _small(path) else None, path, "")


def _small(path: Path) -> bool:
    # MBOX and PST files are read by offset, never whole; everything else is a message.
    return path.suffix.lower() not in {".pst", ".ost"} and not _is_mbox(path)


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


class _Walk:
    def __init__(self, root: Path, within: Path | None) -> None:
        self.root, self.within = root, within
        self.seen: set[Path] = set()  # folders already walked: a symlink loop ends here

    def directory(self, directory: Path) -> Iterator[SourceItem]:
        resolved = directory.resolve()
        if resolved in self.seen:
            return
        self.seen.add(resolved)
        entries = sorted(directory.iterdir(), key=lambda p: p.name)
        refused = {e for e in entries if not e.name.startswith(".") and self._refusal(e)}
        for entry in sorted(refused):
            relative = entry.relative_to(self.root).as_posix()
            yield SourceItem(relative, _folder(entry.parent.relative_to(self.root).as_posix()),
                             b"", "file", error=self._refusal(entry))
        entries = [e for e in entries if e not in refused]
        sidecars = {p for p in entries if p.suffix.lower() == ".json" and _voicemail_sidecar(p)}
        audio_with_sidecar: set[Path] = set()
        for sidecar in sidecars:
            audio = _audio_for(sidecar, entries)
            if audio is not None:
                audio_with_sidecar.add(audio)
                yield _voicemail_item(self.root, sidecar, audio)
        for entry in entries:
            if entry in sidecars or entry in audio_with_sidecar or entry.name.startswith("."):
                continue
            if entry.is_dir():
                yield from self.directory(entry)
            else:
                relative = entry.relative_to(self.root).as_posix()
                folder = _folder(entry.parent.relative_to(self.root).as_posix())
                data = entry.read_bytes() if _small(entry) else None
                yield from _file(relative, data, entry, folder)

    def _refusal(self, entry: Path) -> str | None:
        """Why an entry is not read, or None."""
        resolved = entry.resolve()
        if self.within is not None and not resolved.is_relative_to(self.within):
            return OUTSIDE
        if resolved.is_dir():
            return None
        return None if _readable(entry, self.within) else NOT_A_FILE


def _folder(relative: str) -> str:
    # Maildir keeps messages in cur/ and new/: those are states, not folders.
    parts = [p for p in PurePosixPath(relative).parts if p not in {".", "cur", "new", "tmp"}]
    return "/".join(parts)


def _voicemail_sidecar(path: Path) -> bool:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, OSError):
        return False
    return isinstance(meta, dict) and ("transcript" in meta or "caller_number" in meta)


def _audio_for(sidecar: Path, entries: list[Path]) -> Path | None:
    named = json.loads(sidecar.read_text(encoding="utf-8")).get("audio")
    for entry in entries:
        if entry.suffix.lower() in AUDIO and (entry.name == named or entry.stem == sidecar.stem):
            return entry
    return None


def _voicemail_item(root: Path, sidecar: Path, audio: Path) -> SourceItem:
    meta = voicemail.from_sidecar(json.loads(sidecar.read_text(encoding="utf-8")))
    meta["audio_filename"] = audio.name
    return SourceItem(
        source_id=audio.relative_to(root).as_posix(),
        folder=_folder(audio.parent.relative_to(root).as_posix()),
        native=audio.read_bytes(),
        native_format="voicemail",
        voicemail=meta,
        filename=audio.name,
    )


def _file(name: str, data: bytes | None, path: Path | None, folder: str) -> Iterator[SourceItem]:
    """Items of one file; `data` is None for files read from disk by offset (MBOX, PST)."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in {".pst", ".ost"} and path is not None:
        yield from _pst(name, path, folder)
    elif data is None and path is not None:
        yield from _mbox(name, path, _folder(name))
    elif data is not None and data.startswith(b"From "):
        yield from _mbox_bytes(name, data, _folder(name))
    elif data is not None and suffix == ".zip":
        yield from _zip(name, data)
    elif data is not None and suffix == ".msg":
        yield _msg(name, data, folder)
    elif data is not None:
        yield SourceItem(name, folder, data, "eml", filename=PurePosixPath(name).name)


def _mbox(name: str, path: Path, folder: str) -> Iterator[SourceItem]:
    with path.open("rb") as handle:
        yield from _mbox_messages(name, handle, folder)


def _mbox_bytes(name: str, data: bytes, folder: str) -> Iterator[SourceItem]:
    yield from _mbox_messages(name, io.BytesIO(data), folder)


def _mbox_messages(name: str, lines: Iterable[bytes], folder: str) -> Iterator[SourceItem]:
    """Split an mbox as it streams by: memory stays at one message, whatever the file size.

    A message starts at a "From " line at the start of the file or after a blank
    line; body lines escaped as ">From " are restored.
    """
    index, message, previous_blank = 0, bytearray(), True
    for line in lines:
        if line.startswith(b"From ") and previous_blank:
            if message:
                yield SourceItem(f"{name}#{index}", folder, _unescape(message), "eml")
                index += 1
            message = bytearray()
        else:
            message += line
        previous_blank = line in (b"\n", b"\r\n")
    if message:
        yield SourceItem(f"{name}#{index}", folder, _unescape(message), "eml")


def _unescape(message: bytearray) -> bytes:
    # The separating blank line belongs to the mbox, not to the message.
    data = bytes(message)
    if data.endswith(b"\r\n\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n\n"):
        data = data[:-1]
    return data.replace(b"\n>From ", b"\nFrom ")


def _zip(name: str, data: bytes) -> Iterator[SourceItem]:
    """Members of a zip, read with the extractors' bomb-proof limits."""
    try:
        with open_zip(data, DEFAULT_LIMITS) as archive:
            for info in sorted(archive.members, key=lambda i: i.filename):
                member = f"{name}::{info.filename}"
                folder = _folder(f"{name}/{PurePosixPath(info.filename).parent}")
                if info.flag_bits & 0x1:
                    yield SourceItem(member, folder, b"", "zip", error="encrypted zip member")
                    continue
                try:
                    content = archive.read(info)
                except ExtractionError as exc:
                    yield SourceItem(member, folder, b"", "zip", error=exc.reason)
                    continue
                yield from _file(member, content, None, folder)
    except ExtractionError as exc:
        yield SourceItem(name, "", data, "zip", error=exc.reason)


def _msg(name: str, data: bytes, folder: str) -> SourceItem:
    from ingest.sources.msg import read_msg

    try:
        message = read_msg(data)
    except ValueError as exc:
        return SourceItem(name, folder, data, "msg", error=str(exc))
    return SourceItem(name, folder, data, "msg", message=message, filename=PurePosixPath(name).name)


def _pst(name: str, path: Path, folder: str) -> Iterator[SourceItem]:
    from ingest.sources.pst import iter_pst

    try:
        items = iter_pst(path)
        for item in items:
            item_folder = "/".join(p for p in (folder, item.folder) if p)
            yield SourceItem(
                f"{name}::{item.source_id}",
                item_folder,
                item.native,
                "pst",
                message=item.message,
                error=item.error,
            )
    except ValueError as exc:
        yield SourceItem(name, folder, b"", "pst", error=f"unreadable PST: {exc}")
