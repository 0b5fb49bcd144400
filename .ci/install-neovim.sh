#!/usr/bin/env bash
# Installs Neovim, the second real LSP client of the tests (test/daemon/lsp-neovim.test.ts drives it
# headless through `doublon lsp`). Debian's package (0.7.2 on bookworm). Idempotent.
set -euo pipefail
if command -v nvim >/dev/null 2>&1; then
  echo "install-neovim: $(nvim --version | head -1) present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-neovim: need root (or sudo) to apt-get install neovim" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends neovim
echo "installed $(nvim --version | head -1)"
