"""Words on a page image, with their boxes, from the tesseract CLI (TSV output).

Stand-in with the signature of ingest.extract.ocr.words, which another branch is writing;
when that lands this module goes and raster.py imports theirs.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class OcrWord:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float


def words(png: bytes, timeout: float = 60) -> list[OcrWord]:
    """Every word tesseract reads on the image, in reading order; boxes in the image's pixels."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_THREAD_LIMIT": "1"}
    done = subprocess.run(["tesseract", "stdin", "stdout", "-l", "eng", "tsv"], input=png,
                          capture_output=True, timeout=timeout, check=True, env=environment)
    found = []
    table = io.StringIO(done.stdout.decode("utf-8", "replace"))
    for row in csv.DictReader(table, delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") == "5" and text:
            found.append(OcrWord(text, int(row["left"]), int(row["top"]), int(row["width"]),
                                 int(row["height"]), float(row["conf"])))
    return found
