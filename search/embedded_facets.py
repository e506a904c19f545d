"""Each document's facet values, date and metadata as numpy arrays indexed by rowid.

Counting the facets of a set of hits is then one `bincount` per facet over the
hits' codes, instead of four GROUP BY passes over a temp table, and a query's
custodian, type, attachment and date conditions are array comparisons. The arrays are
cached per index file (named by its path and the random `uid` laid down with it) and
kept at the file's `generation`, which every indexing transaction bumps in the `meta`
table and stamps on the documents it writes: a search reads the generation in its own
snapshot, and a cache behind it catches up with just the documents written since.
Several processes share the file, so the generation is read on every search.

A snapshot is immutable: catching up builds a new one beside the old, so a thread
counting with the old one is never disturbed.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from search import analysis
from search.ast import And, Custodian, DateRange, HasAttachment, Kind, Node, Not, Or
from search.embedded_query import epoch_ms
from search.results import FACETS, instant_bounds, sorted_facet

NO_DATE = -(2**63)  # the date of an undated document (or of a rowid no document has)
MAX_TIED = 5000  # hits a first page is picked from by date, at most

Rowids = NDArray[np.int64]


@dataclass
class _Values:
    """A facet's distinct values; code 0 is the empty value, never counted."""

    names: list[str] = field(default_factory=lambda: [""])
    codes: dict[str, int] = field(default_factory=lambda: {"": 0})

    def code(self, value: str) -> int:
        found = self.codes.get(value)
        if found is None:
            found = self.codes[value] = len(self.names)
            self.names.append(value)
        return found


@dataclass
class FacetSnapshot:
    uid: str
    generation: int
    codes: dict[str, NDArray[np.uint32]]  # facet -> code by rowid (custodian: the first one)
    extra: tuple[Rowids, NDArray[np.uint32]]  # (rowid, code) of the other custodians
    values: dict[str, _Values]
    dates: Rowids  # epoch ms by rowid, NO_DATE if none
    attached: NDArray[np.bool_]  # has_attachment by rowid

    def present(self) -> NDArray[np.bool_]:
        """Rowids that hold a document (every document has a type)."""
        found: NDArray[np.bool_] = self.codes["type"] != 0
        return found

    def where(self, node: Node, zone: str) -> NDArray[np.bool_]:
        """By rowid, whether `node` accepts its document: custodian, type, has:attachment
        and date conditions and AND/OR/NOT of them, as embedded_query's SQL defines them.
        Only rowids that hold a document (`present`) mean anything."""
        found: NDArray[np.bool_]
        if isinstance(node, Custodian):
            found = self._custodian(node.name)
        elif isinstance(node, Kind):
            code = self.values["type"].codes.get(node.kind, 0)
            found = (self.codes["type"] == code) if code else np.zeros(len(self.dates), np.bool_)
        elif isinstance(node, HasAttachment):
            found = self.attached.copy()
        elif isinstance(node, DateRange):
            start, end = instant_bounds(node, zone)
            found = self.dates != NO_DATE
            if start is not None:
                found &= self.dates >= epoch_ms(start)
            if end is not None:
                found &= self.dates < epoch_ms(end)
        elif isinstance(node, And | Or):
            join = np.logical_and if isinstance(node, And) else np.logical_or
            found = join.reduce([self.where(item, zone) for item in node.items])
        elif isinstance(node, Not):
            found = ~self.where(node.item, zone)
        else:
            raise TypeError(f"not a metadata condition: {node!r}")
        return found

    def _custodian(self, name: str) -> NDArray[np.bool_]:
        """One of the document's custodians is `name` (a case-sensitive GLOB if it has wildcards)."""
        values = self.values["custodian"]
        if analysis.is_pattern(name):
            rule = re.compile(analysis.pattern_source(name, "."), re.DOTALL)
            wanted = [code for code, value in enumerate(values.names) if code and rule.fullmatch(value)]
        else:
            wanted = [code] if (code := values.codes.get(name, 0)) else []
        found = np.isin(self.codes["custodian"], wanted)
        extra_rows, extra_codes = self.extra
        found[extra_rows[np.isin(extra_codes, wanted)]] = True
        return found

    def count(self, rowids: Rowids) -> dict[str, list[tuple[str, int]]]:
        """Each facet's values among `rowids`, most frequent first (search.results order)."""
        found = {}
        for name in FACETS:
            names = self.values[name].names
            counts = np.bincount(self.codes[name][rowids], minlength=len(names))
            extra_rows, extra_codes = self.extra
            if name == "custodian" and len(extra_rows):
                hit = np.zeros(len(self.dates), dtype=bool)
                hit[rowids] = True
                counts += np.bincount(extra_codes[hit[extra_rows]], minlength=len(names))
            found[name] = sorted_facet(
                {names[code]: int(counts[code]) for code in np.flatnonzero(counts) if code}, name)
        return found

    def date(self, rowid: int) -> int | None:
        date = int(self.dates[rowid]) if rowid < len(self.dates) else NO_DATE
        return None if date == NO_DATE else date

    def latest(self, rowids: Rowids, need: int, newest: bool) -> dict[int, int | None] | None:
        """Rowid -> date of the `need` latest (earliest) hits and of every hit tied with the
        last, undated ones last; None if that is more than MAX_TIED (many undated ones)."""
        dates = self.dates[rowids]
        if newest:  # NO_DATE is the smallest date: undated last already
            cut = max(len(dates) - need, 0)
            chosen = rowids[dates >= np.partition(dates, cut)[cut]]
        else:
            dated = dates[dates != NO_DATE]
            if len(dated) >= need:
                bar = np.partition(dated, need - 1)[need - 1]
                chosen = rowids[(dates != NO_DATE) & (dates <= bar)]
            else:
                chosen = rowids
        if len(chosen) > MAX_TIED:
            return None
        return {int(doc): self.date(int(doc)) for doc in chosen}

    def _caught_up(self, connection: sqlite3.Connection, generation: int) -> FacetSnapshot:
        """A copy with the documents written after this snapshot's generation."""
        new = FacetSnapshot(self.uid, generation,
                            {name: codes.copy() for name, codes in self.codes.items()},
                            self.extra,
                            {name: _Values(list(v.names), dict(v.codes)) for name, v in self.values.items()},
                            self.dates.copy(), self.attached.copy())
        new._load(connection, self.generation)
        return new

    def _load(self, connection: sqlite3.Connection, after: int) -> None:
        rows = connection.execute(
            "SELECT doc, kind, month, sender_domain, date, has_attachment FROM documents "
            "WHERE generation > ?",
            (after,)).fetchall()
        if not rows:
            return
        docs = np.fromiter((row[0] for row in rows), np.int64, len(rows))
        self._grow(int(docs.max()))
        for column, name in ((1, "type"), (2, "month"), (3, "sender_domain")):
            code = self.values[name].code
            self.codes[name][docs] = np.fromiter((code(row[column]) for row in rows), np.uint32,
                                                 len(rows))
        self.dates[docs] = np.fromiter((NO_DATE if row[4] is None else row[4] for row in rows),
                                       np.int64, len(rows))
        self.attached[docs] = np.fromiter((bool(row[5]) for row in rows), np.bool_, len(rows))
        custodians = connection.execute(
            "SELECT c.doc, c.custodian FROM documents d JOIN custodians c ON c.doc = d.doc "
            "WHERE d.generation > ? ORDER BY c.doc, c.custodian", (after,)).fetchall()
        self._custodians(docs, custodians)

    def _custodians(self, docs: Rowids, rows: Sequence[tuple[int, str]]) -> None:
        """The custodians of `docs` (rewritten or new), in place of what they had."""
        first = self.codes["custodian"]
        first[docs] = 0
        extra_rows, extra_codes = self.extra
        kept = ~np.isin(extra_rows, docs)
        more_rows: list[int] = []
        more_codes: list[int] = []
        code = self.values["custodian"].code
        for doc, name in rows:
            value = code(name)
            if not value:
                continue
            if not first[doc]:
                first[doc] = value
            else:
                more_rows.append(doc)
                more_codes.append(value)
        self.extra = (np.concatenate([extra_rows[kept], np.array(more_rows, np.int64)]),
                      np.concatenate([extra_codes[kept], np.array(more_codes, np.uint32)]))

    def _grow(self, doc: int) -> None:
        missing = doc + 1 - len(self.dates)
        if missing > 0:
            missing = max(missing, len(self.dates) // 4)
            for name, codes in self.codes.items():
                self.codes[name] = np.concatenate([codes, np.zeros(missing, codes.dtype)])
            self.dates = np.concatenate([self.dates, np.full(missing, NO_DATE, np.int64)])
            self.attached = np.concatenate([self.attached, np.zeros(missing, np.bool_)])


def _empty(uid: str, generation: int) -> FacetSnapshot:
    return FacetSnapshot(uid, generation, {name: np.zeros(0, np.uint32) for name in FACETS},
                         (np.zeros(0, np.int64), np.zeros(0, np.uint32)),
                         {name: _Values() for name in FACETS}, np.zeros(0, np.int64),
                         np.zeros(0, np.bool_))


_cache: dict[str, FacetSnapshot] = {}
_lock = threading.Lock()


def snapshot(connection: sqlite3.Connection, path: str) -> FacetSnapshot:
    """The facet arrays as of the connection's read transaction (which must be open)."""
    uid, generation = connection.execute("SELECT uid, generation FROM meta").fetchone()
    with _lock:
        cached = _cache.get(path)
        if cached is not None and cached.uid == uid and cached.generation == generation:
            return cached
        if cached is not None and cached.uid == uid and cached.generation < generation:
            fresh = cached._caught_up(connection, generation)
        else:  # a new file, or this snapshot is older than the cache (a write just committed)
            fresh = _empty(uid, generation)
            fresh._load(connection, -1)
        if cached is None or cached.uid != uid or cached.generation < generation:
            _cache[path] = fresh
        return fresh
