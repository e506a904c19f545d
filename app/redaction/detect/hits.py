"""A detector's raw hit, and the merging of overlapping hits into one per stretch of text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Hit(NamedTuple):
    start: int
    end: int
    detector: str
    confidence: float


def merge(hits: Iterable[Hit]) -> list[Hit]:
    """Overlapping hits become one: the strongest names it, and it covers them all.

    Covering the union is the safe side for redaction: a weaker detector that saw a longer
    stretch (an address around a phone number) still gets all of its text blacked out.
    Ties go to the longer hit, so "078-05-1120" beats a bank account read from "1120".
    """
    merged: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if merged and hit.start < merged[-1].end:
            last = merged[-1]
            stronger = max(last, hit, key=lambda h: (h.confidence, h.end - h.start))
            merged[-1] = Hit(last.start, max(last.end, hit.end), stronger.detector, stronger.confidence)
        else:
            merged.append(hit)
    return merged
