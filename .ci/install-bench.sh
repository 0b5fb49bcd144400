#!/bin/sh
# What `npm run bench` needs beyond npm: an icon theme whose folders are families of SVG icons
# (bench/scan-e2e.ts, bench/bound.ts). Not part of the test path. Debian/Ubuntu, root or sudo.
set -e
[ -d /usr/share/icons/Papirus/48x48/apps ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends papirus-icon-theme
