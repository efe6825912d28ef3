#!/usr/bin/env bash
# examples/nginx: the shared gateway suite (examples/gateway-tests/suite.py) against the
# nginx gateway and the Go gateway, then the nginx-only tests (nginx_test.py: reload
# under load, /engage/health p99 during 10k-campaign reloads and with Redis stopped) and
# the fleet test (fleet_test.py: 2 nginx x 4 workers + go-gateway on one Redis, exact
# caps for 500 users x 20 concurrent views, Redis killed mid-run).
# Usage: scripts/test-nginx.sh LIBDIR     (the folder holding libengage.so)
# Needs (Debian): nginx libnginx-mod-http-lua lua-resty-core lua-cjson redis-server golang-go.
# Every server is started by the tests on 127.0.0.1 in a temporary folder and stopped.
set -euo pipefail
libdir=${1:?usage: $0 LIBDIR (the folder holding libengage.so)}
root=$(cd "$(dirname "$0")/.." && pwd)
lib=$(cd "$libdir" && pwd)
[ -f "$lib/libengage.so" ] || { echo "test-nginx: $lib/libengage.so not found (run make lib)" >&2; exit 1; }
for tool in nginx python3 go redis-server redis-cli; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "test-nginx: $tool not found (make deps)" >&2; exit 1; }
done
export PATH="$PATH:/usr/sbin"
export ENGAGE_LIB="$lib/libengage.so"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== nginx gateway test ($(nginx -v 2>&1 | cut -d' ' -f3), $lib/libengage.so)"
t0=$(date +%s)
# The Go binding finds the header and library through pkg-config: an engage.pc for this
# build tree (as scripts/test-go-gateway.sh writes it).
"$root/scripts/engage-pc.sh" --build-tree "$lib" "$work/engage.pc"
(cd "$root/examples/go-gateway" &&
  PKG_CONFIG_PATH="$work" CGO_ENABLED=1 GOPROXY=off GOFLAGS= GO111MODULE=on \
  go build -o "$work/go-gateway" .)
export GO_GATEWAY="$work/go-gateway"
cd "$root/examples/gateway-tests"
failed=0
timeout 120 python3 suite.py nginx go || failed=1
timeout 90 python3 nginx_test.py || failed=1
timeout 120 python3 fleet_test.py || failed=1
echo "test-nginx: $(( $(date +%s) - t0 ))s"
exit "$failed"
