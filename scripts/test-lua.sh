#!/usr/bin/env bash
# bindings/lua: bindings/lua/test.lua under luajit against LIBDIR/libengage.so.
# Usage: scripts/test-lua.sh LIBDIR       (luajit from Debian's luajit2; installs nothing)
#   LUAJIT=path          another luajit
#   ENGAGE_LUA_CALLS=n   calls of the memory test (default 1,000,000)
#   ENGAGE_LUA_ONLY=word only the tests whose name contains word
# Run from outside the source tree so the test finds engage.lua through its own path,
# as a host's package.path would.
set -euo pipefail
libdir=${1:?usage: $0 LIBDIR (the folder holding libengage.so)}
root=$(cd "$(dirname "$0")/.." && pwd)
lib=$(cd "$libdir" && pwd)/libengage.so
[ -f "$lib" ] || { echo "test-lua: $lib not found (run make lib)" >&2; exit 1; }
luajit=${LUAJIT:-luajit}
command -v "$luajit" >/dev/null || { echo "test-lua: luajit not found (apt-get install luajit2)" >&2; exit 1; }

echo "== lua binding test ($("$luajit" -v | cut -d' ' -f1-2), $lib)"
cd /
t0=$(date +%s)
ENGAGE_LIB="$lib" ENGAGE_REPO="$root" "$luajit" "$root/bindings/lua/test.lua"
echo "test-lua: $(( $(date +%s) - t0 ))s"
