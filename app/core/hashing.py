"""The one SHA-256 helper: natives, dedup keys, audit entries and API tokens all use it."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256(data: bytes | str) -> str:
    """Hex digest of the bytes (text is hashed as UTF-8)."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex digest of a file, read a megabyte at a time."""
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()
