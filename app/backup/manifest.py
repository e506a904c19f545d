"""What a backup holds, written last as manifest.json: a backup without it is incomplete.

Natives are named by their SHA-256, so the manifest counts them; every other file is
listed with its own hash. A restore trusts nothing in the folder that the manifest does
not name and hash, and no path in it may leave the folder.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

MANIFEST = "manifest.json"
DATABASE = "custodia.db"
NATIVES = "natives"
MAX_MANIFEST_BYTES = 64 * 2**20
SearchNote = Literal["not included: the restore rebuilds the search index from the catalog"]
SEARCH_NOTE: SearchNote = "not included: the restore rebuilds the search index from the catalog"
_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
# Kept by the database, the natives walk or the restore itself: never a listed file.
RESERVED = frozenset({MANIFEST, DATABASE, NATIVES, "search", "metrics"})


class BackupUnusable(Exception):
    """The folder is not a complete, unaltered backup; the message says what is wrong."""


def safe_path(value: str) -> PurePosixPath:
    """A relative path of plain names inside the backup, or ValueError."""
    path = PurePosixPath(value)
    if path.is_absolute() or not path.parts or not all(_PART.match(p) for p in path.parts):
        raise ValueError(f"{value!r} is not a plain relative path")
    if path.parts[0] in RESERVED:
        raise ValueError(f"{value!r} is kept by the backup itself, not as a listed file")
    return path


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class FileEntry(Entry):
    @field_validator("path")
    @classmethod
    def _plain(cls, value: str) -> str:
        safe_path(value)
        return value


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    format: Literal[1] = 1
    made_at: datetime
    made_by: str
    schema_revision: str = Field(pattern=r"^[0-9A-Za-z_]{1,64}$")
    database: Entry
    natives: int = Field(ge=0)
    natives_bytes: int = Field(ge=0)
    files: list[FileEntry]
    audit_head_seq: int | None
    audit_head_hash: str | None = Field(pattern=r"^[0-9a-f]{64}$")
    search_index: SearchNote

    @field_validator("database")
    @classmethod
    def _database_file(cls, value: Entry) -> Entry:
        if value.path != DATABASE:
            raise ValueError(f"the database must be {DATABASE}")
        return value


def write(folder: Path, manifest: Manifest) -> None:
    partial = folder / f"{MANIFEST}.part"
    partial.write_text(json.dumps(manifest.model_dump(mode="json"), indent=2) + "\n")
    partial.chmod(0o600)
    partial.replace(folder / MANIFEST)


def read(folder: Path) -> Manifest:
    path = folder / MANIFEST
    if path.is_symlink() or not path.is_file():
        raise BackupUnusable(f"{folder} has no {MANIFEST}: it is not a backup, or the "
                             f"backup did not finish")
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise BackupUnusable(f"{path} is larger than any manifest Custodia writes")
    try:
        return Manifest.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the file"
        raise BackupUnusable(f"{path} is not a Custodia backup manifest: {where}: "
                             f"{first['msg']}") from None
