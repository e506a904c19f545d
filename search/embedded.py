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

import base64
import json
import os
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import cast

from search.ast import TEXT_FIELDS, Node
from search.documents import IndexDoc
from search.embedded_query import (
    NEAR_FUNCTION,
    Compiled,
    Expander,
    compile_query,
    epoch_ms,
    near_holds,
)
from search.results import (
    FACETS,
    SORTS,
    BadCursor,
    Hit,
    SearchError,
    SearchPage,
    SearchSpec,
    sorted_facet,
)

SCHEMA_VERSION = 2  # PRAGMA user_version; the previous layout (docs, docs_fts) had none
_COLUMNS = ", ".join(f'"{field}"' for field in TEXT_FIELDS)
SCHEMA = (
    """CREATE TABLE documents (
        doc INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, family_id TEXT NOT NULL,
        parent_id TEXT, kind TEXT NOT NULL, date INTEGER, month TEXT NOT NULL,
        sender_domain TEXT NOT NULL, has_attachment INTEGER NOT NULL)""",
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
_HITS = """CREATE TEMP TABLE hits (
    doc INTEGER PRIMARY KEY, id TEXT, date INTEGER, kind TEXT, month TEXT, domain TEXT,
    score REAL NOT NULL DEFAULT 0)"""
# sort -> ORDER BY over temp.hits; undated documents come last either way, ties by id
_ORDER = {"relevance": "h.score DESC, h.id", "newest": "h.date IS NULL, h.date DESC, h.id",
          "oldest": "h.date IS NULL, h.date, h.id"}
_FACET_SQL = {
    "custodian": "SELECT c.custodian, count(*) FROM temp.hits h CROSS JOIN custodians c "
                 "ON c.doc = h.doc WHERE c.custodian != '' GROUP BY c.custodian",
    "type": "SELECT kind, count(*) FROM temp.hits WHERE kind != '' GROUP BY kind",
    "month": "SELECT month, count(*) FROM temp.hits WHERE month != '' GROUP BY month",
    "sender_domain": "SELECT domain, count(*) FROM temp.hits WHERE domain != '' GROUP BY domain",
}
assert set(_FACET_SQL) == set(FACETS) and set(_ORDER) == set(SORTS)


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
                for doc in docs:
                    try:
                        date = epoch_ms(datetime.fromisoformat(doc.date)) if doc.date else None
                    except ValueError:
                        refused[doc.id] = f"date {doc.date!r} is not ISO 8601"
                        continue
                    _write(connection, doc, date, terms)
                connection.executemany("INSERT OR IGNORE INTO terms (term, field) VALUES (?, ?)",
                                       ((t, f) for f, words in terms.items() for t in sorted(words)))
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return refused

    def refresh(self) -> None:
        pass  # SQLite commits are visible at once

    def count(self) -> int:
        with closing(self._open()) as connection:
            return int(connection.execute("SELECT count(*) FROM documents").fetchone()[0])

    # -- searching -----------------------------------------------------------------
    def matching(self, query: Node, zone: str) -> dict[str, str]:
        with closing(self._open()) as connection:
            compiled = compile_query(query, zone, _expander(connection))
            rows = connection.execute(
                f"SELECT d.id, d.family_id FROM documents d WHERE {compiled.where}",
                compiled.params)
            return dict(rows.fetchall())

    def search(self, spec: SearchSpec) -> SearchPage:
        """Collect every hit (with its sort key) in a temp table, then page and count it.

        relevance: bm25 over the positive text leaves, higher first; a document found by
        metadata alone scores a neutral 0. newest/oldest: by date, undated last. Ties go
        by id. The cursor is the last hit's sort key (urlsafe base64 of JSON), so a page
        costs the same however deep it is.
        """
        if spec.sort not in SORTS:
            raise SearchError(f"Sort by one of: {', '.join(SORTS)}")
        after = _decode(spec.cursor, spec.sort) if spec.cursor else None
        with closing(self._open()) as connection:
            connection.execute("BEGIN")  # one snapshot for the hits, the page and the facets
            try:
                compiled = compile_query(spec.query, spec.zone, _expander(connection))
                _collect(connection, compiled, spec.sort == "relevance")
                total = connection.execute("SELECT count(*) FROM temp.hits").fetchone()[0]
                hits, cursor = _page(connection, spec, after)
                facets = ({name: sorted_facet(dict(connection.execute(sql).fetchall()), name)
                           for name, sql in _FACET_SQL.items()} if spec.facets else {})
            finally:
                connection.execute("ROLLBACK")
        return SearchPage(total=int(total), hits=hits, facets=facets, cursor=cursor)


def _create(connection: sqlite3.Connection) -> None:
    """Lay out a new index file (or check a file another process laid out meanwhile)."""
    connection.execute("PRAGMA journal_mode = WAL")  # searches do not wait for indexing
    connection.execute("BEGIN IMMEDIATE")
    try:
        stamp = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if stamp != SCHEMA_VERSION and (stamp or tables):
            raise SearchError("The search index was built by an older version of Custodia; "
                              "rebuild it with a reindex")
        if not tables:
            for statement in SCHEMA:
                connection.execute(statement)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def _write(connection: sqlite3.Connection, doc: IndexDoc, date: int | None,
           terms: dict[str, set[str]]) -> None:
    """Add or replace one document; adds its words to `terms` (field -> words)."""
    fields = (doc.family_id, doc.parent_id, doc.kind, date, doc.month, doc.sender_domain,
              int(doc.has_attachment))
    row = connection.execute("SELECT doc FROM documents WHERE id = ?", (doc.id,)).fetchone()
    if row is None:
        rowid = connection.execute(
            "INSERT INTO documents (id, family_id, parent_id, kind, date, month, sender_domain, "
            "has_attachment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (doc.id, *fields)).lastrowid
    else:
        rowid = row[0]
        connection.execute("DELETE FROM doc_text WHERE rowid = ?", (rowid,))
        connection.execute("DELETE FROM custodians WHERE doc = ?", (rowid,))
        connection.execute(
            "UPDATE documents SET family_id = ?, parent_id = ?, kind = ?, date = ?, month = ?, "
            "sender_domain = ?, has_attachment = ? WHERE doc = ?", (*fields, rowid))
    streams = doc.streams()
    connection.execute(f"INSERT INTO doc_text (rowid, {_COLUMNS}) VALUES (?{', ?' * len(TEXT_FIELDS)})",
                       (rowid, *(streams[field] for field in TEXT_FIELDS)))
    for field in TEXT_FIELDS:
        terms[field].update(streams[field].split())
    connection.executemany("INSERT OR IGNORE INTO custodians (doc, custodian) VALUES (?, ?)",
                           [(rowid, name) for name in doc.custodians])


def _expander(connection: sqlite3.Connection) -> Expander:
    def expand(pattern: str, columns: tuple[str, ...], limit: int) -> list[str]:
        """Index words matching `pattern`: a term range on its literal start, then GLOB."""
        stem = pattern[:min(i for i in (pattern.find("*"), pattern.find("?")) if i >= 0)]
        marks = ", ".join("?" * len(columns))
        rows = connection.execute(
            "SELECT DISTINCT term FROM terms WHERE term >= ? AND term < ? AND term GLOB ? "
            f"AND field IN ({marks}) LIMIT ?", (stem, stem + "\U0010ffff", pattern, *columns, limit + 1))
        return [row[0] for row in rows]
    return expand


def _collect(connection: sqlite3.Connection, compiled: Compiled, scored: bool) -> None:
    """Fill temp.hits; a query of text alone is one FTS5 pass that also yields bm25."""
    connection.execute(_HITS)
    columns = "INSERT INTO temp.hits (doc, id, date, kind, month, domain, score) SELECT d.doc, d.id, " \
              "d.date, d.kind, d.month, d.sender_domain"
    if compiled.match is not None:
        score = "-bm25(doc_text)" if scored else "0"  # bm25 is negative, lower is better
        connection.execute(f"{columns}, {score} FROM doc_text CROSS JOIN documents d "
                           "ON d.doc = doc_text.rowid WHERE doc_text MATCH ?", (compiled.match,))
        return
    connection.execute(f"{columns}, 0 FROM documents d WHERE {compiled.where}", compiled.params)
    if scored and compiled.scoring:  # metadata-only hits keep the neutral 0
        connection.execute(
            "UPDATE temp.hits SET score = s.score FROM (SELECT rowid AS doc, -bm25(doc_text) AS score "
            "FROM doc_text WHERE doc_text MATCH ?) AS s WHERE hits.doc = s.doc", (compiled.scoring,))


def _page(connection: sqlite3.Connection, spec: SearchSpec,
          after: tuple[float | int | None, str] | None) -> tuple[list[Hit], str | None]:
    """One page after `after` (keyset), and the cursor of the next page if there is one."""
    key = "h.score" if spec.sort == "relevance" else "h.date"
    where, params = "1", list[object]()
    if after is not None and after[0] is None:  # only undated documents remain, in id order
        where, params = "h.date IS NULL AND h.id > ?", [after[1]]
    elif after is not None:
        beyond = ">" if spec.sort == "oldest" else "<"
        undated = "h.date IS NULL OR " if spec.sort != "relevance" else ""
        where = f"({undated}{key} {beyond} ? OR ({key} = ? AND h.id > ?))"
        params = [after[0], after[0], after[1]]
    size = max(spec.size, 0)
    rows = connection.execute(  # sort the hits alone, then fetch the page's rows
        f"SELECT h.id, d.family_id, d.parent_id, d.kind, h.score, {key} FROM (SELECT * FROM "
        f"temp.hits h WHERE {where} ORDER BY {_ORDER[spec.sort]} LIMIT ?) h "
        f"JOIN documents d ON d.doc = h.doc ORDER BY {_ORDER[spec.sort]}",
        (*params, size + 1)).fetchall()
    scored = spec.sort == "relevance"
    hits = [Hit(r[0], r[1], r[2], r[3], float(r[4]) if scored else None) for r in rows[:size]]
    cursor = _encode(spec.sort, rows[size - 1][5], rows[size - 1][0]) if len(rows) > size > 0 else None
    return hits, cursor


def _encode(sort: str, value: float | int | None, last_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([sort, value, last_id]).encode()).decode()


def _decode(cursor: str, sort: str) -> tuple[float | int | None, str]:
    """The last sort key of the previous page; BadCursor unless it came from this sort."""
    try:
        name, value, last_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        raise BadCursor("This page link is not valid; run the search again") from None
    numbers = isinstance(value, float | int) and not isinstance(value, bool)
    fits = numbers if sort == "relevance" else value is None or (numbers and isinstance(value, int))
    if name != sort or not isinstance(last_id, str) or not fits:
        raise BadCursor("This page link belongs to another search; run the search again")
    return cast(float | int | None, value), last_id
