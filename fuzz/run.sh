#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time.
#
#   fuzz/run.sh TARGET SECONDS        e.g. fuzz/run.sh FuzzJSON 60
#
# Builds the fuzz package once (debug, -sanitize=fuzzer,address, scratch folder
# .build-fuzz in the project root; rebuilt only when the binary is missing, a source
# file changed since the last build, or FUZZ_REBUILD=1),
# copies the committed seed corpus to a temporary folder so the fuzzer never modifies it,
# and runs the target for SECONDS with a 2 GiB RSS limit. A crash, sanitizer report,
# leak or timeout makes the script exit non-zero; libFuzzer saves the offending input
# under fuzz-artifacts/TARGET/ (gitignored) — turn it into a regression test in
# Tests/EngageTests.
#
# Environment: SWIFT (the swift driver), FUZZ_MAX_LEN (default 65536),
# FUZZ_TIMEOUT (seconds one input may take, default 5: the readers' inputs are at most
# a few hundred KiB and take milliseconds, so 5 s in a debug ASan build on a busy
# machine means exponential or quadratic work, not a slow machine).
#
# LeakSanitizer reads fuzz/lsan.supp (why each entry is a false positive is written
# there).
set -euo pipefail

targets="FuzzJSON, FuzzLogic, FuzzState, FuzzConfig, FuzzCampaigns, FuzzDecide, FuzzRecord, FuzzContext"
if [ $# -ne 2 ]; then
  echo "usage: $0 TARGET SECONDS   (targets: $targets)" >&2
  exit 2
fi
target=$1
seconds=$2
case "$seconds" in ''|*[!0-9]*) echo "error: SECONDS must be a whole number" >&2; exit 2 ;; esac

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz_dir")
scratch="$root/.build-fuzz"
swift=${SWIFT:-$(command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)}
binary="$scratch/debug/$target"

case "$target" in
  FuzzJSON) corpus="$fuzz_dir/corpus/json" ;;
  FuzzLogic) corpus="$fuzz_dir/corpus/logic" ;;
  FuzzState) corpus="$fuzz_dir/corpus/state" ;;
  FuzzConfig) corpus="$fuzz_dir/corpus/config" ;;
  FuzzCampaigns) corpus="$fuzz_dir/corpus/campaigns" ;;
  FuzzDecide) corpus="$fuzz_dir/corpus/decide" ;;
  FuzzRecord) corpus="$fuzz_dir/corpus/record" ;;
  FuzzContext) corpus="$fuzz_dir/corpus/context" ;;
  *) echo "error: unknown target $target ($targets)" >&2; exit 2 ;;
esac

# Build every target in one go when the binary is missing or a source is newer than the
# last build (a stamp, not the binary: SwiftPM does not relink a target whose inputs
# did not change, so a binary can stay older than sources it does not use).
stamp="$scratch/debug/.engage-fuzz-built"
stale=
if [ -x "$binary" ] && [ -f "$stamp" ]; then
  stale=$(find "$root/Sources" "$fuzz_dir/Sources" "$fuzz_dir/Package.swift" "$root/Package.swift" \
            -newer "$stamp" -print -quit 2>/dev/null || true)
else
  stale=yes
fi
if [ -n "$stale" ] || [ "${FUZZ_REBUILD:-0}" = 1 ]; then
  echo "fuzz: building (debug, -sanitize=fuzzer,address) in $scratch"
  build_log=$(mktemp)
  started=$(mktemp)
  if ! (cd "$fuzz_dir" && "$swift" build -c debug --scratch-path "$scratch" \
          -Xswiftc -sanitize=fuzzer,address) > "$build_log" 2>&1; then
    grep -v 'Cannot export local symbol' "$build_log" | tail -n 40 >&2
    rm -f "$build_log" "$started"
    echo "error: build of the fuzz package failed" >&2
    exit 1
  fi
  rm -f "$build_log"
  [ -x "$binary" ] || { rm -f "$started"; echo "error: $binary was not built" >&2; exit 1; }
  # Stamped with the time the build started, so an edit made during the build
  # triggers the next one.
  mv "$started" "$stamp"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/engage-fuzz-$target.XXXXXX")
log="$work.log"
trap 'rm -rf "$work" "$log"' EXIT
cp -R "$corpus/." "$work/"
artifacts="$root/fuzz-artifacts/$target"
mkdir -p "$artifacts"

echo "fuzz: $target for ${seconds}s (corpus copy in $work, artifacts in $artifacts)"
status=0
# Swift's own crash backtracer reads the crashed thread's stack from a helper thread,
# which ASan reports as a stack-buffer-underflow in place of the real finding; off, so
# libFuzzer prints the deadly signal's stack.
SWIFT_BACKTRACE=enable=no \
LSAN_OPTIONS="suppressions=$fuzz_dir/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
"$binary" "$work" \
  -max_total_time="$seconds" \
  -rss_limit_mb=2048 \
  -max_len="${FUZZ_MAX_LEN:-65536}" \
  -timeout="${FUZZ_TIMEOUT:-5}" \
  -dict="$fuzz_dir/json.dict" \
  -print_final_stats=1 \
  -artifact_prefix="$artifacts/" \
  > "$log" 2>&1 || status=$?

grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|Done )' "$log" || true
if [ "$status" -ne 0 ]; then
  tail -n 60 "$log" >&2
  echo "fuzz: $target FAILED (exit $status); inputs saved:" >&2
  ls -1 "$artifacts" >&2 || true
  exit 1
fi
echo "fuzz: $target ran ${seconds}s without a finding"
