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
    history-36.jsonl  records for bench/abi/one.c's history kinds: a week of varied
    history-64.jsonl  history for the request's user (week_history below), 36 behaviour
                    series (a realistic user: issue 15) and 64 (RetentionPolicy's
                    maxBehaviourSeries, the most a user keeps)
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


# A week of history for one.c's history kinds, by sessions: two a day (4 and 13 hours
# before `now`'s time of day, for 7 days), each opening the app, then page views that
# carry a referrer, cart events here and there, and a few impressions. A behaviour series
# is an event name with one combination of its non-numeric properties (docs/state.md),
# so the series are chosen as (page, referrer) pairs, one app_open series and five
# add_to_cart (item_type, item) series.
PAGES = ("/home", "/plans", "/plans/5g", "/compare", "/internet", "/iptv", "/bundles",
         "/devices", "/support", "/account", "/offers")
REFERRERS = ("app_home", "search", "push", "direct", "email", "sms")
CARTS = (("plan", "5G Standard"), ("device", "Galaxy S24"), ("accessory", "case"),
         ("device", "Galaxy Buds"), ("plan", "LTE-M"))
IMPRESSIONS = (("ott-bundle-activation-1", "in_app"), ("onboarding-day1-welcome-3", "push"),
               ("ott-bundle-activation-1", "in_app"), ("plan-change-nudge-7", "in_app"))
SESSIONS = [NOW - day * 86400000 - hours * 3600000 for day in range(7) for hours in (4, 13)]
# series -> page views over the week: the realistic user's 80 (issue 15: "80 page views
# over 11 pages that carry a referrer property, app opens, cart events, a few
# impressions, a week in all"); the worst case views every page series in every session.
HISTORIES = {36: 80, 64: (64 - 1 - len(CARTS)) * len(SESSIONS)}


def week_history(user_id, series):
    """Records whose behaviour makes exactly `series` series: app_open, the carts, and
    the first series - 6 (page, referrer) pairs, referrer by referrer over every page."""
    pairs = [(p, r) for r in REFERRERS for p in PAGES][:series - 1 - len(CARTS)]
    assert len(pairs) == series - 1 - len(CARTS), "too few (page, referrer) pairs"
    event = lambda name, time, **props: {"user_id": user_id, "type": "event", "name": name,
                                         "properties": props, "time": time}
    records = [event("app_open", t) for t in SESSIONS]
    for j in range(HISTORIES[series]):  # view j: session j % 14, every pair in turn
        page, referrer = pairs[j % len(pairs)]
        records.append(event("page_view", SESSIONS[j % len(SESSIONS)] + 60000 * (1 + j // len(SESSIONS)),
                             page=page, referrer=referrer))
    for i, (item_type, item) in enumerate(CARTS):
        records.append(event("add_to_cart", SESSIONS[(3 * i + 2) % len(SESSIONS)] + 1200000,
                             item_type=item_type, item=item))
    for i, (campaign, channel) in enumerate(IMPRESSIONS):
        records.append({"user_id": user_id, "type": "impression", "campaign": campaign,
                        "channel": channel, "time": SESSIONS[3 * i + 1] + 300000})
    return sorted(records, key=lambda r: r["time"])


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
    for series in HISTORIES:
        files["history-%d.jsonl" % series] = b"".join(
            compact(r) + b"\n" for r in week_history(req["user_id"], series))
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
