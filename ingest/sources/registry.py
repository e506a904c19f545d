"""Which reader handles a job's source, chosen by the source's type.

- path: files or folders given to `custodia ingest` by someone with a shell on the
  server; read wherever they are.
- root: a path inside an ingest root an administrator declared (`within` is the
  root's folder when the job was queued); nothing outside it is read.
- upload: files a clerk uploaded, kept under the data directory.
- imap: a mailbox through a mail connection an administrator set up.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.sources.base import Source, SourceError
from ingest.sources.files import PathSource
from ingest.sources.imap import ImapAccount, ImapSource

Accounts = Callable[[str], ImapAccount]  # a mail connection's id -> its account, for workers


def open_sources(spec: dict[str, Any], accounts: Accounts | None = None) -> list[Source]:
    kind = spec.get("type")
    if kind == "path":
        paths = spec.get("paths") or []
        if not paths:
            raise SourceError("a path source needs at least one path")
        missing = [p for p in paths if not Path(p).expanduser().exists()]
        if missing:
            raise SourceError(f"no such file or folder: {', '.join(missing)}")
        return [PathSource(p) for p in paths]
    if kind == "root":
        within = Path(spec["within"])
        return [PathSource(str(within / spec["path"]), within, f"{spec['root']}:/{spec['path']}")]
    if kind == "upload":
        within = Path(spec["within"])
        return [PathSource(str(within), within, f"upload:{spec['upload_id']}")]
    if kind == "imap":
        if accounts is None:
            raise SourceError("an IMAP source is opened by a worker, with its mail connection")
        return [ImapSource(accounts(spec["connection_id"]), spec.get("folders"))]
    raise SourceError(f"unknown source type {kind!r}")
