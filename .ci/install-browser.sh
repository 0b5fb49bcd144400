#!/usr/bin/env bash
# Installs the browser the dashboard tests drive (playwright-core + Debian's chromium; no browser download
# by npm). Idempotent: does nothing when the executable is already there. CI calls it before `npm test`.
set -euo pipefail
CHROMIUM="${DOUBLON_CHROMIUM:-/usr/lib/chromium/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "chromium present: $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-browser: need root (or sudo) to apt-get install chromium" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
if [ ! -x "$CHROMIUM" ]; then
  echo "install-browser: chromium was installed but $CHROMIUM is missing" >&2
  exit 1
fi
echo "installed chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
