"""Size limits for the built-in extractors: what a hostile or broken file may cost us."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 100 * MB  # one file, and one member once decompressed
    max_members: int = 10_000  # entries in one archive (or OOXML package)
    max_total_uncompressed: int = 1024 * MB  # all members of one archive together
    max_ratio: float = 100.0  # decompressed : compressed, per member
    # Below this a member is not ratio-checked: small, very repetitive files (a blank
    # form, a column of zeros) legitimately compress far better than 100:1.
    ratio_floor: int = 1 * MB


DEFAULT_LIMITS = Limits()
