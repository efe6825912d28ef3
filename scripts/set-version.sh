#!/usr/bin/env bash
# The version lives in VERSION. This writes it (or a new one given as the argument, which
# it first writes to VERSION) into the few files that must hold it as a literal:
#   include/engage.h              ENGAGE_VERSION, ENGAGE_VERSION_NUMBER
#   Sources/EngageC/ABI.swift     engage_version()'s static string
#   Sources/Engage/Version.swift  EngageVersion.string (the core, the CLI's --version)
#   bindings/python/pyproject.toml, bindings/lua/engage.lua (_VERSION)
# engage.pc takes it from VERSION at install; the Go binding asks the library.
# scripts/test-install.sh (make snippet-test) fails when any of them disagrees.
#   scripts/set-version.sh [MAJOR.MINOR.PATCH]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -gt 0 ]; then
  [[ "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "set-version: '$1' is not MAJOR.MINOR.PATCH" >&2; exit 2; }
  printf '%s\n' "$1" > "$root/VERSION"
fi
version=$(tr -d ' \n' < "$root/VERSION")
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "set-version: VERSION holds '$version', not MAJOR.MINOR.PATCH" >&2; exit 2; }
IFS=. read -r major minor patch <<< "$version"
number=$(( 10#$major * 1000000 + 10#$minor * 1000 + 10#$patch ))
sed -i -E "s/^(#define ENGAGE_VERSION +)\"[^\"]*\"/\1\"$version\"/; s/^(#define ENGAGE_VERSION_NUMBER +)[0-9]+/\1$number/" \
  "$root/include/engage.h"
sed -i -E "s/^(let versionString: StaticString = )\"[^\"]*\"/\1\"$version\"/" "$root/Sources/EngageC/ABI.swift"
sed -i -E "s/^(    public static let string = )\"[^\"]*\"/\1\"$version\"/" "$root/Sources/Engage/Version.swift"
sed -i -E "s/^version = \"[^\"]*\"/version = \"$version\"/" "$root/bindings/python/pyproject.toml"
sed -i -E "s/^(local _M = \{ _VERSION = )\"[^\"]*\"/\1\"$version\"/" "$root/bindings/lua/engage.lua"
echo "version $version ($number) written to engage.h, ABI.swift, Version.swift, pyproject.toml, engage.lua"
