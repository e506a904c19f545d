"""Each document's facet values and date as compact arrays indexed by rowid, per process.

Counting the facets of a set of hits is then `Counter(map(codes.__getitem__, rowids))`,
which runs in C, instead of four GROUP BY passes over a temp table. The arrays are
cached per index file (named by its path and the random `uid` laid down with it) and
kept at the file's `generation`, which every indexing transaction bumps in the `meta`
table and stamps on the documents it writes: a search reads the generation in its own
snapshot, and a cache behind it catches up with just the documents written since.
Several processes share the file, so the generation is read on every search.

A snapshot is immutable: catching up builds a new one beside the old, so a thread
counting with the old one is never disturbed.
"""

from __future__ import annotations

import heapq
import sqlite3
import threading
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from search.results import FACETS, sorted_facet

NO_DATE = -(2**63)  # the date of an undated document (or of a rowid no document has)
MAX_TIED = 5000  # hits a first page is picked from by date, at most


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
    codes: dict[str, array[int]]  # facet -> code by rowid (custodian: the first one)
    extra: dict[int, tuple[int, ...]]  # rowid -> its other custodians' codes
    values: dict[str, _Values]
    dates: array[int]  # epoch ms by rowid, NO_DATE if none

    def count(self, rowids: Sequence[int]) -> dict[str, list[tuple[str, int]]]:
        """Each facet's values among `rowids`, most frequent first (search.results order)."""
        found = {}
        for name in FACETS:
            counts = Counter(map(self.codes[name].__getitem__, rowids))
            if name == "custodian" and self.extra:
                for rowid in self.extra.keys() & rowids:
                    counts.update(self.extra[rowid])
            counts.pop(0, None)
            names = self.values[name].names
            found[name] = sorted_facet({names[code]: n for code, n in counts.items()}, name)
        return found

    def date(self, rowid: int) -> int | None:
        date = self.dates[rowid] if rowid < len(self.dates) else NO_DATE
        return None if date == NO_DATE else date

    def latest(self, rowids: Sequence[int], need: int, newest: bool) -> dict[int, int | None] | None:
        """Rowid -> date of the `need` latest (earliest) hits and of every hit tied with the
        last, undated ones last; None if that is more than MAX_TIED (many undated ones)."""
        dates = self.dates.__getitem__
        if newest:  # NO_DATE is the smallest date: undated last already
            bar = heapq.nlargest(need, map(dates, rowids))[-1]
            chosen = [doc for doc in rowids if dates(doc) >= bar]
        else:
            last = heapq.nsmallest(need, (d for d in map(dates, rowids) if d != NO_DATE))
            bar = last[-1] if len(last) == need else NO_DATE
            chosen = ([doc for doc in rowids if NO_DATE != dates(doc) <= bar] if bar != NO_DATE
                      else list(rowids))
        if len(chosen) > MAX_TIED:
            return None
        return {doc: self.date(doc) for doc in chosen}

    def _caught_up(self, connection: sqlite3.Connection, generation: int) -> FacetSnapshot:
        """A copy with the documents written after this snapshot's generation."""
        codes = {name: array(codes.typecode, codes) for name, codes in self.codes.items()}
        new = FacetSnapshot(self.uid, generation, codes, dict(self.extra),
                            {name: _Values(list(v.names), dict(v.codes)) for name, v in self.values.items()},
                            array("q", self.dates))
        new._load(connection, self.generation)
        return new

    def _load(self, connection: sqlite3.Connection, after: int) -> None:
        rows = connection.execute(
            "SELECT doc, kind, month, sender_domain, date FROM documents WHERE generation > ?", (after,))
        for doc, kind, month, domain, date in rows:
            self._grow(doc)
            for name, value in (("type", kind), ("month", month), ("sender_domain", domain)):
                self.codes[name][doc] = self.values[name].code(value)
            self.dates[doc] = NO_DATE if date is None else date
            self.codes["custodian"][doc] = 0
            self.extra.pop(doc, None)
        custodians = connection.execute(
            "SELECT c.doc, c.custodian FROM documents d JOIN custodians c ON c.doc = d.doc "
            "WHERE d.generation > ? ORDER BY c.doc, c.custodian", (after,))
        self._custodians(custodians)

    def _custodians(self, rows: Iterable[tuple[int, str]]) -> None:
        values, first = self.values["custodian"], self.codes["custodian"]
        for doc, name in rows:
            code = values.code(name)
            if not code:
                continue
            if not first[doc]:
                first[doc] = code
            else:
                self.extra[doc] = (*self.extra.get(doc, ()), code)

    def _grow(self, doc: int) -> None:
        missing = doc + 1 - len(self.dates)
        if missing > 0:
            missing = max(missing, len(self.dates) // 4)
            for codes in self.codes.values():
                codes.extend(array(codes.typecode, bytes(missing * codes.itemsize)))
            self.dates.extend(array("q", [NO_DATE]) * missing)


def _empty(uid: str, generation: int) -> FacetSnapshot:
    return FacetSnapshot(uid, generation, {name: array("I") for name in FACETS}, {},
                         {name: _Values() for name in FACETS}, array("q"))


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
