#!/usr/bin/env bash
# bindings/python: install the package into a venv (.build-python-venv) with pytest and
# mypy (from PyPI, into the venv only), check its types with mypy --strict, and run its
# tests against LIBDIR/libengage.so.  Usage: scripts/test-python.sh LIBDIR
set -euo pipefail
libdir=${1:?usage: $0 LIBDIR (the folder holding libengage.so)}
root=$(cd "$(dirname "$0")/.." && pwd)
lib=$(cd "$libdir" && pwd)/libengage.so
[ -f "$lib" ] || { echo "test-python: $lib not found (run make lib)" >&2; exit 1; }
venv=${PYTHON_VENV:-$root/.build-python-venv}

echo "== python binding test ($lib)"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
"$venv/bin/python" -c 'import pytest, mypy' 2>/dev/null || "${pip[@]}" install pytest mypy
# Reinstall every time (not editable), so the tests exercise what pip installs.
"${pip[@]}" install --force-reinstall --no-deps "$root/bindings/python"
rm -rf "$root/bindings/python/build" "$root/bindings/python/engage.egg-info"   # setuptools' in-tree leftovers

# The package is typed (py.typed): every module passes mypy --strict.
"$venv/bin/python" -m mypy --strict --cache-dir "$venv/.mypy_cache" "$root/bindings/python/engage"

# Run from outside the source tree so `import engage` is the installed package.
cd "$venv"
ENGAGE_LIB="$lib" "$venv/bin/python" -c 'import engage, sys; print("engage", engage.version(), "from", engage.__file__)'
ENGAGE_LIB="$lib" ENGAGE_REPO="$root" "$venv/bin/python" -m pytest -q -s -p no:cacheprovider \
  "$root/bindings/python/tests"
