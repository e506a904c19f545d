"""What a search asks an engine for and what it gets back: plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from search.ast import DateRange, Node

SORTS = ("relevance", "newest", "oldest")
FACETS = ("custodian", "type", "month", "sender_domain")
FACET_SIZE = {"custodian": 100, "type": 10, "month": 1000, "sender_domain": 50}


class SearchError(Exception):
    """A search the engine cannot run as asked; the message is for the person who asked."""


class QueryTooBroad(SearchError):
    pass


class BadCursor(SearchError):
    pass


class IndexOutdated(SearchError):
    """The index was laid out by another version of Custodia: `custodia reindex` rebuilds it."""


@dataclass(frozen=True)
class SearchSpec:
    query: Node
    zone: str  # the city's time zone: date ranges are whole local days
    sort: str = "relevance"
    size: int = 20
    cursor: str | None = None  # from the previous page
    facets: bool = True


@dataclass(frozen=True)
class Hit:
    id: str
    family_id: str
    parent_id: str | None
    kind: str
    score: float | None = None


@dataclass
class SearchPage:
    total: int  # exact
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    cursor: str | None = None  # the next page's, None on the last page


def instant_bounds(days: DateRange, zone: str) -> tuple[datetime | None, datetime | None]:
    """[start, end) in UTC for whole local days; either may be None (open)."""
    tz = ZoneInfo(zone)

    def midnight(day: date) -> datetime:
        try:
            return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
        except OverflowError:  # the first day of year 1 east of UTC: before any record
            return datetime.min.replace(tzinfo=UTC)

    start = midnight(days.start) if days.start else None
    end = None
    if days.end:
        end = (midnight(days.end + timedelta(days=1)) if days.end < date.max
               else datetime.max.replace(tzinfo=UTC))
    return start, end


def sorted_facet(counts: dict[str, int], name: str) -> list[tuple[str, int]]:
    """Most frequent first, ties by value: the order both engines return."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:FACET_SIZE[name]]
