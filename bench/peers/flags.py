"""100 targeted flags with percentage rollouts, as each flags SDK's offline config, and
the expected outcome of each flag for one user, computed apart from the SDKs.

Flag i (``flag-00`` .. ``flag-99``) is on for a subject whose ``plan`` is one of a set
of plans AND whose ``age`` is at least a minimum, AND who falls in the flag's rollout
(5-95 %, by the SDK's own bucketing of the subject key); off otherwise. Every SDK gets
the same targeting and percentages, in its own format:

- Eppo: a Universal Flag Configuration (``format: SERVER``), a BOOLEAN flag with a
  targeted allocation (rule: ``plan`` ONE_OF, ``age`` GTE; one split over shard range
  [0, pct*100) of 10,000, salt = flag key) and a catch-all ``off`` allocation; doLog
  false (the libengage decision commits nothing either).
- GrowthBook: a feature whose rule has a condition (``plan`` $in, ``age`` $gte), force
  true, coverage pct/100, hashVersion 2, seed = flag key; default false.
- Flipt: a VARIANT flag whose rule has one segment (ALL: ``plan`` isoneof, ``age`` gte)
  and two distributions, ``on`` pct % and ``off`` the rest.

The expected outcomes use each SDK's documented bucketing, written here from its
description (not its code): Eppo md5(salt + "-" + subject) first 4 bytes big-endian mod
10,000; GrowthBook v2 fnv1a32(str(fnv1a32(seed + id))) mod 10,000 / 10,000; Flipt
crc32(flag key + entity) mod 1,000 against the cumulative rollout x 10.
"""

import hashlib
import json
import zlib

FLAGS = 100
PLAN_SETS = [["LTE-S", "LTE-M"], ["5G-S", "5G-L"], ["LTE-S", "5G-S", "5G-L"], ["LTE-M"],
             ["LTE-S", "LTE-M", "5G-S"]]
MIN_AGES = [18, 21, 30, 40, 25]


def flag_set():
    """[(key, plans, min_age, pct)] — deterministic."""
    out = []
    for i in range(FLAGS):
        out.append(("flag-%02d" % i, PLAN_SETS[i % len(PLAN_SETS)], MIN_AGES[(i // 5) % len(MIN_AGES)],
                    5 + (i * 37) % 91))
    return out


def subject(request):
    """The bench/abi user as a flags subject: key and attributes."""
    u = request["user"]
    return request["user_id"], {"plan": u["plan"], "age": u["age"], "tenure_months": u["tenure_months"]}


def targeted(plans, min_age, attrs):
    return attrs["plan"] in plans and attrs["age"] >= min_age


# ------------------------------------------------------------------------------ Eppo

def eppo_config(flags):
    ufc = {"createdAt": "2026-11-17T00:00:00.000Z", "format": "SERVER",
           "environment": {"name": "bench"}, "flags": {}}
    for key, plans, min_age, pct in flags:
        ufc["flags"][key] = {
            "key": key, "enabled": True, "variationType": "BOOLEAN", "totalShards": 10000,
            "variations": {"on": {"key": "on", "value": True}, "off": {"key": "off", "value": False}},
            "allocations": [
                {"key": "targeted",
                 "rules": [{"conditions": [
                     {"attribute": "plan", "operator": "ONE_OF", "value": plans},
                     {"attribute": "age", "operator": "GTE", "value": min_age}]}],
                 "splits": [{"variationKey": "on", "shards": [
                     {"salt": key, "ranges": [{"start": 0, "end": pct * 100}]}]}],
                 "doLog": False},
                {"key": "everyone-else", "rules": [],
                 "splits": [{"variationKey": "off", "shards": []}], "doLog": False},
            ],
        }
    return json.dumps(ufc).encode()


def eppo_expected(flags, key, attrs):
    out = []
    for fkey, plans, min_age, pct in flags:
        shard = int.from_bytes(hashlib.md5(("%s-%s" % (fkey, key)).encode()).digest()[:4], "big") % 10000
        out.append(targeted(plans, min_age, attrs) and shard < pct * 100)
    return out


# ------------------------------------------------------------------------ GrowthBook

def growthbook_features(flags):
    return {key: {"defaultValue": False, "rules": [{
        "condition": {"plan": {"$in": plans}, "age": {"$gte": min_age}},
        "force": True, "coverage": pct / 100, "hashAttribute": "id", "seed": key, "hashVersion": 2,
    }]} for key, plans, min_age, pct in flags}


def _fnv1a32(s):
    h = 0x811C9DC5
    for b in s.encode():
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def growthbook_expected(flags, key, attrs):
    out = []
    for fkey, plans, min_age, pct in flags:
        n = (_fnv1a32(str(_fnv1a32(fkey + key))) % 10000) / 10000
        out.append(targeted(plans, min_age, attrs) and n < pct / 100)
    return out


# ----------------------------------------------------------------------------- Flipt

def flipt_document(flags, namespace="default"):
    """The namespace document Flipt's server hands the client engine (JSON bytes)."""
    doc = {"namespace": {"key": namespace}, "flags": []}
    for key, plans, min_age, pct in flags:
        doc["flags"].append({
            "key": key, "name": key, "type": "VARIANT_FLAG_TYPE", "enabled": True, "rollouts": [],
            "rules": [{
                "segmentOperator": "OR_SEGMENT_OPERATOR",
                "segments": [{"key": "seg-" + key, "matchType": "ALL_SEGMENT_MATCH_TYPE", "constraints": [
                    {"type": "STRING_CONSTRAINT_COMPARISON_TYPE", "property": "plan",
                     "operator": "isoneof", "value": json.dumps(plans)},
                    {"type": "NUMBER_CONSTRAINT_COMPARISON_TYPE", "property": "age",
                     "operator": "gte", "value": str(min_age)}]}],
                "distributions": [{"variantKey": "on", "rollout": pct},
                                  {"variantKey": "off", "rollout": 100 - pct}],
            }],
        })
    return json.dumps(doc).encode()


def flipt_context(attrs):
    return {k: str(v) for k, v in attrs.items()}


def flipt_expected(flags, key, attrs):
    out = []
    for fkey, plans, min_age, pct in flags:
        bucket = zlib.crc32((fkey + key).encode()) % 1000
        out.append(targeted(plans, min_age, attrs) and bucket < pct * 10)
    return out
