#!/usr/bin/env bash
# The SQLite store with real processes: 50 SIGKILLs of a writer (nothing acknowledged
# lost, integrity_check ok), 4 processes sharing caps on one file, 8 processes opening
# one new file at once, foreign and damaged files refused at open. Usage: scripts/test-durability.sh LIBDIR
set -euo pipefail
libdir=${1:?usage: $0 LIBDIR (the folder holding libengage.so)}
root=$(cd "$(dirname "$0")/.." && pwd)
echo "== durability (SQLite store, real processes)"
python3 "$root/Tests/durability/test_durability.py" "$libdir"
