"""The embedded engine: SQLite FTS5 in a file of its own under the data directory.

A separate file (not the catalog database) keeps the engine the same whether the
catalog is SQLite or PostgreSQL, and lets a reindex build a new version beside
the live one and switch to it by renaming one pointer file.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from search.documents import IndexDoc

# The full-text rows share the rowid of their `docs` row, so replacing a document
# deletes its old text by rowid instead of scanning the whole index for its id.
SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, family_id TEXT, parent_id TEXT,
    kind TEXT, date TEXT, data TEXT
);
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(
    subject, body, sender, recipients, custodians, filename,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
"""


class EmbeddedEngine:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.pointer = directory / "current"

    @property
    def name(self) -> str:
        return "embedded"

    def current_version(self) -> int:
        return int(self.pointer.read_text()) if self.pointer.exists() else 0

    def _path(self, version: int) -> Path:
        return self.directory / f"index-v{version}.sqlite"

    def _connect(self, version: int | None = None) -> sqlite3.Connection:
        if version is None:
            version = self.current_version() or self._create_first()
        connection = sqlite3.connect(self._path(version), timeout=60, isolation_level=None)
        connection.executescript(SCHEMA)
        return connection

    def _create_first(self) -> int:
        self._switch(1)
        return 1

    def _switch(self, version: int) -> None:
        temporary = self.directory / "current.tmp"
        temporary.write_text(str(version))
        os.replace(temporary, self.pointer)

    def index(self, docs: Iterable[IndexDoc], version: int | None = None) -> dict[str, str]:
        """Add or replace documents; returns failures by id (none: SQLite fails whole).

        BEGIN IMMEDIATE: several worker processes may index at once, and the look-up
        and the insert of one document must not interleave with another's.
        """
        connection = self._connect(version)
        try:
            connection.execute("BEGIN IMMEDIATE")
            self._write(connection, docs)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        finally:
            connection.close()
        return {}

    def _write(self, connection: sqlite3.Connection, docs: Iterable[IndexDoc]) -> None:
        for doc in docs:
            fields = (doc.family_id, doc.parent_id, doc.kind, doc.date,
                      json.dumps(doc.as_dict()))
            found = connection.execute("SELECT rowid FROM docs WHERE id = ?", (doc.id,))
            row = found.fetchone()
            if row is None:
                rowid = connection.execute(
                    "INSERT INTO docs (id, family_id, parent_id, kind, date, data) "
                    "VALUES (?, ?, ?, ?, ?, ?)", (doc.id, *fields)).lastrowid
            else:
                rowid = row[0]
                connection.execute("DELETE FROM docs_fts WHERE rowid = ?", (rowid,))
                connection.execute(
                    "UPDATE docs SET family_id = ?, parent_id = ?, kind = ?, date = ?, "
                    "data = ? WHERE rowid = ?", (*fields, rowid))
            connection.execute(
                "INSERT INTO docs_fts (rowid, subject, body, sender, recipients, custodians, "
                "filename) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (rowid, doc.subject, doc.body, doc.sender,
                 " ".join(doc.to + doc.cc + doc.bcc), " ".join(doc.custodians),
                 doc.filename))

    def refresh(self) -> None:
        pass  # SQLite commits are visible at once

    def count(self) -> int:
        with self._connect() as connection:
            return int(connection.execute("SELECT count(*) FROM docs").fetchone()[0])

    def find_phrase(self, phrase: str, limit: int = 1000) -> list[str]:
        """Ids of documents containing the words of `phrase` in order (any text field)."""
        words = re.findall(r"\w+", phrase)
        if not words:
            return []
        query = '"' + " ".join(words) + '"'
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT docs.id FROM docs_fts JOIN docs ON docs.rowid = docs_fts.rowid "
                "WHERE docs_fts MATCH ? LIMIT ?", (query, limit))
            return [row[0] for row in rows]

    def new_version(self) -> int:
        version = self.current_version() + 1
        self._path(version).unlink(missing_ok=True)
        self._connect(version).close()
        return version

    def activate(self, version: int) -> None:
        old = self.current_version()
        self._switch(version)
        if old and old != version:
            self._path(old).unlink(missing_ok=True)
