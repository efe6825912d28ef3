#!/usr/bin/env python3
"""Keeps schema/ and examples/ in sync.

Every `*.json` in an example folder is validated against the JSON Schema (draft 2020-12)
its folder maps to, with the `jsonschema` package from PyPI:

    examples/campaigns/  -> schema/campaign-set.schema.json
    examples/requests/   -> schema/request.schema.json
    examples/decisions/  -> schema/decision.schema.json   (written by engage-cli, see below)
    examples/records/    -> schema/record.schema.json
    examples/config/     -> schema/engine-config.schema.json

Files whose name starts with `invalid` must fail, every other one must pass, and each
folder must hold at least one of each. Every schema under schema/ is checked against the
draft 2020-12 meta-schema, must be used by a folder above or carry its own top-level
`examples` (schema/exposure.schema.json does: exposure records are not files the CLI
writes), and every value in a schema's top-level `examples` must be valid against it.

Tests/EngageTests/ExampleRequestTests.swift checks the same request and record files
with the Swift parsers, and that examples/decisions/ and the exposure examples are what
the engine produces. The decision files are regenerated with:

    swift build --scratch-path .build-schemas
    .build-schemas/debug/engage-cli decide --campaigns examples/campaigns/telco-full.json \\
        --now 1795150000000 --compact "$(cat examples/requests/NAME.json)" > examples/decisions/NAME.json
    (`explain` instead of `decide` for NAME.explained.json)

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
SCHEMAS = ROOT / "schema"
EXAMPLES = ROOT / "examples"

# example folder -> schema file
FOLDERS = {
    "campaigns": "campaign-set.schema.json",
    "requests": "request.schema.json",
    "decisions": "decision.schema.json",
    "records": "record.schema.json",
    "config": "engine-config.schema.json",
}
# example folders that hold something other than schema documents
# Folders of example programs (and rule samples), not JSON documents of a format.
NOT_SCHEMA_FOLDERS = {"logic", "swift-app", "c-host", "go-gateway", "gateway-tests", "nginx", "telco"}
# documents of a format inside those folders
SINGLE_DOCUMENTS = {"telco/campaigns.json": "campaign-set.schema.json",
                    "gateway-tests/campaigns.json": "campaign-set.schema.json"}


def where(error) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
    return path or "(root)"


def load(path: pathlib.Path, failures: list):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        failures.append(f"{path.relative_to(ROOT)}: cannot read JSON: {e}")
        return None


def check_schemas(failures: list) -> dict:
    """Meta-schema check of every schema; returns name -> validator."""
    validators = {}
    for path in sorted(SCHEMAS.glob("*.json")):
        schema = load(path, failures)
        if schema is None:
            continue
        errors = list(Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema))
        if errors:
            for e in errors:
                failures.append(f"schema/{path.name}: not a valid draft 2020-12 schema: {where(e)}: {e.message}")
            continue
        if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            failures.append(f"schema/{path.name}: $schema must name draft 2020-12")
        validator = Draft202012Validator(schema)
        validators[path.name] = validator
        examples = schema.get("examples", [])
        for i, example in enumerate(examples):
            for e in validator.iter_errors(example):
                failures.append(f"schema/{path.name}: examples[{i}]: {where(e)}: {e.message}")
        if path.name not in FOLDERS.values() and not examples:
            failures.append(f"schema/{path.name}: no example folder maps to it and it has no examples")
        print(f"ok   schema/{path.name}: draft 2020-12" + (f", {len(examples)} inline examples" if examples else ""))
    return validators


def check_folder(folder: str, schema_name: str, validators: dict, failures: list) -> int:
    directory = EXAMPLES / folder
    validator = validators.get(schema_name)
    if validator is None:
        failures.append(f"examples/{folder}: schema/{schema_name} missing or invalid")
        return 0
    files = sorted(directory.glob("*.json"))
    if not any(f.name.startswith("invalid") for f in files):
        failures.append(f"no invalid example under examples/{folder}")
    if not any(not f.name.startswith("invalid") for f in files):
        failures.append(f"no valid example under examples/{folder}")
    for path in files:
        name = f"{folder}/{path.name}"
        document = load(path, failures)
        if document is None:
            continue
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if path.name.startswith("invalid"):
            if not errors:
                failures.append(f"{name}: expected schema errors, found none")
            else:
                print(f"ok   {name}: rejected ({where(errors[0])}: {errors[0].message[:80]})")
        elif errors:
            for e in errors:
                failures.append(f"{name}: {where(e)}: {e.message}")
        else:
            print(f"ok   {name}: valid")
    return len(files)


def main() -> int:
    failures: list = []
    validators = check_schemas(failures)
    for folder in sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()):
        if folder not in FOLDERS and folder not in NOT_SCHEMA_FOLDERS:
            failures.append(f"examples/{folder}: no schema mapped to this folder in test_schema.py")
    count = 0
    for folder, schema_name in FOLDERS.items():
        count += check_folder(folder, schema_name, validators, failures)
    # Single documents in program folders.
    for name, schema_name in SINGLE_DOCUMENTS.items():
        document = load(EXAMPLES / name, failures)
        validator = validators.get(schema_name)
        if document is None or validator is None:
            failures.append(f"examples/{name}: missing, or schema/{schema_name} invalid")
            continue
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        for e in errors:
            failures.append(f"{name}: {where(e)}: {e.message}")
        if not errors:
            print(f"ok   {name}: valid")
        count += 1
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    print(f"schema test: {len(validators)} schemas, {count} example files, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
