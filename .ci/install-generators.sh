#!/usr/bin/env bash
# Installs the static-site generators test/templates/build.test.ts builds the example sites with:
# Debian's hugo and jekyll (offline, no gems or modules fetched at build time). Eleventy comes from npm
# (@11ty/eleventy, a devDependency). Idempotent: returns at once when both are there.
set -euo pipefail
if command -v hugo >/dev/null 2>&1 && command -v jekyll >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-generators: hugo and jekyll are missing and this user cannot install them (apt-get install hugo jekyll)" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q hugo jekyll
hugo version
jekyll --version
