#!/usr/bin/env bash
# Checks the browser the dashboard and editor tests drive (playwright-core + Debian's chromium, no browser
# download by npm). install-apt.sh installs the package; this says where the executable is, or why not.
set -euo pipefail
CHROMIUM="${DOUBLON_CHROMIUM:-/usr/lib/chromium/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "install-browser: no chromium at $CHROMIUM: run .ci/install-apt.sh (Debian's chromium), or set DOUBLON_CHROMIUM to its executable" >&2
  exit 1
fi
echo "chromium present: $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
