#!/bin/sh
# The median cost of one engage_decide call from C, Go and Python, measured in one run
# (issue 5): 100 campaigns, a 1 KB request, the same inputs and the same decision in
# every binding. See bench/README.md.
#
#   bench/abi/run.sh LIBDIR        LIBDIR holds libengage.so (a release build)
#
# Environment: ABI_BENCH_ROUNDS (30), ABI_BENCH_N timed calls of each kind per driver
# run (120), ABI_BENCH_WARMUP untimed ones before (50), ABI_BENCH_BUDGET seconds the
# whole run may take, builds included (110; a step that would overrun it is stopped
# and the run fails), CC (cc), GO (go), PYTHON (python3). Many short rounds rather than
# a few long ones: this machine's speed drifts by up to 2x over seconds, and short
# rounds let each binding see the same drift. The defaults take ~22 s on 2 cores.
#
# Builds the C and Go drivers into a temporary folder, writes the shared inputs there
# (inputs.py), runs the three drivers alternately — ROUNDS rounds of C, Go and Python,
# so noise from the machine hits each alike — then report.py checks every decision (OK,
# the expected number of messages, the same in every binding), pools the rounds, prints
# one table and writes bench/abi/results.json. Exits non-zero if anything fails.
set -eu

if [ $# -ne 1 ] || [ ! -f "$1/libengage.so" ]; then
    echo "usage: $0 LIBDIR   (LIBDIR must hold libengage.so)" >&2
    exit 2
fi
LIBDIR=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ROUNDS=${ABI_BENCH_ROUNDS:-30}
N=${ABI_BENCH_N:-120}
WARMUP=${ABI_BENCH_WARMUP:-50}
CC=${CC:-cc}
GO=${GO:-go}
PYTHON=${PYTHON:-python3}
BUDGET=${ABI_BENCH_BUDGET:-110}
START=$(date +%s)

# Runs a step under what is left of the budget; names the step when it fails.
step() {
    what=$1
    shift
    left=$((START + BUDGET - $(date +%s)))
    if [ "$left" -le 0 ]; then
        echo "FAIL: over the ${BUDGET}s budget before: $what" >&2
        exit 1
    fi
    status=0
    timeout "$left" "$@" || status=$?
    if [ "$status" -eq 124 ]; then
        echo "FAIL: $what: stopped at the ${BUDGET}s budget" >&2
        exit 1
    elif [ "$status" -ne 0 ]; then
        echo "FAIL: $what: exit status $status" >&2
        exit 1
    fi
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/engage-abi-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
mkdir "$WORK/out"

step "inputs.py" "$PYTHON" "$HERE/inputs.py" "$WORK/in"

echo "building the C driver"
step "building decide.c" "$CC" -O2 -std=c11 -Wall -Wextra -Werror -I"$REPO/include" "$HERE/decide.c" "$HERE/driver.c" \
    -L"$LIBDIR" -Wl,-rpath,"$LIBDIR" -lengage -o "$WORK/decide-c"

echo "building the Go driver"
# GOPROXY=off: the driver needs no module but bindings/go (a replace in go/go.mod).
# The binding finds the header and the library through pkg-config: an engage.pc for LIBDIR.
"$REPO/scripts/engage-pc.sh" --build-tree "$LIBDIR" "$WORK/pkgconfig/engage.pc"
(cd "$HERE/go" && step "building the Go driver" env GOPROXY=off GOFLAGS=-mod=readonly \
    PKG_CONFIG_PATH="$WORK/pkgconfig" "$GO" build -o "$WORK/decide-go" .)

# Each round starts with the next driver (C, Go, Python; Go, Python, C; ...), so no
# binding always runs first, or always right after another.
r=1
while [ "$r" -le "$ROUNDS" ]; do
    echo "round $r of $ROUNDS ($N timed calls of each kind, after $WARMUP untimed)"
    round=$(printf %03d "$r")
    for i in 0 1 2; do
        case $(((r - 1 + i) % 3)) in
        0) step "the C driver, round $r" "$WORK/decide-c" "$WORK/in" "$N" "$WARMUP" "$WORK/out/c-$round.json" ;;
        1) step "the Go driver, round $r" "$WORK/decide-go" "$WORK/in" "$N" "$WARMUP" "$WORK/out/go-$round.json" ;;
        2) step "the Python driver, round $r" env PYTHONPATH="$REPO/bindings/python${PYTHONPATH:+:$PYTHONPATH}" \
               ENGAGE_LIB="$LIBDIR/libengage.so" "$PYTHON" "$HERE/decide.py" "$WORK/in" "$N" "$WARMUP" \
               "$WORK/out/python-$round.json" ;;
        esac
    done
    r=$((r + 1))
done

echo
step "report.py (checks every decision)" "$PYTHON" "$HERE/report.py" "$WORK/in" "$HERE/results.json" \
    "$WORK"/out/c-*.json "$WORK"/out/go-*.json "$WORK"/out/python-*.json
echo "wrote $HERE/results.json ($(($(date +%s) - START)) s)"
