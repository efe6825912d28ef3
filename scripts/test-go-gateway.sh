#!/usr/bin/env bash
# examples/go-gateway: go vet and go test -race against LIBDIR/libengage.so.
# Usage: scripts/test-go-gateway.sh LIBDIR   (Go from Debian's golang-go; installs nothing)
# The example uses the binding from this checkout (replace ../../bindings/go in its
# go.mod) and the standard library only: GOPROXY=off, nothing is fetched. The binding
# finds the header and the library through an engage.pc written for the build tree.
set -euo pipefail
libdir=${1:?usage: $0 LIBDIR (the folder holding libengage.so)}
root=$(cd "$(dirname "$0")/.." && pwd)
lib=$(cd "$libdir" && pwd)
[ -f "$lib/libengage.so" ] || { echo "test-go-gateway: $lib/libengage.so not found (run make lib)" >&2; exit 1; }
command -v go >/dev/null || { echo "test-go-gateway: go not found (apt-get install golang-go)" >&2; exit 1; }

export CGO_ENABLED=1
# engage.pc for this build tree: the binding's `#cgo pkg-config: engage` takes the
# header from include/ and the library (with an rpath) from LIBDIR.
pc=$(mktemp -d)
trap 'rm -rf "$pc"' EXIT
"$root/scripts/engage-pc.sh" --build-tree "$lib" "$pc/engage.pc"
export PKG_CONFIG_PATH="$pc"
export GOPROXY=off GOFLAGS= GO111MODULE=on
unset GOTOOLCHAIN

cd "$root/examples/go-gateway"
echo "== go-gateway test ($(go version | cut -d' ' -f3), $lib/libengage.so)"
t0=$(date +%s)
go vet ./...
go test -race -count=1 ./...
go build -o /dev/null .
echo "test-go-gateway: vet + race tests + build in $(( $(date +%s) - t0 ))s"
