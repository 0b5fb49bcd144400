#!/usr/bin/env bash
# Every Debian package the tests drive, installed in one `apt-get update` + one `apt-get install` (the
# install-*.sh scripts that follow then find their tool present and only check it): chromium (dashboard and
# VS Code tests), ripgrep and libkrb5-dev (code-server), neovim (second LSP client), hugo and jekyll (example
# sites built before and after a replace), postgresql (the catalogue's throwaway cluster). Idempotent.
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
