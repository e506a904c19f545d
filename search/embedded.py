"""The embedded engine: SQLite FTS5 in a file of its own under the data directory.

A separate file (not the catalog database) keeps the engine the same whether the
catalog is SQLite or PostgreSQL, and lets a reindex build a new version beside
the live one and switch to it by renaming one pointer file.

FTS5 indexes the token streams of IndexDoc.streams() with its `ascii` tokenizer:
every non-ASCII character is a token character and our ASCII ones are letters and
digits, so FTS5 sees exactly the words search.analysis defines, as Elasticsearch
does. One FTS column per text field keeps phrases and proximity inside a field;
the content is stored because pre/N is checked on the stored words. The metadata
shares the FTS rowid, so replacing a document deletes its old text by rowid.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from datetime import datetime
from pathlib import Path

from search import analysis, embedded_facets
from search import embedded_pages as pages
from search.ast import TEXT_FIELDS, Node
from search.documents import IndexDoc
from search.embedded_query import (
    NEAR_FUNCTION,
    Expander,
    compile_query,
    epoch_ms,
    near_holds,
)
from search.results import (
    SORTS,
    IndexOutdated,
    SearchError,
    SearchPage,
    SearchSpec,
)

SCHEMA_VERSION = 6  # PRAGMA user_version; the previous layout (docs, docs_fts) had none
_COLUMNS = ", ".join(f'"{field}"' for field in TEXT_FIELDS)
# generation: of the indexing transaction that last wrote the document (see
# search.embedded_facets); meta holds the latest one and the file's random uid.
# Version 2 files get these in place.
_GENERATIONS = (
    "ALTER TABLE documents ADD COLUMN generation INTEGER NOT NULL DEFAULT 0",
    "CREATE INDEX documents_generation ON documents (generation)",
    "CREATE TABLE meta (uid TEXT NOT NULL, generation INTEGER NOT NULL)",
    "INSERT INTO meta (uid, generation) VALUES (lower(hex(randomblob(16))), 0)",
)
# version: the catalog's generation of the copy held (IndexDoc.version); an older copy
# sent later is ignored. Version 3 files get it in place.
_VERSIONS = ("ALTER TABLE documents ADD COLUMN version INTEGER NOT NULL DEFAULT 0",)
# thread_id and inclusive (app.threads): version 4 files get them in place, empty until
# `custodia reindex` (or the next change to each document) writes them.
_THREADS = ("ALTER TABLE documents ADD COLUMN thread_id TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE documents ADD COLUMN inclusive INTEGER",
            "CREATE INDEX documents_thread ON documents (thread_id)")
# near_duplicate_group: the id of its near-duplicate group, '' for none (neardup:). A
# version 5 file gets it in place; its copies show their groups once indexed again.
_NEAR_DUPLICATES = (
    "ALTER TABLE documents ADD COLUMN near_duplicate_group TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX documents_near_duplicate_group ON documents (near_duplicate_group)",
)
_UPGRADES = {2: (*_GENERATIONS, *_VERSIONS, *_THREADS, *_NEAR_DUPLICATES),
             3: (*_VERSIONS, *_THREADS, *_NEAR_DUPLICATES), 4: (*_THREADS, *_NEAR_DUPLICATES),
             5: _NEAR_DUPLICATES}
SCHEMA = (
    """CREATE TABLE documents (
        doc INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, family_id TEXT NOT NULL,
        parent_id TEXT, kind TEXT NOT NULL, date INTEGER, month TEXT NOT NULL,
        sender_domain TEXT NOT NULL, has_attachment INTEGER NOT NULL)""",
    *_GENERATIONS,
    *_VERSIONS,
    *_THREADS,
    *_NEAR_DUPLICATES,
    "CREATE INDEX documents_kind ON documents (kind)",
    "CREATE INDEX documents_date ON documents (date)",  # date: epoch milliseconds, UTC
    """CREATE TABLE custodians (
        doc INTEGER NOT NULL, custodian TEXT NOT NULL, PRIMARY KEY (doc, custodian)
    ) WITHOUT ROWID""",
    "CREATE INDEX custodians_name ON custodians (custodian, doc)",
    f"CREATE VIRTUAL TABLE doc_text USING fts5({_COLUMNS}, tokenize = 'ascii', prefix = '2 3')",
    # Every (word, field) ever indexed, for wildcard expansion: fts5vocab counts each word's
    # postings as it lists it, far too slow for a range of common words.
    "CREATE TABLE terms (term TEXT NOT NULL, field TEXT NOT NULL, PRIMARY KEY (term, field)) "
    "WITHOUT ROWID",
    f"PRAGMA user_version = {SCHEMA_VERSION}",
)


class EmbeddedEngine:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.pointer = directory / "current"

    @property
    def name(self) -> str:
        return "embedded"

    # -- versions ------------------------------------------------------------------
    def current_version(self) -> int:
        return int(self.pointer.read_text()) if self.pointer.exists() else 0

    def _path(self, version: int) -> Path:
        return self.directory / f"index-v{version}.sqlite"

    def _remove(self, version: int) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self._path(version)}{suffix}").unlink(missing_ok=True)

    def _switch(self, version: int) -> None:
        temporary = self.directory / "current.tmp"
        temporary.write_text(str(version))
        os.replace(temporary, self.pointer)

    def new_version(self) -> int:
        version = self.current_version() + 1
        self._remove(version)
        self._open(version).close()
        return version

    def activate(self, version: int) -> None:
        old = self.current_version()
        self._switch(version)
        if old and old != version:
            self._remove(old)

    def _open(self, version: int | None = None) -> sqlite3.Connection:
        """A connection to `version` (default: the live one, v1 the first time), schema in place."""
        if version is None:
            version = self.current_version()
            if not version:
                version = 1
                self._switch(1)
        connection = sqlite3.connect(self._path(version), timeout=60, isolation_level=None)
        try:
            if connection.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                _create(connection)
            connection.create_function(NEAR_FUNCTION, -1, near_holds, deterministic=True)
        except BaseException:
            connection.close()
            raise
        return connection

    # -- writing -------------------------------------------------------------------
    def index(self, docs: Iterable[IndexDoc], version: int | None = None) -> dict[str, str]:
        """Add or replace documents; refuses (by id, with the reason) those with a bad date.

        BEGIN IMMEDIATE: several worker processes may index at once, and the look-up
        and the insert of one document must not interleave with another's.
        """
        refused: dict[str, str] = {}
        terms: dict[str, set[str]] = {field: set() for field in TEXT_FIELDS}  # once per batch
        with closing(self._open(version)) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                generation = connection.execute(
                    "UPDATE meta SET generation = generation + 1 RETURNING generation").fetchone()[0]
                docs = list(docs)
                purged = _purged(connection, [doc.id for doc in docs])
                for doc in docs:
                    if doc.id in purged:
                        continue  # sent by a pass that read it before it was purged
                    try:
                        date = epoch_ms(datetime.fromisoformat(doc.date)) if doc.date else None
                    except ValueError:
                        refused[doc.id] = f"date {doc.date!r} is not ISO 8601"
                        continue
                    _write(connection, doc, date, generation, terms)
                connection.executemany("INSERT OR IGNORE INTO terms (term, field) VALUES (?, ?)",
                                       ((t, f) for f, words in terms.items() for t in sorted(words)))
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return refused

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents from every index file here (the live one and one a reindex is
        building), with the words only they held, so a purged record leaves no trace.

        The file's uid changes: cached facet arrays (search.embedded_facets) are rebuilt
        rather than caught up, since catching up only adds documents.
        """
        wanted = sorted(set(ids))
        if not wanted:
            return
        for path in sorted(self.directory.glob("index-v*.sqlite")):
            version = int(path.stem.removeprefix("index-v"))
            with closing(self._open(version)) as connection:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    _delete(connection, wanted)
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise

    def refresh(self) -> None:
        pass  # SQLite commits are visible at once

    def count(self) -> int:
        with closing(self._open()) as connection:
            return int(connection.execute("SELECT count(*) FROM documents").fetchone()[0])

    # -- searching -----------------------------------------------------------------
    def matching(self, query: Node, zone: str) -> dict[str, str]:
        with closing(self._open()) as connection:
            compiled = compile_query(query, zone, _expander(connection))
            rows = connection.execute(*pages.select(compiled, "d.id, d.family_id"))
            return dict(rows.fetchall())

    def search(self, spec: SearchSpec) -> SearchPage:
        """The hits' rowids, counted against the facet arrays, then the page.

        relevance: bm25 over search.ast.ranking_leaves, higher first; a document found
        by metadata or addresses alone scores a neutral 0. newest/oldest: by date,
        undated last. Ties go by id. The cursor is the last hit's sort key (urlsafe
        base64 of JSON). A first page is picked from the best-scored (or dated) few
        (embedded_pages.first_page); a later page, or one that way cannot settle,
        sorts every hit in a temp table.
        """
        if spec.sort not in SORTS:
            raise SearchError(f"Sort by one of: {', '.join(SORTS)}")
        after = pages.decode(spec.cursor, spec.sort) if spec.cursor else None
        with closing(self._open()) as connection:
            connection.execute("BEGIN")  # one snapshot for the hits, the page and the facets
            try:
                path = connection.execute("PRAGMA database_list").fetchone()[2]
                arrays = embedded_facets.snapshot(connection, path)  # starts the snapshot
                compiled = compile_query(spec.query, spec.zone, _expander(connection))
                rowids = pages.rowids(connection, compiled, arrays, spec.zone)
                facets = arrays.count(rowids) if spec.facets else {}
                page = None
                if after is None:
                    page = pages.first_page(connection, spec, compiled, rowids, arrays)
                if page is None:
                    pages.collect(connection, compiled, spec.sort == "relevance")
                    page = pages.page(connection, spec, after)
            finally:
                connection.execute("ROLLBACK")
        return SearchPage(total=len(rowids), hits=page[0], facets=facets, cursor=page[1])


def _create(connection: sqlite3.Connection) -> None:
    """Lay out a new index file (or check a file another process laid out meanwhile)."""
    connection.execute("PRAGMA journal_mode = WAL")  # searches do not wait for indexing
    connection.execute("BEGIN IMMEDIATE")
    try:
        stamp = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if stamp in _UPGRADES:  # the same but for columns added since: add them in place
            for statement in (*_UPGRADES[stamp], f"PRAGMA user_version = {SCHEMA_VERSION}"):
                connection.execute(statement)
        elif stamp != SCHEMA_VERSION and (stamp or tables):
            raise IndexOutdated("The search index was built by an older version of Custodia; "
                              "rebuild it with `custodia reindex`")
        elif not tables:
            for statement in SCHEMA:
                connection.execute(statement)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def _write(connection: sqlite3.Connection, doc: IndexDoc, date: int | None, generation: int,
           terms: dict[str, set[str]]) -> None:
    """Add or replace one document unless a newer copy is held; adds its words to `terms`."""
    fields = (doc.family_id, doc.parent_id, doc.kind, date, doc.month, doc.sender_domain,
              int(doc.has_attachment), generation, doc.version, doc.thread_id,
              None if doc.inclusive is None else int(doc.inclusive), doc.near_duplicate_group)
    row = connection.execute("SELECT doc, version FROM documents WHERE id = ?", (doc.id,)).fetchone()
    if row is None:
        rowid = connection.execute(
            "INSERT INTO documents (id, family_id, parent_id, kind, date, month, sender_domain, "
            "has_attachment, generation, version, thread_id, inclusive, near_duplicate_group) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc.id, *fields)).lastrowid
    elif row[1] > doc.version:
        return
    else:
        rowid = row[0]
        connection.execute("DELETE FROM doc_text WHERE rowid = ?", (rowid,))
        connection.execute("DELETE FROM custodians WHERE doc = ?", (rowid,))
        connection.execute(
            "UPDATE documents SET family_id = ?, parent_id = ?, kind = ?, date = ?, month = ?, "
            "sender_domain = ?, has_attachment = ?, generation = ?, version = ?, thread_id = ?, "
            "inclusive = ?, near_duplicate_group = ? WHERE doc = ?",
            (*fields, rowid))
    streams = doc.streams()
    connection.execute(f"INSERT INTO doc_text (rowid, {_COLUMNS}) VALUES (?{', ?' * len(TEXT_FIELDS)})",
                       (rowid, *(streams[field] for field in TEXT_FIELDS)))
    for field in TEXT_FIELDS:
        terms[field].update(streams[field].split())
    connection.executemany("INSERT OR IGNORE INTO custodians (doc, custodian) VALUES (?, ?)",
                           [(rowid, name) for name in doc.custodians])


# Ids purged from the catalog: an indexer pass that read one before its purge cannot
# put it back. Laid down by the first purge (files without one have had none).
_PURGED = "CREATE TABLE IF NOT EXISTS purged (id TEXT PRIMARY KEY) WITHOUT ROWID"


def _purged(connection: sqlite3.Connection, ids: list[str]) -> set[str]:
    if not ids or connection.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'purged'").fetchone() is None:
        return set()
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found |= {row[0] for row in connection.execute(
            f"SELECT id FROM purged WHERE id IN ({', '.join('?' * len(chunk))})", chunk)}
    return found


def _delete(connection: sqlite3.Connection, ids: list[str]) -> None:
    """Delete documents by id in an open write transaction, and the terms no one else has."""
    connection.execute(_PURGED)
    connection.executemany("INSERT OR IGNORE INTO purged (id) VALUES (?)", ((i,) for i in ids))
    words: set[tuple[str, str]] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        rowids = [row[0] for row in connection.execute(
            f"SELECT doc FROM documents WHERE id IN ({marks})", chunk)]
        for rowid in rowids:
            row = connection.execute(f"SELECT {_COLUMNS} FROM doc_text WHERE rowid = ?",
                                     (rowid,)).fetchone()
            for field, stream in zip(TEXT_FIELDS, row or (), strict=False):
                words.update((term, field) for term in (stream or "").split())
            connection.execute("DELETE FROM doc_text WHERE rowid = ?", (rowid,))
            connection.execute("DELETE FROM custodians WHERE doc = ?", (rowid,))
            connection.execute("DELETE FROM documents WHERE doc = ?", (rowid,))
    for term, field in sorted(words):
        # A term is one word of search.analysis (letters and digits): safe inside quotes.
        still = connection.execute("SELECT 1 FROM doc_text WHERE doc_text MATCH ? LIMIT 1",
                                   (f'"{field}" : "{term}"',)).fetchone()
        if still is None:
            connection.execute("DELETE FROM terms WHERE term = ? AND field = ?", (term, field))
    connection.execute("UPDATE meta SET uid = lower(hex(randomblob(16))), "
                       "generation = generation + 1")


def _expander(connection: sqlite3.Connection) -> Expander:
    def expand(pattern: str, columns: tuple[str, ...], limit: int) -> list[str]:
        """Index words matching `pattern`: a term range on its literal start, then GLOB."""
        stem = analysis.literal_start(pattern)
        marks = ", ".join("?" * len(columns))
        rows = connection.execute(
            "SELECT DISTINCT term FROM terms WHERE term >= ? AND term < ? AND term GLOB ? "
            f"AND field IN ({marks}) LIMIT ?", (stem, stem + "\U0010ffff", pattern, *columns, limit + 1))
        return [row[0] for row in rows]
    return expand
