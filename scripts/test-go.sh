#!/usr/bin/env bash
# bindings/go: go vet and go test -race against LIBDIR/libengage.so.
# Usage: scripts/test-go.sh LIBDIR        (Go from Debian's golang-go; installs nothing)
#   GO_BENCH=1   also run the Decide benchmark (a non-race build; prints the median)
# The binding finds the header and the library through pkg-config (#cgo pkg-config:
# engage); this script writes an engage.pc for the build tree. Standard library only:
# GOPROXY=off and GOFLAGS=-mod=mod are not needed, nothing is fetched.
set -euo pipefail
libdir=${1:?usage: $0 LIBDIR (the folder holding libengage.so)}
root=$(cd "$(dirname "$0")/.." && pwd)
lib=$(cd "$libdir" && pwd)
[ -f "$lib/libengage.so" ] || { echo "test-go: $lib/libengage.so not found (run make lib)" >&2; exit 1; }
command -v go >/dev/null || { echo "test-go: go not found (apt-get install golang-go)" >&2; exit 1; }

export CGO_ENABLED=1
# engage.pc for this build tree: the binding's `#cgo pkg-config: engage` takes the
# header from include/ and the library (with an rpath) from LIBDIR.
pc=$(mktemp -d)
trap 'rm -rf "$pc"' EXIT
"$root/scripts/engage-pc.sh" --build-tree "$lib" "$pc/engage.pc"
export PKG_CONFIG_PATH="$pc"
export GOPROXY=off GOFLAGS= GO111MODULE=on
unset GOTOOLCHAIN
export ENGAGE_REPO="$root"

cd "$root/bindings/go"
echo "== go binding test ($(go version | cut -d' ' -f3), $lib/libengage.so)"
t0=$(date +%s)
go vet ./...
go test -race -count=1 ./...
echo "test-go: vet + race tests in $(( $(date +%s) - t0 ))s"
if [ "${GO_BENCH:-0}" = 1 ]; then
  go test -run '^$' -bench . -benchtime 20000x -count=1 ./...
fi
