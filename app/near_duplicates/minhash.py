"""Texts as MinHash signatures over word shingles, and the LSH bands that find candidates.

Pure: no database. Words are runs of letters and digits, lower-cased, so spacing,
line breaks and punctuation never make two texts differ. A shingle is three words in
a row; the similarity of two texts is the share of shingles they have in common
(Jaccard), estimated from 256 MinHash values with a fixed seed, so a signature made in
one process compares with one made in another.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
from datasketch import MinHash  # type: ignore[import-untyped]
from numpy.typing import NDArray

PERMUTATIONS = 256
SHINGLE_WORDS = 3
SEED = 1
SCHEME = f"minhash{PERMUTATIONS}-affine32-w{SHINGLE_WORDS}-s{SEED}"
# A band collects documents worth comparing: a pair just under the threshold still
# meets in a band this often, so recall is decided by the comparison, not by the bands.
MARGIN = 0.05
BAND_RECALL = 0.99

_WORD = re.compile(r"\w+")
Values = NDArray[np.uint32]
MINHASH_SCHEME = "affine32"  # datasketch's: 32-bit hash values


@dataclass(frozen=True)
class Signature:
    values: Values | None  # None: the text has no words
    length: int  # characters of the text

    def to_bytes(self) -> bytes:
        return b"" if self.values is None else self.values.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, raw: bytes, length: int = 0) -> Signature:
        return cls(np.frombuffer(raw, dtype="<u4").astype(np.uint32) if raw else None, length)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def shingles(text: str) -> set[bytes]:
    """The text's runs of SHINGLE_WORDS words (a shorter text: its words as one shingle)."""
    found = words(text)
    if len(found) < SHINGLE_WORDS:
        return {" ".join(found).encode()} if found else set()
    return {" ".join(found[i:i + SHINGLE_WORDS]).encode()
            for i in range(len(found) - SHINGLE_WORDS + 1)}


@cache
def _permutations() -> NDArray[np.uint64]:
    made: NDArray[np.uint64] = MinHash(num_perm=PERMUTATIONS, seed=SEED,
                                       scheme=MINHASH_SCHEME).permutations
    return made


def signature(text: str) -> Signature:
    found = shingles(text)
    if not found:
        return Signature(None, len(text))
    minhash = MinHash(num_perm=PERMUTATIONS, seed=SEED, permutations=_permutations(),
                      scheme=MINHASH_SCHEME)
    minhash.update_batch(sorted(found))
    return Signature(np.asarray(minhash.hashvalues, dtype=np.uint32), len(text))


def similarity(a: Signature, b: Signature) -> float:
    """The estimated share of shingles two texts have in common (0 when either has none)."""
    if a.values is None or b.values is None:
        return 0.0
    return float(np.count_nonzero(a.values == b.values)) / PERMUTATIONS


def _candidate_chance(similarity: float, bands: int, rows: int) -> float:
    return 1.0 - (1.0 - similarity ** rows) ** bands


@cache
def layout(threshold: float) -> tuple[int, int]:
    """(bands, rows per band) for a threshold: the most rows per band (the fewest needless
    comparisons) that still bring a pair MARGIN below the threshold together BAND_RECALL of
    the time."""
    target = max(threshold - MARGIN, 0.01)
    for rows in range(PERMUTATIONS, 0, -1):
        bands = PERMUTATIONS // rows
        if _candidate_chance(target, bands, rows) >= BAND_RECALL:
            return bands, rows
    return PERMUTATIONS, 1


def bands(sig: Signature, threshold: float) -> list[int]:
    """The band keys of a signature: signed 64-bit numbers, naming the layout too, so bands
    made for another threshold or scheme never meet these."""
    if sig.values is None:
        return []
    count, rows = layout(threshold)
    keys = []
    for band in range(count):
        chunk = sig.values[band * rows:(band + 1) * rows].astype("<u4").tobytes()
        digest = hashlib.blake2b(f"{SCHEME}/{count}x{rows}/{band}/".encode() + chunk,
                                 digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys
