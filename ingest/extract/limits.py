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
    # OCR (ingest.extract.scanned): pages of one document read by tesseract (a scanned
    # PDF or a multi-page TIFF; about a second each), and the pixels of one page image
    # (300 dpi A3 is 17 million). A larger image is refused before it is decoded; a
    # larger PDF page is rendered at a lower resolution.
    max_ocr_pages: int = 50
    max_ocr_pixels: int = 40_000_000
    max_ocr_seconds_per_page: float = 60.0


DEFAULT_LIMITS = Limits()
