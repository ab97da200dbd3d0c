#!/usr/bin/env bash
# Installs Debian's Chromium and its WebDriver for the explorer's browser test
# (tests/cases/explore.rs). Nothing is downloaded besides Debian packages.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    echo "chromium and chromedriver already installed"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
[ "${CADRESIM_APT_UPDATED:-}" = 1 ] || apt-get update
apt-get install -y --no-install-recommends chromium chromium-driver fonts-dejavu-core
