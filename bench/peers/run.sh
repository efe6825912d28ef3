#!/bin/sh
# libengage beside JSON Logic engines and feature-flag SDKs, in one Python process and
# one run (issue 8, point 2). See bench/peers/README.md.
#
#   bench/peers/run.sh LIBDIR      LIBDIR holds libengage.so (a release build)
#
# Makes or reuses a virtualenv (.build-peers-venv at the repository root) and installs
# the pinned peers into it, each on its own: one that fails to install is reported as
# unavailable in the table, never fails the run. Then writes bench/abi's inputs into a
# temporary folder and runs peers.py, which prints the table and writes
# bench/peers/results.json.
#
# Environment: PEERS_QUICK=1 (~1 minute), PEERS_ROUNDS, PEERS_BUDGET (seconds of timing),
# PEERS_VENV (.build-peers-venv), PYTHON (python3, to make the venv), ENGAGE_RESULTS
# (engage-bench's results.json: bench/results.json), PEERS_DEADLINE (seconds the driver
# may take: 300, 120 with PEERS_QUICK).
set -eu

if [ $# -ne 1 ] || [ ! -f "$1/libengage.so" ]; then
    echo "usage: $0 LIBDIR   (LIBDIR must hold libengage.so)" >&2
    exit 2
fi
LIBDIR=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PYTHON=${PYTHON:-python3}
VENV=${PEERS_VENV:-$REPO/.build-peers-venv}
if [ -n "${PEERS_QUICK:-}" ] && [ "${PEERS_QUICK}" != 0 ]; then
    DEADLINE=${PEERS_DEADLINE:-120}
else
    DEADLINE=${PEERS_DEADLINE:-300}
fi

# Pinned: the versions the README's table was measured with.
PEERS="datalogic-py==5.9.0 json-logic-qubit==0.9.1 jsonlogic-rs==0.5.0 eppo-server-sdk==4.4.1 growthbook==4.0.0 flipt-client==1.4.5"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/engage-peers-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
: >"$WORK/pip-failed"

if [ ! -x "$VENV/bin/python" ]; then
    echo "making the virtualenv $VENV"
    "$PYTHON" -m venv "$VENV"
fi
for spec in $PEERS; do
    pkg=${spec%%==*}
    want=${spec#*==}
    have=$("$VENV/bin/python" -m pip show "$pkg" 2>/dev/null | sed -n 's/^Version: //p')
    [ "$have" = "$want" ] && continue
    echo "installing $spec"
    # Wheels only: building a Rust extension from source would take minutes and a toolchain.
    if ! "$VENV/bin/python" -m pip install -q --disable-pip-version-check --only-binary=:all: "$spec" \
            >"$WORK/pip.log" 2>&1; then
        reason=$(grep -v '^\s*$' "$WORK/pip.log" | grep -i 'error' | head -1 | cut -c1-150)
        printf '%s\t%s\n' "$pkg" "${reason:-pip exited non-zero}" >>"$WORK/pip-failed"
        echo "  $spec: not installed (${reason:-pip exited non-zero})"
    fi
done

"$PYTHON" "$REPO/bench/abi/inputs.py" "$WORK/in"

status=0
env PYTHONPATH="$REPO/bindings/python${PYTHONPATH:+:$PYTHONPATH}" ENGAGE_LIB="$LIBDIR/libengage.so" \
    PEERS_PIP_FAILED="$WORK/pip-failed" ENGAGE_RESULTS="${ENGAGE_RESULTS:-$REPO/bench/results.json}" \
    RUST_BACKTRACE=0 RUST_LIB_BACKTRACE=0 \
    timeout "$DEADLINE" "$VENV/bin/python" "$HERE/peers.py" "$WORK/in" "$HERE/results.json" || status=$?
if [ "$status" -eq 124 ]; then
    echo "FAIL: peers.py: stopped at the ${DEADLINE}s deadline" >&2
    exit 1
elif [ "$status" -ne 0 ]; then
    echo "FAIL: peers.py: exit status $status" >&2
    exit 1
fi
echo "wrote $HERE/results.json"
