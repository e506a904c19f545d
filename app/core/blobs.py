"""Native bytes stored once, content-addressed under the data directory."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.clock import clock_of
from app.core.db import insert_or_ignore
from app.core.hashing import sha256, sha256_file
from app.models import Blob


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.unsynced = False
        self.pending_rows: dict[str, int] = {}

    def attach(self, session: Session) -> None:
        """Write this session's new blob rows in one statement, just before each flush.

        Rows that name a blob always flush after it, so the foreign keys hold, and a
        batch of a hundred messages costs one insert instead of a hundred.
        """
        event.listen(session, "before_flush", self._write_rows)

    def _write_rows(self, session: Session, *_: object) -> None:
        if not self.pending_rows:
            return
        now = clock_of(session).now()
        rows = [{"sha256": d, "size": n, "created_at": now} for d, n in self.pending_rows.items()]
        self.pending_rows = {}
        insert_or_ignore(session, Blob, rows)

    def sync(self) -> None:
        """Make written natives durable; call before committing the rows that name them.

        One sync per batch instead of one fsync per file: the same guarantee at a
        fraction of the cost when a batch writes hundreds of small files.
        """
        if self.unsynced:
            os.sync()
            self.unsynced = False

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        """Store the bytes (once); their row is written at the session's next flush."""
        digest = sha256(data)
        target = self.path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a reader never sees half a file under its final name.
            partial = target.with_name(f"{digest}.{os.getpid()}.{threading.get_ident()}.part")
            partial.write_bytes(data)
            os.replace(partial, target)
            self.unsynced = True
        self.pending_rows[digest] = len(data)
        return digest

    def read(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def verify(self, digest: str) -> str | None:
        """None when the stored file still hashes to its name; otherwise what is wrong."""
        target = self.path(digest)
        if not target.exists():
            return "missing"
        found = sha256_file(target)
        return None if found == digest else f"hash is now {found}"
