"""Text and word boxes of a page image, read by Debian's tesseract (Apache-2.0).

tesseract runs as its own program: an argument list (no shell), the PNG on its stdin,
its answer on stdout, a time-out, one thread (OMP_THREAD_LIMIT=1: its OpenMP threads
only contend on a shared machine). It only ever reads PNGs that Pillow has checked:
the image parsers of leptonica never see a sender's file.

Optional: without tesseract on PATH, `available()` is False and the callers
(ingest.extract.scanned) leave scans without text and say so.
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from PIL import Image

from ingest.extract.base import ExtractionError
from ingest.extract.limits import DEFAULT_LIMITS

PROGRAM = "tesseract"
LANGUAGE = "eng"
UNAVAILABLE = "OCR unavailable: tesseract is not installed"
_VERSION = re.compile(r"tesseract\s+v?(\d+(?:\.\d+)+\S*)", re.IGNORECASE)
_TSV_COLUMNS = 12  # level page block par line word left top width height conf text
_WORD_LEVEL = "5"


@dataclass(frozen=True)
class OcrWord:
    """One word tesseract read, and its box in pixels of the image it was given."""

    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float  # 0-100


def available() -> bool:
    """Whether tesseract is on PATH (looked up once per PATH)."""
    return _program() is not None


def version() -> str:
    """tesseract's version, e.g. '5.3.0'; ExtractionError when it is not installed."""
    return _version(_require())


def page_text(png: bytes, timeout: float = 60) -> str:
    """The text of one page image (PNG bytes), lines as tesseract reads them."""
    return _run(png, timeout, []).strip()


def words(png: bytes, timeout: float = 60) -> list[OcrWord]:
    """Every word of one page image (PNG bytes) with its box, in reading order."""
    found = []
    for line in _run(png, timeout, ["tsv"]).splitlines()[1:]:
        cells = line.split("\t")
        if len(cells) != _TSV_COLUMNS or cells[0] != _WORD_LEVEL or not cells[11].strip():
            continue
        try:
            left, top, width, height = (int(cell) for cell in cells[6:10])
            conf = float(cells[10])
        except ValueError:
            continue
        found.append(OcrWord(cells[11].strip(), left, top, width, height, conf))
    return found


def _run(png: bytes, timeout: float, config: list[str]) -> str:
    program = _require()
    _check_png(png)
    command = [program, "stdin", "stdout", "-l", LANGUAGE, *config]
    try:
        result = subprocess.run(command, input=png, capture_output=True, timeout=timeout,
                                env=_environment(), check=False)
    except subprocess.TimeoutExpired as exc:  # run() has killed it
        raise ExtractionError(f"OCR timed out after {timeout:g}s", retryable=True) from exc
    except OSError as exc:
        raise ExtractionError(f"OCR could not start tesseract: {exc}") from exc
    if result.returncode != 0:
        said = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExtractionError(f"OCR failed: tesseract exited with {result.returncode}: "
                              f"{said[-1] if said else 'no message'}")
    return result.stdout.decode("utf-8", "replace")


def _check_png(png: bytes) -> None:
    """A PNG within the pixel limit, read from its header only."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            kind, (width, height) = image.format, image.size
    except Image.DecompressionBombError as exc:
        raise ExtractionError(f"OCR refused the image: {exc}") from exc
    except Exception as exc:  # Pillow's own error for a file it cannot read
        raise ExtractionError(f"OCR needs a PNG image: {type(exc).__name__}: {exc}") from exc
    if kind != "PNG":
        raise ExtractionError(f"OCR needs a PNG image, not {kind}")
    limit = DEFAULT_LIMITS.max_ocr_pixels
    if width * height > limit:
        raise ExtractionError(f"OCR refused the image: {width}x{height} pixels, over the limit of {limit}")


def _environment() -> dict[str, str]:
    return dict(os.environ, OMP_THREAD_LIMIT="1")


def _program() -> str | None:
    return _find(os.environ.get("PATH", os.defpath))


def _require() -> str:
    program = _program()
    if program is None:
        raise ExtractionError(UNAVAILABLE)
    return program


@functools.cache
def _find(path: str) -> str | None:
    return shutil.which(PROGRAM, path=path)


@functools.cache
def _version(program: str) -> str:
    try:
        result = subprocess.run([program, "--version"], capture_output=True, timeout=10,
                                env=_environment(), check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExtractionError(f"OCR could not start tesseract: {exc}") from exc
    said = (result.stdout or result.stderr).decode("utf-8", "replace")
    match = _VERSION.search(said)
    return match.group(1) if match else said.strip().split("\n", 1)[0]
