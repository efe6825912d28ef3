#!/usr/bin/env bash
# libengage.so: exports exactly the header's functions, needs no Swift library, and an
# install into a clean folder links and runs through pkg-config.
# libengage.a: its only global symbols are the header's functions, and a C program links
# it from the same install with system libraries only (Libs.private) and runs.
set -euo pipefail
lib=${1:?usage: $0 PATH/TO/libengage.so [PATH/TO/libengage.a]}
archive=${2:-$(dirname "$lib")/libengage.a}
root=$(cd "$(dirname "$0")/.." && pwd)
fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }

exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[A-Z]$/ {print $3}' | sort)
declared=$(grep -oE '\bengage_[a-z_]+\(' "$root/include/engage.h" | tr -d '(' | sort -u)
check "exports exactly the header's functions" '[ "$exported" = "$declared" ]'
[ "$exported" = "$declared" ] || diff <(echo "$exported") <(echo "$declared") || true
check "no Swift runtime library needed (ldd)" '! ldd "$lib" | grep -qi swift'
# Its own dependencies (DT_NEEDED): the C and C++ runtimes, and the two stores' system
# libraries, linked dynamically (Debian's libsqlite3-0 and libhiredis0.14).
needed=$(readelf -d "$lib" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort | xargs)
check "needs system libraries only ($needed)" \
  '! echo "$needed" | tr " " "\n" | grep -vE "^(libc|libm|libstdc\+\+|libgcc_s|libdl|libpthread|librt|libutil|libsqlite3|libhiredis|ld-linux[-a-z0-9_.]*)\.so"'
check "links libsqlite3 and libhiredis" 'echo "$needed" | grep -q "libsqlite3\.so" && echo "$needed" | grep -q "libhiredis\.so"'

# The archive: one prelinked object; every global it defines is an engage_* function of
# the header (the Swift runtime inside is local), and no Swift symbol is left undefined.
archived=$(nm -g --defined-only "$archive" | awk 'NF == 3 {print $3}' | sort)
check "libengage.a defines exactly the header's functions as globals" '[ "$archived" = "$declared" ]'
[ "$archived" = "$declared" ] || diff <(echo "$archived") <(echo "$declared") | head -20 || true
check "libengage.a leaves no Swift symbol undefined" '! nm -u "$archive" | grep -qE "^ *U (\\\$s|swift_)"'

# Install into a clean folder and link a C program there with pkg-config.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/prefix/lib/pkgconfig" "$tmp/prefix/include"
cp "$lib" "$archive" "$tmp/prefix/lib/"
cp "$root/include/engage.h" "$tmp/prefix/include/"
"$root/scripts/engage-pc.sh" "$tmp/prefix" "$tmp/prefix/lib/pkgconfig/engage.pc"
cat > "$tmp/smoke.c" <<'C'
#include <engage.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    if (engage_abi_version() != ENGAGE_ABI_VERSION) return 1;
    engage_engine *e = NULL;
    char *out = NULL; size_t n = 0;
    const char *cfg = "{\"defaults\": {\"fixed_clock_ms\": 1795150000000}}";
    if (engage_engine_open(cfg, strlen(cfg), &e, &out, &n) != ENGAGE_OK) return 2;
    const char *set = "{\"version\":1,\"campaigns\":[{\"id\":\"hi\",\"purpose\":\"service\",\"status\":\"active\","
                      "\"placements\":[\"home\"],\"channels\":{\"push\":{\"payload\":{\"t\":\"hello\"}}}}]}";
    if (engage_load_campaigns(e, set, strlen(set), &out, &n) != ENGAGE_OK) return 3;
    engage_free(out);
    const char *req = "{\"user_id\":\"u1\",\"placements\":[\"home\"]}";
    if (engage_decide(e, req, strlen(req), &out, &n) != ENGAGE_OK) return 4;
    int ok = strstr(out, "\"campaign\":\"hi\"") != NULL && n == strlen(out);
    engage_free(out);
    if (engage_decide(e, "{", 1, &out, &n) != ENGAGE_INVALID_JSON) return 5;
    engage_free(out);
    engage_engine_close(e);
    if (engage_decide(e, req, strlen(req), &out, &n) != ENGAGE_MISUSE) return 6;
    engage_free(out);
    engage_engine_close(e);
    engage_engine_close(NULL);
    engage_free(NULL);
    printf("smoke: %s %s\n", engage_version(), ok ? "decided" : "WRONG");
    return ok ? 0 : 7;
}
C
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
check "links from a clean install with pkg-config" 'cc -o "$tmp/smoke" "$tmp/smoke.c" $(pkg-config --cflags --libs engage)'
check "runs from the clean install" '"$tmp/smoke"'

# Statically: the archive from the install, then Libs.private (system libraries only).
static_libs=$(pkg-config --static --libs-only-l engage | tr ' ' '\n' | grep -vx -- -lengage | xargs)
check "Libs.private lists system libraries only ($static_libs)" '[ -n "$static_libs" ] && ! echo "$static_libs" | grep -qiE "engage|swift"'
check "links libengage.a from the clean install" \
  'cc -o "$tmp/smoke-static" "$tmp/smoke.c" $(pkg-config --cflags engage) "$(pkg-config --variable=staticlib engage)" $static_libs'
check "the static link needs no libengage.so and no Swift library (ldd)" \
  'ldd "$tmp/smoke-static" > "$tmp/ldd" && ! grep -qiE "engage|swift" "$tmp/ldd"'
check "runs linked statically" 'env -u LD_LIBRARY_PATH "$tmp/smoke-static"'
# Fully static (cc -static picks libengage.a for -lengage): `pkg-config --static` as is.
check "links fully static with pkg-config --static" \
  'cc -static -o "$tmp/smoke-full" "$tmp/smoke.c" $(pkg-config --static --cflags --libs engage) 2> "$tmp/full.log" || { cat "$tmp/full.log"; false; }'
check "runs fully static" '"$tmp/smoke-full"'
[ $fail -eq 0 ] && echo "lib: all checks passed" || { echo "lib: checks failed"; exit 1; }
