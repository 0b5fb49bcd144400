#!/usr/bin/env bash
# Every Debian package the tests drive, installed with one `apt-get update`: chromium (dashboard and VS Code
# tests; install-browser.sh checks its path), ripgrep and libkrb5-dev (code-server, install-e2e.sh), neovim
# (the second LSP client), hugo and jekyll (example sites built before and after a replace; Eleventy is an npm
# devDependency), postgresql (the server binaries of the catalogue tests' throwaway cluster; its packaged
# cluster is not used). Idempotent: does nothing when all are installed.
set -euo pipefail
# The generators are installed with their recommended packages, as their tests were written against.
PLAIN=(chromium fonts-dejavu-core ripgrep libkrb5-dev neovim postgresql)
WITH_RECOMMENDS=(hugo jekyll)
missing=() plain=() recommends=()
for p in "${PLAIN[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || { missing+=("$p"); plain+=("$p"); }; done
for p in "${WITH_RECOMMENDS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || { missing+=("$p"); recommends+=("$p"); }; done
if [ ${#missing[@]} -eq 0 ]; then echo "install-apt: all present"; exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-apt: need root (or sudo) to apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-apt: installing ${missing[*]}"
$SUDO apt-get update -qq
if [ ${#plain[@]} -gt 0 ]; then $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${plain[@]}"; fi
if [ ${#recommends[@]} -gt 0 ]; then $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${recommends[@]}"; fi
