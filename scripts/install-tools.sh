#!/usr/bin/env bash
# Install the Debian programs ingest uses when they are there: tesseract with its
# English data (OCR of scanned PDFs and images: ingest/extract/ocr.py; Apache-2.0)
# and poppler-utils (pdftotext, pdftoppm: checking PDFs by hand and in tests). The
# embedded deployment works without them: scans then keep no text and say why.
#
# Idempotent: does nothing when both are installed. Installing needs root
# (apt-get); otherwise it says which packages to install and exits 1.
#
# Usage: scripts/install-tools.sh
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=services/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/services/lib.sh"

has_english_ocr() { tesseract --list-langs 2>/dev/null | grep -qx eng; }

ensure_installed tesseract "tesseract with English (eng)" "tesseract-ocr tesseract-ocr-eng" has_english_ocr
ensure_installed poppler "pdftotext" poppler-utils command -v pdftotext
