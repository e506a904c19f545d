#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests, which drive it with
# Playwright at /usr/bin/chromium (tests/conftest.py, `browser`). Playwright's
# own browser builds (`playwright install`) are downloads from outside the
# package registries and cannot be fetched here.
#
# Idempotent: does nothing when /usr/bin/chromium exists. Installing needs
# root (apt-get); otherwise it says which package to install and exits 1.
#
# Usage: scripts/install-chromium.sh
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=services/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/services/lib.sh"

ensure_installed chromium "Chromium (/usr/bin/chromium)" chromium test -x /usr/bin/chromium
