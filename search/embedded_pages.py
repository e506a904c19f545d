"""Pages of the embedded engine's hits: every hit's rowid, the first page, later pages.

A first page is picked from the few hits that can be on it (the best bm25 scores,
or the latest dates from the facet arrays); a later page, or a first page that
way cannot settle, sorts every hit in a temp table and continues after the
cursor's key (keyset paging, so a deep page costs what the first does).
"""

from __future__ import annotations

import base64
import json
import sqlite3
from typing import cast

import numpy as np

from search import embedded_facets
from search.embedded_facets import Rowids
from search.embedded_query import BM25, Compiled
from search.results import SORTS, BadCursor, Hit, SearchSpec

_HITS = """CREATE TEMP TABLE hits (
    doc INTEGER PRIMARY KEY, id TEXT, date INTEGER, score REAL NOT NULL DEFAULT 0)"""
# sort -> ORDER BY over temp.hits; undated documents come last either way, ties by id
_ORDER = {"relevance": "h.score DESC, h.id", "newest": "h.date IS NULL, h.date DESC, h.id",
          "oldest": "h.date IS NULL, h.date, h.id"}
assert set(_ORDER) == set(SORTS)
WALK_RATIO = 100  # see _first_ids


def rowids(connection: sqlite3.Connection, compiled: Compiled,
           arrays: embedded_facets.FacetSnapshot, zone: str) -> Rowids:
    """Every hit's rowid, ascending (group_concat: one string is cheaper than a row per hit)."""
    if compiled.screen is not None:
        match, rest = compiled.screen
        found = np.flatnonzero(arrays.present()) if match is None else _matched(connection, match)
        return found[arrays.where(rest, zone)[found]]
    if compiled.match is not None:
        return _matched(connection, compiled.match)
    return _listed(connection.execute(*select(compiled, "group_concat(d.doc)")))


def _matched(connection: sqlite3.Connection, match: str) -> Rowids:
    return _listed(connection.execute(
        "SELECT group_concat(rowid) FROM doc_text WHERE doc_text MATCH ?", (match,)))


def _listed(found: sqlite3.Cursor) -> Rowids:
    """The rowids of a one-row group_concat."""
    return np.fromstring(found.fetchone()[0] or "", dtype=np.int64, sep=",")


def select(compiled: Compiled, columns: str) -> tuple[str, list[object]]:
    """SELECT `columns` over the hits as `documents d`, driven by the text matches if it can."""
    if compiled.driven is not None:
        match, where, params = compiled.driven
        return (f"SELECT {columns} FROM doc_text CROSS JOIN documents d ON d.doc = doc_text.rowid "
                f"WHERE doc_text MATCH ? AND {where}", [match, *params])
    return f"SELECT {columns} FROM documents d WHERE {compiled.where}", compiled.params


def collect(connection: sqlite3.Connection, compiled: Compiled, scored: bool) -> None:
    """Fill temp.hits; a query of text alone is one FTS5 pass that also yields bm25."""
    connection.execute(_HITS)
    columns = "INSERT INTO temp.hits (doc, id, date, score) SELECT d.doc, d.id, d.date"
    if compiled.match is not None:
        score = f"-{BM25}" if scored and compiled.scoring else "0"  # bm25: lower is better
        connection.execute(f"{columns}, {score} FROM doc_text CROSS JOIN documents d "
                           "ON d.doc = doc_text.rowid WHERE doc_text MATCH ?", (compiled.match,))
        return
    connection.execute(f"{columns}, 0 FROM documents d WHERE {compiled.where}", compiled.params)
    if scored and compiled.scoring:  # metadata-only hits keep the neutral 0
        connection.execute(
            f"UPDATE temp.hits SET score = s.score FROM (SELECT rowid AS doc, -{BM25} AS score "
            "FROM doc_text WHERE doc_text MATCH ?) AS s WHERE hits.doc = s.doc", (compiled.scoring,))


def first_page(connection: sqlite3.Connection, spec: SearchSpec, compiled: Compiled,
                rowids: Rowids, arrays: embedded_facets.FacetSnapshot
                ) -> tuple[list[Hit], str | None] | None:
    """The first page from the few hits that can be on it, or None to leave it to _page.

    relevance: the best-scored rows of the scoring MATCH (bm25 in SQLite's top-N sorter)
    down to the (size+1)-th hit's score and every row tied with it, or, when nothing
    ranks (metadata and addresses only), the size+1 first ids; newest/oldest: the
    hits dated at least as late (early) as the (size+1)-th, from the date array. Those
    few are then ordered exactly as _page orders, ties by id.
    """
    size = max(spec.size, 0)
    if not size or not len(rowids):
        return [], None
    scored = spec.sort == "relevance"
    keys: dict[int, tuple[float | int, ...]]
    if scored and compiled.scoring is None:  # every hit scores 0: the first ids
        keys = {doc: (-0.0,) for doc in _first_ids(connection, rowids, size + 1, arrays)}
    elif scored:
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


def _best_scores(connection: sqlite3.Connection, compiled: Compiled, rowids: Rowids,
                 need: int) -> dict[int, float] | None:
    """Rowid -> score of the `need` best-scored hits and of every hit tied with the last.

    None when fewer than `need` hits have a score (the rest score 0, in id order). When
    the query is more than its MATCH, the hits filter the scoring rows before bm25 runs
    (`+rowid`: a filter, not a per-rowid FTS5 look-up).
    """
    if compiled.scoring is None:
        return None
    if compiled.match is not None:
        sql, params = "", [compiled.match]
    else:
        sql = " AND +rowid IN (SELECT value FROM json_each(?))"
        params = [compiled.scoring, json.dumps(rowids.tolist())]
    limit: int | None = max(16 * need, 500)  # room for ties; then all of them
    while True:
        rows = connection.execute(
            f"SELECT rowid, -{BM25} AS score FROM doc_text WHERE doc_text MATCH ?{sql} "
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


def _first_ids(connection: sqlite3.Connection, rowids: Rowids, need: int,
               arrays: embedded_facets.FacetSnapshot) -> list[int]:
    """The rowids of the `need` hits with the smallest ids.

    Many hits: walk the id index until `need` of them went by (about need * documents
    / hits rows). Few: look each one up and let SQLite sort them.
    """
    if len(rowids) * WALK_RATIO < len(arrays.dates):
        return [row[0] for row in connection.execute(
            "SELECT doc FROM documents WHERE doc IN (SELECT value FROM json_each(?)) "
            "ORDER BY id LIMIT ?", (json.dumps(rowids.tolist()), need))]
    hit = np.zeros(len(arrays.dates), dtype=bool)
    hit[rowids] = True
    found: list[int] = []
    walk = connection.execute("SELECT doc FROM documents ORDER BY id")
    while len(found) < need and (rows := walk.fetchmany(256)):
        found += [doc for (doc,) in rows if doc < len(hit) and hit[doc]]
    return found[:need]


def page(connection: sqlite3.Connection, spec: SearchSpec,
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


def decode(cursor: str, sort: str) -> tuple[float | int | None, str]:
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
