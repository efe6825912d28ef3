#!/usr/bin/env python3
"""Keeps schema/ and examples/campaigns/ in sync.

Every `*.json` under examples/campaigns/ is validated against
schema/campaign-set.schema.json (JSON Schema draft 2020-12) with the `jsonschema`
package from PyPI: files whose name starts with `invalid` must fail, every other one
must pass. The schema itself is checked against the draft 2020-12 meta-schema.

Run:  python3 Tests/schema/test_schema.py        (exit status 0 when all pass)
Needs: pip install jsonschema  (e.g. in .build-schema-venv)
"""
import json
import pathlib
import sys

try:
    from jsonschema import Draft202012Validator
except ImportError:  # pragma: no cover - explained, not hidden
    sys.exit("test_schema.py needs the jsonschema package: python3 -m pip install jsonschema")

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schema" / "campaign-set.schema.json"
EXAMPLES = ROOT / "examples" / "campaigns"


def main() -> int:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    files = sorted(EXAMPLES.glob("*.json"))
    failures = []
    if not any(f.name.startswith("invalid") for f in files):
        failures.append("no invalid example under examples/campaigns")
    if not any(not f.name.startswith("invalid") for f in files):
        failures.append("no valid example under examples/campaigns")
    for path in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if path.name.startswith("invalid"):
            if not errors:
                failures.append(f"{path.name}: expected schema errors, found none")
            else:
                print(f"ok   {path.name}: rejected ({len(errors)} schema errors)")
        elif errors:
            for e in errors:
                where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path).lstrip(".")
                failures.append(f"{path.name}: {where or '(root)'}: {e.message}")
        else:
            print(f"ok   {path.name}: valid")
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    print(f"schema test: {len(files)} example files, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
