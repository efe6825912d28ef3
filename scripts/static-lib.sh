#!/usr/bin/env bash
# libengage.a from the objects of a `make lib` build: one relocatable object holding the
# Engage and EngageC code and the Swift runtime pieces they use, whose only global
# symbols are the engage_* functions libengage.so exports. A C host links it with system
# libraries only (see Libs.private in scripts/engage.pc.in).
#
#   scripts/static-lib.sh SWIFT LIB_DIR      (LIB_DIR holds libengage.so; writes libengage.a)
#
# Steps: ld -r of swiftrt.o + the product's objects + the static Swift runtime archives
# the objects autolink (only the members they need; COMDAT groups dissolved), then
# objcopy: every global but the .so's engage_* exports made local, debug info and
# autolink entries dropped, and the Swift metadata sections renamed swift5_* ->
# engage_swift5_* (with their __start_/__stop_ bounds) so this runtime copy registers
# only its own metadata even in a host that links Swift code of its own.
set -euo pipefail
swift=${1:?usage: $0 SWIFT LIB_DIR}
dir=${2:?usage: $0 SWIFT LIB_DIR}
so="$dir/libengage.so"
objects="$dir/engage.product/Objects.LinkFileList"
[ -f "$so" ] && [ -f "$objects" ] || { echo "error: $so or $objects missing — run make lib" >&2; exit 1; }

resources=$("$swift" -print-target-info | sed -n 's/.*"runtimeResourcePath": *"\(.*\)".*/\1/p')
static="${resources}_static/linux"
swiftrt="$static/$(uname -m)/swiftrt.o"
[ -f "$swiftrt" ] || { echo "error: $swiftrt not found (static Swift runtime)" >&2; exit 1; }

tmp=$(mktemp -d "$dir/static-lib.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mapfile -t objs < "$objects"

# Runtime archives: what the objects autolink plus what -static-stdlib adds, keeping
# those the toolchain ships as static archives (system libraries stay with the host).
archives=()
for lib in $( { for o in "${objs[@]}"; do
                  : > "$tmp/autolink"; objcopy --dump-section .swift1_autolink_entries="$tmp/autolink" "$o" /dev/null 2>/dev/null || true
                  tr '\0' '\n' < "$tmp/autolink"
                done
                cat "$static/static-stdlib-args.lnk"; } | tr -s " \t" "\n\n" | sed -n 's/^-l//p' | awk '!seen[$0]++'); do
  [ -f "$static/lib$lib.a" ] && archives+=("$static/lib$lib.a")
done

ld -r --force-group-allocation -o "$tmp/prelink.o" "$swiftrt" "${objs[@]}" \
  --start-group "${archives[@]}" --end-group
# Whatever is still undefined must come from the system (libc, libm, libstdc++), not Swift.
if nm -u "$tmp/prelink.o" | grep -E '^ *U \$s'; then
  echo "error: Swift symbols above are undefined after ld -r (runtime archive missing?)" >&2; exit 1
fi

nm -D --defined-only "$so" | awk '$2 ~ /^[A-Z]$/ && $3 ~ /^engage_/ {print $3}' > "$tmp/keep"
[ -s "$tmp/keep" ] || { echo "error: $so exports no engage_* symbol" >&2; exit 1; }

renames=()
for s in $(readelf -S -W "$tmp/prelink.o" | grep -oE '\] swift5_[A-Za-z0-9_]+' | cut -c3- | sort -u); do
  renames+=(--rename-section "$s=engage_$s"
            --redefine-sym "__start_$s=__start_engage_$s" --redefine-sym "__stop_$s=__stop_engage_$s")
done
objcopy --strip-debug --remove-section=.swift1_autolink_entries \
  --keep-global-symbols="$tmp/keep" "${renames[@]}" "$tmp/prelink.o" "$tmp/engage.o"

rm -f "$tmp/libengage.a"
ar rcs "$tmp/libengage.a" "$tmp/engage.o"
mv "$tmp/libengage.a" "$dir/libengage.a"
echo "built $dir/libengage.a ($(wc -l < "$tmp/keep") engage_* globals, runtime: $(printf '%s ' "${archives[@]##*/}"))"
