#!/usr/bin/env python3
"""Writes the shared inputs of the ABI benchmark (bench/abi/run.sh) into a folder.

    python3 bench/abi/inputs.py OUTDIR

Every driver (decide.c, go/, decide.py) reads the same files, so C, Go and Python time
the same work:

    campaigns.json  the telco example set scaled to 100 campaigns: its campaigns cloned
                    in turn under new ids ("<id>-<i>"), exclusion groups dropped — the
                    construction of bindings/python/tests/test_engine.py's timing test
                    and bindings/go/bench_test.go's hundredCampaigns
    records.jsonl   records to apply before timing, one JSON object a line: the user's history
                    (three /plans page views an hour ago) that makes plan-change-nudge
                    eligible, so the timed decision shows a message
    request.json    examples/requests/plan-page-view.json (a telco subscriber with
                    consent, channels, an offer and a score) with "commit": false (every
                    call does the same work: nothing is recorded), a fixed "now", more
                    profile attributes and a user.notes text sizing it to 1024 bytes
    context.json    that request without the question's members: the user context
    question.json   the question's members: event, placements, commit, now
    expected.json   {"messages": N, "request_bytes": ..., "question_bytes": ...,
                    "campaigns": 100}: what every driver's decision must show

Deterministic: the same repository gives the same bytes (no clock, no randomness).
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
TELCO = os.path.join(REPO, "examples", "campaigns", "telco-full.json")
REQUEST = os.path.join(REPO, "examples", "requests", "plan-page-view.json")

NOW = 1795150000000  # a Tuesday, 2026-11-17 around 12:46 in Asia/Seoul
CAMPAIGNS = 100
REQUEST_BYTES = 1024
QUESTION_KEYS = ("event", "placements", "commit", "now")
PROFILE = {
    "last_name": "Kim",
    "preferred_language": "ko",
    "region": "Seoul",
    "loyalty_tier": "gold",
    "payment_method": "autopay",
    "household_lines": 3,
    "arpu_krw": 55000,
    "data_quota_gb": 10,
    "data_used_gb": 7.4,
    "roaming_active": False,
    "segments": ["family", "heavy_video", "app_engaged"],
    "device": {"model": "SM-S918N", "os": "Android 14", "esim": True},
    "last_recharge_at": "2026-11-02T09:14:00+09:00",
    "app_sessions_30d": 42,
    "nps_score": 8,
}
# k = 1 message per slot (docs/decisions.md, Arbitration) and two slots: the requested
# placement and the page_view event, both filled by plan-change-nudge clones, which the
# history makes eligible.
EXPECTED_MESSAGES = 2


def compact(doc):
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def campaign_set():
    with open(TELCO, "rb") as f:
        telco = json.load(f)
    originals = telco["campaigns"]
    telco["campaigns"] = []
    for i in range(CAMPAIGNS):
        c = json.loads(json.dumps(originals[i % len(originals)]))
        c["id"] = "%s-%d" % (c["id"], i)
        # Clones of one campaign would otherwise exclude each other.
        c.pop("exclusion_group", None)
        telco["campaigns"].append(c)
    return telco


def request():
    with open(REQUEST, "rb") as f:
        req = json.load(f)
    req["commit"] = False
    req["now"] = NOW
    # Attributes a real subscriber profile carries (none of them read by a campaign
    # rule), then a free-text note sized so the request is exactly REQUEST_BYTES.
    req["user"].update(PROFILE)
    req["user"]["notes"] = ""
    filler = "prefers chat support; asked about family plans in store; "
    room = REQUEST_BYTES - len(compact(req))
    assert room >= 0, "PROFILE is too big for a %d-byte request" % REQUEST_BYTES
    req["user"]["notes"] = (filler * (room // len(filler) + 1))[:room]
    assert len(compact(req)) == REQUEST_BYTES, len(compact(req))
    return req


def history(user_id):
    return [{"user_id": user_id, "type": "event", "name": "page_view",
             "properties": {"page": "/plans"}, "time": NOW - 3600000} for _ in range(3)]


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: inputs.py OUTDIR\n")
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    req = request()
    context = {k: v for k, v in req.items() if k not in QUESTION_KEYS}
    question = {k: req[k] for k in QUESTION_KEYS}
    files = {
        "campaigns.json": compact(campaign_set()),
        "records.jsonl": b"".join(compact(r) + b"\n" for r in history(req["user_id"])),
        "request.json": compact(req),
        "context.json": compact(context),
        "question.json": compact(question),
    }
    files["expected.json"] = compact({
        "messages": EXPECTED_MESSAGES,
        "campaigns": CAMPAIGNS,
        "request_bytes": len(files["request.json"]),
        "context_bytes": len(files["context.json"]),
        "question_bytes": len(files["question.json"]),
    })
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
