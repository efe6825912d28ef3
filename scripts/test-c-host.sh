#!/usr/bin/env bash
# Builds examples/c-host (host, robustness, host-store, vectors, contract) against libengage and runs them natively and
# under valgrind: memory errors and definite leaks fail ("still reachable" and "possibly
# lost" blocks belong to the Swift runtime's caches and are allowed).
#   scripts/test-c-host.sh [LIBDIR]        (default .build-lib/release)
# Needs: cc, pkg-config, libjson-c-dev, valgrind.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIBDIR=$(cd "${1:-$ROOT/.build-lib/release}" && pwd) || { echo "test-c-host: no library folder ${1:-}"; exit 2; }
[ -f "$LIBDIR/libengage.so" ] || { echo "test-c-host: $LIBDIR/libengage.so not found (make lib)"; exit 2; }
for tool in cc pkg-config valgrind; do
  command -v $tool >/dev/null || { echo "test-c-host: $tool not installed"; exit 2; }
done
pkg-config --exists json-c || { echo "test-c-host: json-c not found (apt-get install libjson-c-dev)"; exit 2; }

DIR="$ROOT/examples/c-host"
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
CAMPAIGNS="$ROOT/examples/campaigns/telco-full.json"
failed=0
results=()

step() { # name, command...
  local name=$1; shift
  local start=$SECONDS
  if "$@" >"$LOGS/$name.log" 2>&1; then
    results+=("PASS  $name ($((SECONDS - start))s)")
  else
    results+=("FAIL  $name ($((SECONDS - start))s)"); failed=1
    echo "--- $name: last lines of output"; tail -40 "$LOGS/$name.log"
  fi
}

VG=(valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite)

VECTORS="$ROOT/Tests/vectors/bucketing.json"
step build make -C "$DIR" -B LIBDIR="$LIBDIR" INCDIR="$ROOT/include" host robustness host-store vectors contract
if [ $failed = 0 ]; then
  cd "$DIR"
  step host ./host "$CAMPAIGNS"
  step robustness ./robustness "$DIR/corpus" "$CAMPAIGNS"
  step host-store ./host-store "$DIR/corpus"
  step vectors ./vectors "$VECTORS"
  step contract ./contract "$ROOT/Tests/vectors"
  step host-valgrind env HOST_TIMING_N=10 "${VG[@]}" ./host "$CAMPAIGNS"
  step robustness-valgrind env ROBUST_DECISIONS=150 "${VG[@]}" ./robustness "$DIR/corpus" "$CAMPAIGNS"
  step host-store-valgrind "${VG[@]}" ./host-store "$DIR/corpus"
  step vectors-valgrind "${VG[@]}" ./vectors "$VECTORS"
  step contract-valgrind "${VG[@]}" ./contract "$ROOT/Tests/vectors"
fi

echo "== c-host"
printf '%s\n' "${results[@]}"
grep -h "engage_decide, " "$LOGS/host.log" 2>/dev/null | sed 's/^/   timing: /'
grep -h "^robustness: \|^host-store: \|^vectors: \|^contract: " "$LOGS/robustness.log" "$LOGS/robustness-valgrind.log" "$LOGS/host-store.log" "$LOGS/vectors.log" "$LOGS/contract.log" 2>/dev/null | sed 's/^/   /'
for v in host-valgrind robustness-valgrind host-store-valgrind vectors-valgrind contract-valgrind; do
  [ -f "$LOGS/$v.log" ] && grep -hE "ERROR SUMMARY|definitely lost" "$LOGS/$v.log" | sed "s/^==[0-9]*==/   $v:/"
done
exit $failed
