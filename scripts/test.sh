#!/usr/bin/env bash
# README command two: install, start the real services, run the whole suite,
# stop the services; exit non-zero on any failure. `.ci/run` calls exactly this.
#
#   scripts/test.sh [pytest arguments...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
# Runtime dependencies must be permissive or LGPL (README "Licences").
.venv/bin/python scripts/check_licences.py
# Style, types and the layering rules (README "Architecture"), before any service starts.
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/lint-imports

# `docker compose config` validates the deployment file (no engine needed).
bash scripts/install-compose.sh
# The browser tests drive Debian's Chromium (Playwright cannot fetch its own).
bash scripts/install-chromium.sh
# OCR of scans (tests/ingest/test_ocr.py) uses Debian's tesseract; pdftotext is beside it.
bash scripts/install-tools.sh
# axe-core checks each page the browser tests visit (tests/ui/conftest.py); from npm, not served.
npm ci --prefix tests/ui --no-audit --no-fund --silent

trap 'scripts/services.sh down all' EXIT
scripts/services.sh up all

export CUSTODIA_TEST_PG_URL="postgresql+psycopg://custodia:custodia@127.0.0.1:${CUSTODIA_PG_PORT:-54329}/custodia"
export CUSTODIA_TEST_ES_URL="http://127.0.0.1:${CUSTODIA_ES_PORT:-9201}"
export CUSTODIA_TEST_TIKA_URL="http://127.0.0.1:${CUSTODIA_TIKA_PORT:-9998}"
export CUSTODIA_TEST_IMAP_URL="imap://127.0.0.1:${CUSTODIA_IMAP_PORT:-10143}"
export CUSTODIA_TEST_SMTP_URL="smtp://127.0.0.1:${CUSTODIA_SMTP_PORT:-10025}"
export CUSTODIA_TEST_SMTP_OUTBOX="${CUSTODIA_SERVICES_DIR:-$PWD/.services}/smtp/outbox"
# Skips are failures when a real service is expected (tests/conftest.py reads CI).
export CI="${CI:-true}"

.venv/bin/python -m pytest "$@"
