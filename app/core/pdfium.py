"""One PDFium call at a time in this process.

PDFium is not thread-safe, not even across different documents: two threads calling it
at once can corrupt the process (pypdfium2's documentation, "Incompatibility with
Threading"). Every use of pypdfium2 (rendering pages for OCR in ingest, for redacted
productions) holds LOCK around its calls, including opening and closing.
"""

from __future__ import annotations

import threading

LOCK = threading.RLock()
