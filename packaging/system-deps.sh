#!/usr/bin/env bash
# Debian packages Qt needs to run offscreen and under Xvfb, plus fonts (without them every glyph is a box),
# and the PostgreSQL server the tests start a throwaway cluster of.
# Installs only what is missing, and only when it can (root with apt-get); otherwise it says what to install.
set -euo pipefail
PACKAGES=(libglib2.0-0 libgl1 libegl1 libxkbcommon0 libfreetype6 libfontconfig1 libdbus-1-3 fonts-dejavu-core
          libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0
          libxcb-render-util0 libxcb-image0 libxcb-xinerama0 libxcb-xkb1 xvfb xauth)
command -v dpkg-query >/dev/null || exit 0
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The tests start a throwaway PostgreSQL cluster (tests/postgres.py); any packaged major version will do.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Waymark needs these system packages: ${missing[*]} (install them with your package manager)" >&2
fi
