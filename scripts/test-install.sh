#!/usr/bin/env bash
# What `make install PREFIX=DIR` left in DIR, as a user receives it:
#   - stripped (bin/engage and lib/libengage.so without a symbol table; libengage.a without
#     debug info), libengage.so still exporting exactly the header's functions;
#   - one version everywhere: VERSION = engage.h (ENGAGE_VERSION, ENGAGE_VERSION_NUMBER) =
#     the installed library's engage_version() = the core's EngageVersion.string =
#     engage.pc = engage --version = the Python and Lua bindings (scripts/set-version.sh writes them);
#   - share/engage/engage.supp: examples/c-host/host.c, built against the install, run
#     under valgrind with the documented flags gives 0 errors, and without the file the
#     Swift runtime's one-time allocations are reported (so the file is what hides them).
# Usage: scripts/test-install.sh PREFIX [LIBDIR]   (LIBDIR: the unstripped build, for sizes)
# Needs: cc, pkg-config, nm, readelf, valgrind, libjson-c-dev.
set -euo pipefail
prefix=${1:?usage: $0 PREFIX [LIBDIR]}
libdir=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== install test ($prefix)"

# --- stripped
size() { stat -c %s "$1"; }
for f in bin/engage lib/libengage.so; do
  check "$f is stripped: no symbol table, no debug info ($(( $(size "$prefix/$f") / 1048576 )) MiB)" \
    '! readelf -S -W "$prefix/$f" | grep -qE "\] \.(symtab|debug_)"'
done
if [ -n "$libdir" ]; then
  echo "     libengage.so $(size "$libdir/libengage.so") bytes built -> $(size "$prefix/lib/libengage.so") installed"
fi
check "libengage.a has no debug info" '! readelf -S -W "$prefix/lib/libengage.a" | grep -q "\.debug_"'
declared=$(grep -oE '\bengage_[a-z_]+\(' "$root/include/engage.h" | tr -d '(' | sort -u)
exported=$(nm -D --defined-only "$prefix/lib/libengage.so" | awk '$2 ~ /^[A-Z]$/ {print $3}' | sort)
check "stripped libengage.so exports exactly the header's functions" '[ "$exported" = "$declared" ]'
archived=$(nm -g --defined-only "$prefix/lib/libengage.a" | awk 'NF == 3 {print $3}' | sort)
check "stripped libengage.a defines exactly the header's functions as globals" '[ "$archived" = "$declared" ]'
check "bin/engage runs stripped" '[ "$("$prefix/bin/engage" logic "{\"==\": [1, 1]}")" = true ]'

# --- one version
version=$(tr -d ' \n' < "$root/VERSION")
check "VERSION is MAJOR.MINOR.PATCH ($version)" '[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]'
IFS=. read -r major minor patch <<< "$version"
number=$(( major * 1000000 + minor * 1000 + patch ))
header_version=$(sed -n 's/^#define ENGAGE_VERSION  *"\(.*\)".*/\1/p' "$prefix/include/engage.h")
header_number=$(sed -n 's/^#define ENGAGE_VERSION_NUMBER  *\([0-9]*\).*/\1/p' "$prefix/include/engage.h")
check "engage.h ENGAGE_VERSION ($header_version)" '[ "$header_version" = "$version" ]'
check "engage.h ENGAGE_VERSION_NUMBER ($header_number = $number)" '[ "$header_number" = "$number" ]'
swift_version=$(sed -n 's/^let versionString: StaticString = "\(.*\)"/\1/p' "$root/Sources/EngageC/ABI.swift")
check "Sources/EngageC/ABI.swift versionString ($swift_version)" '[ "$swift_version" = "$version" ]'
core_version=$(sed -n 's/^    public static let string = "\(.*\)"/\1/p' "$root/Sources/Engage/Version.swift")
check "Sources/Engage/Version.swift EngageVersion.string ($core_version)" '[ "$core_version" = "$version" ]'
cat > "$tmp/version.c" <<'C'
#include <engage.h>
#include <stdio.h>
int main(void) { printf("%s\n", engage_version()); return 0; }
C
cc -o "$tmp/version" "$tmp/version.c" $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs engage)
lib_version=$("$tmp/version")
check "engage_version() of the installed library ($lib_version)" '[ "$lib_version" = "$version" ]'
pc_version=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --modversion engage)
check "engage.pc Version ($pc_version)" '[ "$pc_version" = "$version" ]'
py_version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/bindings/python/pyproject.toml")
check "bindings/python/pyproject.toml version ($py_version)" '[ "$py_version" = "$version" ]'
lua_version=$(sed -n 's/^local _M = { _VERSION = "\(.*\)" }/\1/p' "$prefix/share/lua/5.1/engage.lua")
check "installed engage.lua _VERSION ($lua_version)" '[ "$lua_version" = "$version" ]'
cli_version=$("$prefix/bin/engage" --version | awk '{print $2}')
check "engage --version ($cli_version)" '[ "$cli_version" = "$version" ]'
check "share/doc/engage/VERSION" '[ "$(tr -d " \n" < "$prefix/share/doc/engage/VERSION")" = "$version" ]'
check "CHANGELOG.md has a section for $version" 'grep -q "^## \[$version\]" "$prefix/share/doc/engage/CHANGELOG.md"'

# --- valgrind with the installed suppressions
supp="$prefix/share/engage/engage.supp"
cc -O1 -g -o "$tmp/host" "$root/examples/c-host/host.c" $(pkg-config --cflags --libs json-c) \
   $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs engage)
vg() { HOST_TIMING_N=3 timeout 300 valgrind --leak-check=full --error-exitcode=1 "$@" \
         "$tmp/host" "$root/examples/campaigns/telco-full.json" > /dev/null 2> "$tmp/vg.log"; }
errors() { sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$tmp/vg.log"; }
check "valgrind --errors-for-leak-kinds=definite with engage.supp: 0 errors" \
  'vg --errors-for-leak-kinds=definite --suppressions="$supp" && [ "$(errors)" = 0 ]'
check "valgrind --errors-for-leak-kinds=definite,possible with engage.supp: 0 errors" \
  'vg --errors-for-leak-kinds=definite,possible --suppressions="$supp" && [ "$(errors)" = 0 ]'
suppressed=$(sed -n 's/.*(suppressed: \([0-9]*\) from.*/\1/p' "$tmp/vg.log")
check "... the file suppressed the runtime's one-time allocations ($suppressed)" '[ "${suppressed:-0}" -gt 0 ]'
check "without engage.supp the same run reports them (possibly lost)" \
  '! vg --errors-for-leak-kinds=definite,possible && [ "$(errors)" -gt 0 ] && grep -q "possibly lost in loss record" "$tmp/vg.log"'

[ "$fail" = 0 ] && echo "test-install: all checks passed" || { echo "test-install: FAILED"; exit 1; }
