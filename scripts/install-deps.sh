#!/usr/bin/env bash
# Installs the Debian packages named as arguments, but only those not installed yet,
# so `make test` on a machine that already has them touches nothing and needs no root.
# Runs apt-get directly as root (CI may run as root), through sudo otherwise.
set -euo pipefail

[ "$#" -gt 0 ] || exit 0

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "note: dpkg-query not found (not a Debian system?); assuming these are present: $*" >&2
  exit 0
fi

missing=()
for pkg in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "deps: all present ($*)"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "error: missing packages: ${missing[*]}; not root and no sudo — install them and rerun" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
