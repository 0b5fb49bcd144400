#!/usr/bin/env bash
# Installs what the extension's end-to-end tests need (see shared E2E.md): Debian's chromium, ripgrep and
# libkrb5-dev, and code-server 4.100.3 (VS Code 1.100.3 on Node 20) in .cache/code-server, outside the
# project's dependencies. Idempotent: a second run finds everything and returns in a moment.
# Nothing lands in $HOME: XDG_* and TMPDIR point into .cache/e2e-home.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
CODE_SERVER_VERSION="4.100.3"
CS_DIR="$CACHE/code-server"
CS_BIN="$CS_DIR/node_modules/code-server/out/node/entry.js"
HOME_DIR="$CACHE/e2e-home"
export XDG_CONFIG_HOME="$HOME_DIR/config" XDG_DATA_HOME="$HOME_DIR/data" XDG_CACHE_HOME="$HOME_DIR/cache" TMPDIR="$HOME_DIR/tmp"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$TMPDIR"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="__none__"; fi
fi

# 1. apt packages, only when one is missing.
missing=()
[ -x /usr/lib/chromium/chromium ] || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$SUDO" = "__none__" ]; then
    echo "install-e2e: need root (or sudo) to apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "install-e2e: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-dejavu-core
else
  echo "install-e2e: chromium, ripgrep and libkrb5-dev present"
fi

# 2. code-server, cached.
installed_version() {
  node -e "try{console.log(require('$CS_DIR/node_modules/code-server/package.json').version)}catch{}" 2>/dev/null
}
if [ -f "$CS_BIN" ] && [ "$(installed_version)" = "$CODE_SERVER_VERSION" ]; then
  echo "install-e2e: code-server $CODE_SERVER_VERSION present in $CS_DIR"
  exit 0
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub (unreachable): seed its cache with Debian's rg.
RG_CACHE="$TMPDIR/vscode-ripgrep-cache-1.15.11"
RG_TAR="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$RG_TAR" ]; then
  mkdir -p "$RG_CACHE"
  stage="$(mktemp -d "$TMPDIR/rg.XXXXXX")"
  cp "$(command -v rg)" "$stage/rg"
  tar -czf "$RG_TAR" -C "$stage" rg
  rm -rf "$stage"
fi

mkdir -p "$CS_DIR"
[ -f "$CS_DIR/package.json" ] || echo '{ "name": "doublon-e2e-code-server", "private": true }' > "$CS_DIR/package.json"
echo "install-e2e: npm install code-server@$CODE_SERVER_VERSION into $CS_DIR (about 90 s)"
(
  cd "$CS_DIR"
  # unsafe_perm: its postinstall refuses to run as root otherwise; nodedir: Debian's headers, no download;
  # yes: node-pty's postinstall runs `npx node-gyp`. argon2 falls back to a source build by itself.
  npm_config_unsafe_perm=true npm_config_nodedir=/usr npm_config_yes=true \
    npm install --no-save --no-audit --no-fund --foreground-scripts "code-server@$CODE_SERVER_VERSION" >"$CACHE/code-server-install.log" 2>&1 \
    || { echo "install-e2e: npm install code-server failed; last lines of $CACHE/code-server-install.log:" >&2; tail -30 "$CACHE/code-server-install.log" >&2; exit 1; }
)
if [ ! -f "$CS_BIN" ] || [ "$(installed_version)" != "$CODE_SERVER_VERSION" ]; then
  echo "install-e2e: code-server did not install: $CS_BIN missing (see $CACHE/code-server-install.log)" >&2
  exit 1
fi
echo "install-e2e: installed code-server $(installed_version)"
