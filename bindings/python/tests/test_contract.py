"""Tests/vectors/decisions/*.json replayed through the Python binding (Tests/vectors/README.md):
each vector's campaign set loaded, its records recorded, each step's request decided and
the exposures drained; messages (campaign, channel, placement, variant, payload), every
exposure record and every campaign's reason must equal the vector's `expected`. A failure
names the file and the first difference."""

import glob
import json
import os
import subprocess
import sys

import pytest

import engage

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.environ.get("ENGAGE_REPO") or os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DECISIONS = sorted(glob.glob(os.path.join(REPO, "Tests", "vectors", "decisions", "*.json")))


def first_difference(want, got, path="$"):
    """The first place where `got` differs from `want`, as "path: expected X, got Y", or None."""
    if isinstance(want, dict) and isinstance(got, dict):
        for k in sorted(set(want) | set(got)):
            if k not in got:
                return "%s.%s: expected %s, missing" % (path, k, json.dumps(want[k]))
            if k not in want:
                return "%s.%s: unexpected %s" % (path, k, json.dumps(got[k]))
            d = first_difference(want[k], got[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(want, list) and isinstance(got, list):
        for i, (w, g) in enumerate(zip(want, got)):
            d = first_difference(w, g, "%s[%d]" % (path, i))
            if d:
                return d
        if len(want) != len(got):
            return "%s: expected %d elements, got %d" % (path, len(want), len(got))
        return None
    if isinstance(want, bool) or isinstance(got, bool):   # True == 1 in Python; not in JSON
        same = type(want) is type(got) and want == got
    else:
        same = type(want) is type(got) or not isinstance(want, (dict, list, str)) and not isinstance(got, (dict, list, str))
        same = same and want == got
    if not same:
        return "%s: expected %s, got %s" % (path, json.dumps(want), json.dumps(got))
    return None


def observed(decision, exposures):
    """What a vector pins of a decision (Tests/vectors/README.md)."""
    return {
        "messages": [{k: m[k] for k in ("campaign", "channel", "placement", "variant", "payload") if k in m}
                     for m in decision["messages"]],
        "exposures": exposures,
        "explanation": [{"campaign": e["campaign"], "reason": e["reason"]} for e in decision.get("explanation", [])],
    }


def replay(path):
    with open(path, "rb") as f:
        vector = json.load(f)
    name = os.path.basename(path)
    with engage.Engine() as e:
        e.load_campaigns(vector["campaign_set"])
        for r in vector["records"]:
            e.record(r)
        for i, step in enumerate(vector["steps"]):
            got = observed(e.decide(step["request"]), e.drain_exposures())
            d = first_difference(step["expected"], got, "steps[%d]" % i)
            if d:
                return "%s: %s" % (name, d)
    return None


def test_every_decision_vector_is_there():
    assert len(DECISIONS) >= 50, DECISIONS


@pytest.mark.parametrize("path", DECISIONS, ids=[os.path.basename(p) for p in DECISIONS])
def test_decision_vector(path):
    problem = replay(path)
    assert problem is None, problem


def test_first_difference_names_the_place():
    assert first_difference({"a": [1, {"b": "x"}]}, {"a": [1, {"b": "y"}]}) == '$.a[1].b: expected "x", got "y"'
    assert first_difference([1], [1, 2]) == "$: expected 1 elements, got 2"
    assert first_difference({"a": 1}, {}) == "$.a: expected 1, missing"
    assert first_difference(True, 1) == "$: expected true, got 1"
    assert first_difference({"a": 1.0}, {"a": 1}) is None


def test_the_files_are_what_their_generator_writes():
    """scripts/gen-decision-vectors.py --check: the generator's hand-written expectations
    still hold and every file is exactly what it writes (no hand edit, no stale file)."""
    gen = os.path.join(REPO, "scripts", "gen-decision-vectors.py")
    run = subprocess.run([sys.executable, gen, "--check"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
