#!/usr/bin/env bash
# Installs Debian's PostgreSQL server binaries for the catalogue tests, which start a throwaway cluster of their
# own (initdb + pg_ctl in a temp folder, any free port): the packaged cluster is not used. Idempotent.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "postgresql present: $(ls -d /usr/lib/postgresql/*/bin | tail -n 1)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-postgres: need root (or sudo) to apt-get install postgresql" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends postgresql
ls /usr/lib/postgresql/*/bin/initdb
