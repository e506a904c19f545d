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

from search import embedded_facets
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
    SORTS,
    BadCursor,
    Hit,
    IndexOutdated,
    SearchError,
    SearchPage,
    SearchSpec,
)

SCHEMA_VERSION = 3  # PRAGMA user_version; the previous layout (docs, docs_fts) had none
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
SCHEMA = (
    """CREATE TABLE documents (
        doc INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, family_id TEXT NOT NULL,
        parent_id TEXT, kind TEXT NOT NULL, date INTEGER, month TEXT NOT NULL,
        sender_domain TEXT NOT NULL, has_attachment INTEGER NOT NULL)""",
    *_GENERATIONS,
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
    doc INTEGER PRIMARY KEY, id TEXT, date INTEGER, score REAL NOT NULL DEFAULT 0)"""
# sort -> ORDER BY over temp.hits; undated documents come last either way, ties by id
_ORDER = {"relevance": "h.score DESC, h.id", "newest": "h.date IS NULL, h.date DESC, h.id",
          "oldest": "h.date IS NULL, h.date, h.id"}
assert set(_ORDER) == set(SORTS)


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
                for doc in docs:
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

    def refresh(self) -> None:
        pass  # SQLite commits are visible at once

    def count(self) -> int:
        with closing(self._open()) as connection:
            return int(connection.execute("SELECT count(*) FROM documents").fetchone()[0])

    # -- searching -----------------------------------------------------------------
    def matching(self, query: Node, zone: str) -> dict[str, str]:
        with closing(self._open()) as connection:
            compiled = compile_query(query, zone, _expander(connection))
            return dict(connection.execute(*_select(compiled, "d.id, d.family_id")).fetchall())

    def search(self, spec: SearchSpec) -> SearchPage:
        """The hits' rowids, counted against the facet arrays, then the page.

        relevance: bm25 over the positive text leaves, higher first; a document found by
        metadata alone scores a neutral 0. newest/oldest: by date, undated last. Ties go
        by id. The cursor is the last hit's sort key (urlsafe base64 of JSON). A first
        page is picked from the best-scored (or dated) few (see _first_page); a
        later page, or one that way cannot settle, sorts every hit in a temp table.
        """
        if spec.sort not in SORTS:
            raise SearchError(f"Sort by one of: {', '.join(SORTS)}")
        after = _decode(spec.cursor, spec.sort) if spec.cursor else None
        with closing(self._open()) as connection:
            connection.execute("BEGIN")  # one snapshot for the hits, the page and the facets
            try:
                path = connection.execute("PRAGMA database_list").fetchone()[2]
                arrays = embedded_facets.snapshot(connection, path)  # starts the snapshot
                compiled = compile_query(spec.query, spec.zone, _expander(connection))
                rowids = _rowids(connection, compiled)
                facets = arrays.count(rowids) if spec.facets else {}
                page = None if after else _first_page(connection, spec, compiled, rowids, arrays)
                if page is None:
                    _collect(connection, compiled, spec.sort == "relevance")
                    page = _page(connection, spec, after)
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
        if stamp == 2:  # the same but for the generations: add them in place
            for statement in (*_GENERATIONS, f"PRAGMA user_version = {SCHEMA_VERSION}"):
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
    """Add or replace one document; adds its words to `terms` (field -> words)."""
    fields = (doc.family_id, doc.parent_id, doc.kind, date, doc.month, doc.sender_domain,
              int(doc.has_attachment), generation)
    row = connection.execute("SELECT doc FROM documents WHERE id = ?", (doc.id,)).fetchone()
    if row is None:
        rowid = connection.execute(
            "INSERT INTO documents (id, family_id, parent_id, kind, date, month, sender_domain, "
            "has_attachment, generation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (doc.id, *fields)).lastrowid
    else:
        rowid = row[0]
        connection.execute("DELETE FROM doc_text WHERE rowid = ?", (rowid,))
        connection.execute("DELETE FROM custodians WHERE doc = ?", (rowid,))
        connection.execute(
            "UPDATE documents SET family_id = ?, parent_id = ?, kind = ?, date = ?, month = ?, "
            "sender_domain = ?, has_attachment = ?, generation = ? WHERE doc = ?", (*fields, rowid))
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


def _rowids(connection: sqlite3.Connection, compiled: Compiled) -> list[int]:
    """Every hit's rowid (group_concat: one string is cheaper than a row per hit)."""
    if compiled.match is not None:
        found = connection.execute("SELECT group_concat(rowid) FROM doc_text WHERE doc_text MATCH ?",
                                   (compiled.match,))
    else:
        found = connection.execute(*_select(compiled, "group_concat(d.doc)"))
    text = found.fetchone()[0]
    return list(map(int, text.split(","))) if text else []


def _select(compiled: Compiled, columns: str) -> tuple[str, list[object]]:
    """SELECT `columns` over the hits as `documents d`, driven by the text matches if it can."""
    if compiled.driven is not None:
        match, where, params = compiled.driven
        return (f"SELECT {columns} FROM doc_text CROSS JOIN documents d ON d.doc = doc_text.rowid "
                f"WHERE doc_text MATCH ? AND {where}", [match, *params])
    return f"SELECT {columns} FROM documents d WHERE {compiled.where}", compiled.params


def _collect(connection: sqlite3.Connection, compiled: Compiled, scored: bool) -> None:
    """Fill temp.hits; a query of text alone is one FTS5 pass that also yields bm25."""
    connection.execute(_HITS)
    columns = "INSERT INTO temp.hits (doc, id, date, score) SELECT d.doc, d.id, d.date"
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


def _first_page(connection: sqlite3.Connection, spec: SearchSpec, compiled: Compiled,
                rowids: list[int], arrays: embedded_facets.FacetSnapshot
                ) -> tuple[list[Hit], str | None] | None:
    """The first page from the few hits that can be on it, or None to leave it to _page.

    relevance: the best-scored rows of the scoring MATCH (bm25 in SQLite's top-N sorter)
    down to the (size+1)-th hit's score and every row tied with it; newest/oldest: the
    hits dated at least as late (early) as the (size+1)-th, from the date array. Those
    few are then ordered exactly as _page orders, ties by id.
    """
    size = max(spec.size, 0)
    if not size or not rowids:
        return [], None
    scored = spec.sort == "relevance"
    keys: dict[int, tuple[float | int, ...]]
    if scored:
        scores = _best_scores(connection, compiled, rowids, size + 1)
        if scores is None:
            return None
        keys = {doc: (-score,) for doc, score in scores.items()}
    else:
        dated = arrays.latest(rowids, size + 1, newest=spec.sort == "newest")
        if dated is None:
            return None
        newest = spec.sort == "newest"  # undated last either way
        keys = {doc: (1, 0) if date is None else (0, -date if newest else date)
                for doc, date in dated.items()}
    rows = {row[0]: row[1:] for row in connection.execute(
        "SELECT doc, id, family_id, parent_id, kind FROM documents WHERE doc IN "
        "(SELECT value FROM json_each(?))", (json.dumps(list(keys)),))}
    page = sorted(keys, key=lambda doc: (keys[doc], rows[doc][0]))[:size + 1]
    hits = [Hit(rows[doc][0], rows[doc][1], rows[doc][2], rows[doc][3],
                -keys[doc][0] if scored else None) for doc in page[:size]]
    if len(page) <= size:
        return hits, None
    last = page[size - 1]
    value = -keys[last][0] if scored else arrays.date(last)
    return hits, _encode(spec.sort, value, rows[last][0])


def _best_scores(connection: sqlite3.Connection, compiled: Compiled, rowids: list[int],
                 need: int) -> dict[int, float] | None:
    """Rowid -> score of the `need` best-scored hits and of every hit tied with the last.

    None when fewer than `need` hits have a score (the rest score 0, in id order). When
    the query is more than its MATCH, the hits filter the scoring rows before bm25 runs
    (`+rowid`: a filter, not a per-rowid FTS5 look-up).
    """
    if compiled.match is not None:
        sql, params = "", [compiled.match]
    elif compiled.scoring is not None:
        sql = " AND +rowid IN (SELECT value FROM json_each(?))"
        params = [compiled.scoring, json.dumps(rowids)]
    else:
        return None
    limit: int | None = max(16 * need, 500)  # room for ties; then all of them
    while True:
        rows = connection.execute(
            f"SELECT rowid, -bm25(doc_text) AS score FROM doc_text WHERE doc_text MATCH ?{sql} "
            "ORDER BY score DESC LIMIT ?", (*params, -1 if limit is None else limit)).fetchall()
        if limit is None or len(rows) < limit:
            if len(rows) < min(need, len(rowids)):
                return None
            break
        if rows[-1][1] < rows[need - 1][1]:
            break
        limit = None
    bar = rows[min(need, len(rows)) - 1][1]
    return {doc: score for doc, score in rows if score >= bar}


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
