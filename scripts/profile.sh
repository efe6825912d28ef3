#!/bin/sh
# Instructions and mallocs per call of one ABI call kind, counted by callgrind (issue 15,
# stage 0 of the fast-path plan: the harness every later stage reports against).
#
#   scripts/profile.sh KIND [N1 N2]   steady-state instructions and mallocs per call of
#                                     `one KIND` (decide, context, history, history-64)
#                                     from callgrind runs with N1 and N2 calls (5, 25),
#                                     and the top 10 functions by inclusive cost per call
#   scripts/profile.sh --check        every kind against bench/abi/instructions.json
#                                     (make perf-check; fails above PERF_MARGIN x it)
#   scripts/profile.sh --baseline     measures every kind, rewrites that file (make perf-baseline)
#
# Environment: LIBDIR (the folder holding a release libengage.so; default
# .build-lib/release, where `make lib` puts it), PERF_MARGIN (1.25), CC (cc), PYTHON
# (python3), VALGRIND (valgrind), PROFILE_JOBS (callgrind runs at once, 2), PROFILE_KEEP
# (a folder to keep the callgrind files of a KIND run in). See bench/README.md,
# "Instruction counts (callgrind)".
#
# Writes bench/abi/inputs.py's files and builds bench/abi/one.c into a temporary folder,
# then bench/abi/instructions.py runs callgrind and does the arithmetic.
set -eu

usage() {
    sed -n '5,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

REPO=$(cd "$(dirname "$0")/.." && pwd)
ABI="$REPO/bench/abi"
LIBDIR=${LIBDIR:-$REPO/.build-lib/release}
CC=${CC:-cc}
PYTHON=${PYTHON:-python3}
BASELINE="$ABI/instructions.json"

[ $# -ge 1 ] || usage
case $1 in
--check | --baseline) [ $# -eq 1 ] || usage ;;
-*) usage ;;
*) [ $# -eq 1 ] || [ $# -eq 3 ] || usage ;;
esac
if [ ! -f "$LIBDIR/libengage.so" ]; then
    echo "profile.sh: no libengage.so in $LIBDIR (make lib, or set LIBDIR)" >&2
    exit 2
fi
LIBDIR=$(cd "$LIBDIR" && pwd)
command -v "${VALGRIND:-valgrind}" >/dev/null || { echo "profile.sh: valgrind not found (make deps)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/engage-profile.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

"$PYTHON" "$ABI/inputs.py" "$WORK/in"
"$CC" -O2 -std=c11 -Wall -Wextra -Werror -I"$REPO/include" "$ABI/one.c" "$ABI/driver.c" \
    -L"$LIBDIR" -Wl,-rpath,"$LIBDIR" -lengage -o "$WORK/one"

case $1 in
--check) "$PYTHON" "$ABI/instructions.py" check "$WORK/one" "$WORK/in" "$BASELINE" "${PERF_MARGIN:-1.25}" ;;
--baseline) "$PYTHON" "$ABI/instructions.py" baseline "$WORK/one" "$WORK/in" "$BASELINE" 5 25 ;;
*) "$PYTHON" "$ABI/instructions.py" profile "$WORK/one" "$WORK/in" "$1" "${2:-5}" "${3:-25}" ;;
esac
