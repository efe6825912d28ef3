#!/usr/bin/env bash
# Writes engage.pc from scripts/engage.pc.in, with the version of VERSION.
#
#   scripts/engage-pc.sh PREFIX OUT.pc               an install: PREFIX/lib, PREFIX/include
#   scripts/engage-pc.sh --build-tree LIBDIR OUT.pc  this checkout: the library in LIBDIR
#                                                    (make lib's .build-lib/release), the
#                                                    header in include/
# The build-tree form lets the Go binding (`#cgo pkg-config: engage`) and other hosts
# build inside the checkout exactly as they do against an install.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(tr -d ' \n' < "$root/VERSION")
if [ "${1:-}" = --build-tree ]; then
  libdir=$(cd "${2:?usage: $0 --build-tree LIBDIR OUT.pc}" && pwd)
  out=${3:?usage: $0 --build-tree LIBDIR OUT.pc}
  mkdir -p "$(dirname "$out")"
  sed -e "s|@PREFIX@|$root|" -e "s|^libdir=.*|libdir=$libdir|" -e "s|^includedir=.*|includedir=$root/include|" \
      -e "s|@VERSION@|$version|" "$root/scripts/engage.pc.in" > "$out"
else
  prefix=${1:?usage: $0 PREFIX OUT.pc}
  out=${2:?usage: $0 PREFIX OUT.pc}
  mkdir -p "$(dirname "$out")"
  sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" "$root/scripts/engage.pc.in" > "$out"
fi
