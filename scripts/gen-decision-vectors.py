#!/usr/bin/env python3
"""Writes Tests/vectors/decisions/*.json: decision-level vectors (Tests/vectors/README.md).

Usage (after `make lib`):
    ENGAGE_LIB=.build-lib/release/libengage.so python3 scripts/gen-decision-vectors.py [--check]
--check writes nothing and fails unless every file is exactly what it would write (the
Python binding's tests run it).

Each case below is written by hand: a campaign set, the user's records, and one or more
requests, each with `want` — the reason per campaign and the messages shown (campaign,
channel), taken from docs/decisions.md, docs/caps.md, docs/campaigns.md and SPEC.md, not
from the engine. The generator runs every case through libengage (the Python binding)
and refuses to write anything when the engine disagrees with a `want`; it then records
the engine's full output (payloads, variants, exposures, every campaign's reason) as the
vector's `expected`. A change in a regenerated file is a change of the contract: the
commit that makes it says why.

The caps vectors (Tests/vectors/caps.json, generated independently with Python's
zoneinfo) are also written here as decisions (decisions/caps-*.json): each case's
impressions recorded, a request at its `now` in its zone, and the message shown iff the
case's `allowed` — reason `cap` with "<used> of <count>" otherwise. Those expectations
come from caps.json, not from the engine.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
import engage  # noqa: E402

OUT = os.path.join(ROOT, "Tests", "vectors", "decisions")
NOW = 1718000000000            # 2024-06-10T06:13:20Z, a Monday (15:13 in Seoul)
H = 3600 * 1000
D = 24 * H
USER = "u1"


def camp(cid, **kw):
    c = {"id": cid, "purpose": "service", "status": "active", "placements": ["home"],
         "channels": {"in_app": {"payload": {"title": cid}}}}
    c.update(kw)
    return c


def cset(*campaigns, **kw):
    s = {"version": 1, "bucketing_version": 1, "campaigns": list(campaigns)}
    s.update(kw)
    return s


def req(**kw):
    r = {"user_id": USER, "time_zone": "UTC", "now": NOW, "placement": "home",
         "app": {"foreground": True}, "explain": True}
    for k, v in kw.items():
        if v is None:
            r.pop(k, None)
        else:
            r[k] = v
    return r


def impression(cid, t, channel="in_app", purpose="service", tags=None):
    r = {"user_id": USER, "type": "impression", "campaign": cid, "channel": channel,
         "time": t, "purpose": purpose}
    if tags:
        r["tags"] = tags
    return r


def event(name, t, **props):
    return {"user_id": USER, "type": "event", "name": name, "time": t, "properties": props}


def step(request, reasons, shown, variants=None):
    """reasons: campaign -> reason (docs/decisions.md's table); shown: [(campaign, channel)];
    variants: the variant of each message shown, computed here (variant_of)."""
    want = {"reasons": reasons, "shown": [list(s) for s in shown]}
    if variants is not None:
        want["variants"] = variants
    return {"request": request, "want": want}


def murmur3_32(data, seed=0):
    """MurmurHash3 x86_32, written from its description (checked against bucketing.json)."""
    c1, c2, m = 0xcc9e2d51, 0x1b873593, 0xffffffff
    rotl = lambda x, r: ((x << r) | (x >> (32 - r))) & m
    h, n = seed, len(data)
    for i in range(0, n - n % 4, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = rotl((k * c1) & m, 15) * c2 & m
        h = (rotl(h ^ k, 13) * 5 + 0xe6546b64) & m
    tail = data[n - n % 4:]
    if tail:
        k = int.from_bytes(tail, "little")
        h ^= rotl((k * c1) & m, 15) * c2 & m
    h ^= n
    h = ((h ^ (h >> 16)) * 0x85ebca6b) & m
    h = ((h ^ (h >> 13)) * 0xc2b2ae35) & m
    return h ^ (h >> 16)


def bucket(fields):
    return (murmur3_32(b"\0".join(f.encode("utf-8") for f in fields)) * 10000) >> 32


def variant_of(campaign, user, variants, salt=""):
    """docs/bucketing.md: the first variant whose bound floor(cumsum/total*10000 + 0.5)
    exceeds the bucket of ["variant", salt, campaign, user]; the last bound is 10000."""
    b = bucket(["variant", salt, campaign, user])
    total, cum = sum(v["weight"] for v in variants), 0
    for i, v in enumerate(variants):
        cum += v["weight"]
        bound = 10000 if i == len(variants) - 1 else int(cum / total * 10000 + 0.5)
        if b < bound:
            return v["id"]
    return variants[-1]["id"]


def check_murmur():
    with open(os.path.join(ROOT, "Tests", "vectors", "bucketing.json"), encoding="utf-8") as f:
        for h in json.load(f)["hashes"]:
            key = bytes.fromhex(h["key_hex"])
            if murmur3_32(key) != h["murmur3"] or (murmur3_32(key) * 10000) >> 32 != h["bucket"]:
                sys.exit("gen-decision-vectors: murmur3_32 disagrees with bucketing.json at %s" % h["fields"])


CASES = []


def case(name, description, campaign_set, records, steps):
    CASES.append({"name": name, "description": description, "campaign_set": campaign_set,
                  "records": records, "steps": steps})


# ---- trigger vs placement ------------------------------------------------------------
case("placement-match", "A campaign listing the requested placement applies; one listing another placement is traced `trigger` (unreachable, explained).",
     cset(camp("home-a"), camp("elsewhere", placements=["checkout"])), [],
     [step(req(), {"home-a": "selected", "elsewhere": "trigger"}, [("home-a", "in_app")])])
case("trigger-event-filter", "An event request: the campaign whose trigger event and filter match fills the event's slot (no placement in message or exposure; the exposure names the event); a filter that does not match is `trigger`.",
     cset(camp("plans-nudge", placements=[], triggers=[{"event": "page_view", "filter": {"==": [{"var": "page"}, "/plans"]}}]),
          camp("compare-nudge", placements=[], triggers=[{"event": "page_view", "filter": {"==": [{"var": "page"}, "/compare"]}}])),
     [], [step(req(placement=None, event={"name": "page_view", "properties": {"page": "/plans"}}),
               {"plans-nudge": "selected", "compare-nudge": "trigger"}, [("plans-nudge", "in_app")])])
case("trigger-other-event", "A request whose event no trigger names and no placement: nothing applies, every campaign is `trigger`.",
     cset(camp("plans-nudge", placements=[], triggers=[{"event": "page_view"}])), [],
     [step(req(placement=None, event={"name": "app_open"}), {"plans-nudge": "trigger"}, [])])
case("placement-and-event", "A placement campaign and a trigger campaign in one request: each takes its own slot (k 1 per slot).",
     cset(camp("banner"), camp("on-open", placements=[], triggers=[{"event": "app_open"}])), [],
     [step(req(event={"name": "app_open"}), {"banner": "selected", "on-open": "selected"},
           [("banner", "in_app"), ("on-open", "in_app")])])

# ---- consent ---------------------------------------------------------------------------
case("consent-marketing-unknown", "Unknown marketing consent means no (docs/decisions.md, Consent); a service campaign needs no consent.",
     cset(camp("promo", purpose="marketing", priority=10), camp("notice")), [],
     [step(req(), {"promo": "consent", "notice": "selected"}, [("notice", "in_app")])])
case("consent-marketing-per-channel", "Marketing consent given per channel: push yes, sms no — the campaign goes out on push even though sms is listed first.",
     cset(camp("promo", purpose="marketing", placements=[], triggers=[{"event": "cart"}],
               channels={"sms": {"payload": {"text": "sms"}}, "push": {"payload": {"title": "push"}}})), [],
     [step(req(placement=None, event={"name": "cart"}, consent={"marketing": {"push": True, "sms": False}}),
           {"promo": "selected"}, [("promo", "push")])])
case("consent-service-refused", "Service is allowed unless refused: `service: false` refuses it.",
     cset(camp("notice")), [],
     [step(req(consent={"service": False}), {"notice": "consent"}, [])])

# ---- quiet hours -----------------------------------------------------------------------
QUIET = {"quiet_hours": [{"purpose": "marketing", "channels": ["push", "sms"], "from": "21:00", "to": "08:00", "time_zone": "user"}]}
NIGHT = 1718026200000          # 2024-06-10T13:30Z = 22:30 in Seoul, 09:30 in New York
case("quiet-hours-every-channel-quiet", "22:30 in the user's zone (Asia/Seoul), marketing push/sms quiet 21:00–08:00: the push-only campaign is `quiet_hours`.",
     cset(camp("promo", purpose="marketing", channels={"push": {"payload": {"title": "p"}}}), policies=QUIET), [],
     [step(req(now=NIGHT, time_zone="Asia/Seoul", consent={"marketing": True}), {"promo": "quiet_hours"}, [])])
case("quiet-hours-other-channel-open", "Quiet hours close only their channels: at 22:30 the campaign falls back from push to in_app.",
     cset(camp("promo", purpose="marketing", channels={"push": {"payload": {"title": "p"}}, "in_app": {"payload": {"title": "i"}}}), policies=QUIET), [],
     [step(req(now=NIGHT, time_zone="Asia/Seoul", consent={"marketing": True}), {"promo": "selected"}, [("promo", "in_app")])])
case("quiet-hours-user-zone-daytime", "The same instant is 09:30 in New York: outside quiet hours, push is sent.",
     cset(camp("promo", purpose="marketing", channels={"push": {"payload": {"title": "p"}}}), policies=QUIET), [],
     [step(req(now=NIGHT, time_zone="America/New_York", consent={"marketing": True}), {"promo": "selected"}, [("promo", "push")])])

# ---- caps ------------------------------------------------------------------------------
case("cap-campaign-rolling-full", "Campaign cap 1 per rolling 1d, an impression 2 h ago: `cap`.",
     cset(camp("daily", caps=[{"count": 1, "window": "1d"}])), [impression("daily", NOW - 2 * H)],
     [step(req(), {"daily": "cap"}, [])])
case("cap-campaign-rolling-elapsed", "Campaign cap 1 per rolling 1d, the impression 25 h ago is outside the window: shown.",
     cset(camp("daily", caps=[{"count": 1, "window": "1d"}])), [impression("daily", NOW - 25 * H)],
     [step(req(), {"daily": "selected"}, [("daily", "in_app")])])
case("cap-campaign-calendar-day-local", "Calendar-day cap in the user's zone: an impression 10 h ago was yesterday in Seoul (day starts 15:00Z), so today's count is 0 — shown; a rolling 1d cap would refuse it.",
     cset(camp("daily", caps=[{"count": 1, "window": {"calendar": "day"}}])), [impression("daily", NOW - 10 * H)],
     [step(req(now=NOW + 10 * H, time_zone="Asia/Seoul"), {"daily": "selected"}, [("daily", "in_app")])])
case("cap-campaign-lifetime", "Lifetime cap 2 with two impressions a year ago: `cap`.",
     cset(camp("once", caps=[{"count": 2, "window": "lifetime"}])),
     [impression("once", NOW - 400 * D), impression("once", NOW - 380 * D)],
     [step(req(), {"once": "cap"}, [])])
case("cap-tag", "Tag cap retention 1 per calendar week: another campaign's impression tagged retention (Monday 00:30 UTC, this week) fills it; an untagged campaign is not affected.",
     cset(camp("stay", tags=["retention"], priority=5), camp("other"), policies={"tag_caps": [{"tag": "retention", "count": 1, "window": {"calendar": "week"}}]}),
     [impression("earlier-offer", NOW - 5 * H - 43 * 60 * 1000, tags=["retention"])],
     [step(req(), {"stay": "cap", "other": "selected"}, [("other", "in_app")])])
case("cap-global-purpose", "Global cap marketing 1 per calendar day: a marketing impression of another campaign today fills it; service is not counted.",
     cset(camp("promo", purpose="marketing", priority=5), camp("notice"), policies={"global_caps": [{"purpose": "marketing", "count": 1, "window": {"calendar": "day"}}]}),
     [impression("old-promo", NOW - 3 * H, purpose="marketing")],
     [step(req(consent={"marketing": True}), {"promo": "cap", "notice": "selected"}, [("notice", "in_app")])])
case("cap-channel", "Channel cap sms 1 per calendar month: sms is skipped, the campaign goes out on its next channel (email).",
     cset(camp("bill", placements=[], triggers=[{"event": "bill_ready"}],
               channels={"sms": {"payload": {"text": "s"}}, "email": {"payload": {"subject": "e"}}}),
          policies={"channel_caps": [{"channel": "sms", "count": 1, "window": {"calendar": "month"}}],
                    "channel_costs": {"sms": 0.01, "email": 0.02}}),
     [impression("other", NOW - 2 * D, channel="sms")],
     [step(req(placement=None, event={"name": "bill_ready"}), {"bill": "selected"}, [("bill", "email")])])
case("cap-channel-every-channel-capped", "Channel cap on the only channel: the campaign is `channel` (none reachable under its channel cap).",
     cset(camp("bill", placements=[], triggers=[{"event": "bill_ready"}], channels={"sms": {"payload": {"text": "s"}}}),
          policies={"channel_caps": [{"channel": "sms", "count": 1, "window": {"calendar": "month"}}]}),
     [impression("other", NOW - 2 * D, channel="sms")],
     [step(req(placement=None, event={"name": "bill_ready"}), {"bill": "channel"}, [])])

# ---- cooldown, exit ------------------------------------------------------------------
case("cooldown-after-dismiss", "cooldown_after_dismiss 3d, dismissed 1 day ago: `cooldown`.",
     cset(camp("nudge", cooldown_after_dismiss="3d")),
     [{"user_id": USER, "type": "dismissal", "campaign": "nudge", "time": NOW - D}],
     [step(req(), {"nudge": "cooldown"}, [])])
case("cooldown-elapsed", "cooldown_after_dismiss 3d, dismissed 4 days ago: shown again.",
     cset(camp("nudge", cooldown_after_dismiss="3d")),
     [{"user_id": USER, "type": "dismissal", "campaign": "nudge", "time": NOW - 4 * D}],
     [step(req(), {"nudge": "selected"}, [("nudge", "in_app")])])
case("exit-event", "Exit criteria: an exit event (plan_changed) in the user's history ends the campaign for them: `exit`.",
     cset(camp("upsell", exit=[{"event": "plan_changed"}])), [event("plan_changed", NOW - 5 * D, to="5G")],
     [step(req(), {"upsell": "exit"}, [])])
case("exit-conversion", "A conversion recorded for the campaign: `exit` (converted).",
     cset(camp("upsell")), [{"user_id": USER, "type": "conversion", "campaign": "upsell", "time": NOW - D}],
     [step(req(), {"upsell": "exit"}, [])])

# ---- arbitration -----------------------------------------------------------------------
case("arbitration-priority", "Higher priority wins the slot; the other is `arbitration`.",
     cset(camp("low", priority=10), camp("high", priority=20)), [],
     [step(req(), {"high": "selected", "low": "arbitration"}, [("high", "in_app")])])
case("arbitration-score", "Equal priority: the higher score (a rule over the request) wins.",
     cset(camp("a-low", score={"var": "scores.a"}), camp("b-high", score={"var": "scores.b"})), [],
     [step(req(scores={"a": 1, "b": 2.5}), {"b-high": "selected", "a-low": "arbitration"}, [("b-high", "in_app")])])
case("arbitration-id", "Equal priority and score: the lower campaign id in UTF-8 byte order wins (order never depends on load order).",
     cset(camp("zeta"), camp("alpha"), camp("Beta")), [],
     [step(req(), {"Beta": "selected", "alpha": "arbitration", "zeta": "arbitration"}, [("Beta", "in_app")])])
case("k3-shared-global-cap", "k 3 with a global cap of 2 per day: the decision counts its own earlier messages, so the third campaign is `cap`.",
     cset(camp("c1", priority=3), camp("c2", priority=2), camp("c3", priority=1),
          policies={"global_caps": [{"count": 2, "window": {"calendar": "day"}}]}), [],
     [step(req(k=3), {"c1": "selected", "c2": "selected", "c3": "cap"}, [("c1", "in_app"), ("c2", "in_app")])])

# ---- holdout, control, variants, personalisation -----------------------------------
case("control-group", "control_group_percent 100: the campaign that would have been shown is recorded as control (exposure group control), nothing is shown.",
     cset(camp("notice"), policies={"control_group_percent": 100}), [],
     [step(req(), {"notice": "control"}, [])])
case("holdout", "holdout_percent 100: the holdout takes the slot with a holdout exposure and no message; the slot is not backfilled.",
     cset(camp("promo", priority=10, holdout_percent=100), camp("backup")), [],
     [step(req(), {"promo": "holdout", "backup": "arbitration"}, [])])
VARIANTS = [{"id": "v-a", "weight": 1, "overrides": {"in_app": {"title": "A"}}},
            {"id": "v-b", "weight": 3, "overrides": {"in_app": {"title": "B"}}}]
case("variants-overrides", "Two variants weighted 1:3; the one assigned by hash (docs/bucketing.md, computed independently by the generator) merges its overrides over the channel payload member by member; message and exposure name the variant.",
     cset(camp("copy-test", channels={"in_app": {"payload": {"title": "base", "body": "kept"}}}, variants=VARIANTS)), [],
     [step(req(user_id=u), {"copy-test": "selected"}, [("copy-test", "in_app")], [variant_of("copy-test", u, VARIANTS)])
      for u in ("u1", "u2", "u3", "u4")])
case("personalisation-filled-and-escaped", "Placeholders filled from the request: the html payload escapes, the plain one does not; a default fills a missing value.",
     cset(camp("hello", channels={"in_app": {"format": "html", "payload": {"title": "Hi {{user.first_name}}", "sub": "{{user.city | default: \"there\"}}"}}}),
          camp("plain", placements=["side"], channels={"in_app": {"format": "plain", "payload": {"title": "Hi {{user.first_name}}"}}})), [],
     [step(req(placement=None, placements=["home", "side"], user={"first_name": "<Min>"}),
           {"hello": "selected", "plain": "selected"}, [("hello", "in_app"), ("plain", "in_app")])])
case("personalisation-missing-value", "A placeholder with no value and no default drops the campaign with `personalisation`, and the next one takes the slot.",
     cset(camp("code", priority=10, channels={"in_app": {"payload": {"text": "Use {{offer.code}}"}}}), camp("fallback")), [],
     [step(req(), {"code": "personalisation", "fallback": "selected"}, [("fallback", "in_app")])])

# ---- behaviour, the request's event, dry run -----------------------------------------
SHOPPER = {">=": [{"event_count": ["page_view", "7d", {"==": [{"var": "page"}, "/plans"]}]}, 2]}
case("behaviour-event-count-filter", "event_count(page_view, 7d, page == /plans) >= 2: one /plans view in the window, one elsewhere, one 8 days ago — count 1, `audience`.",
     cset(camp("shopper", audience=SHOPPER)),
     [event("page_view", NOW - D, page="/plans"), event("page_view", NOW - D, page="/home"), event("page_view", NOW - 8 * D, page="/plans")],
     [step(req(), {"shopper": "audience"}, [])])
case("behaviour-request-event-counted", "The request's own event is part of the history for that decision: with one recorded /plans view, a request carrying a /plans page_view makes the count 2 — shown. With record_event false it is not counted: `audience`.",
     cset(camp("shopper", audience=SHOPPER)),
     [event("page_view", NOW - D, page="/plans")],
     [step(req(event={"name": "page_view", "properties": {"page": "/plans"}}, record_event=False, commit=False), {"shopper": "audience"}, []),
      step(req(event={"name": "page_view", "properties": {"page": "/plans"}}), {"shopper": "selected"}, [("shopper", "in_app")]),
      step(req(now=NOW + 1000), {"shopper": "selected"}, [("shopper", "in_app")])])
case("dry-run-writes-nothing", "commit false is a dry run: shown, but no impression is written, so the cap of 1 still allows the committed decision that follows; the one after it is `cap`. The dry run's exposure record is queued all the same (SPEC: every decision is emitted as an exposure record; the bindings' tests assert it).",
     cset(camp("once-a-day", caps=[{"count": 1, "window": "1d"}])), [],
     [step(req(commit=False), {"once-a-day": "selected"}, [("once-a-day", "in_app")]),
      step(req(), {"once-a-day": "selected"}, [("once-a-day", "in_app")]),
      step(req(now=NOW + 1000), {"once-a-day": "cap"}, [])])


# ---- caps.json as decisions --------------------------------------------------------------
WEEKDAYS = {1: "mon", 2: "tue", 3: "wed", 4: "thu", 5: "fri", 6: "sat", 7: "sun"}


def caps_cases():
    with open(os.path.join(ROOT, "Tests", "vectors", "caps.json"), encoding="utf-8") as f:
        doc = json.load(f)
    out = []
    for c in doc["cases"]:
        policies = {}
        if "first_weekday" in c:
            policies["week_start"] = WEEKDAYS[c["first_weekday"]]
        s = cset(camp("c1", caps=[c["cap"]]), **({"policies": policies} if policies else {}))
        records = [impression("c1", t) for t in c["impressions"]]
        r = req(now=c["now"], time_zone=c["zone"], commit=False)
        count = c["cap"]["count"]
        out.append({"name": "caps-" + c["name"], "description": "Tests/vectors/caps.json case %s as a decision: %s" % (c["name"], c.get("note", "")),
                    "campaign_set": s, "records": records, "steps": [r], "allowed": c["allowed"], "used": c["used"], "count": count})
    return out


def project(decision, exposures):
    msgs = []
    for m in decision["messages"]:
        msgs.append({k: m[k] for k in ("campaign", "channel", "placement", "variant", "payload") if k in m})
    return {"messages": msgs, "exposures": exposures,
            "explanation": [{"campaign": e["campaign"], "reason": e["reason"]} for e in decision.get("explanation", [])]}


def run(c):
    eng = engage.Engine()
    try:
        eng.load_campaigns(c["campaign_set"])
        for r in c["records"]:
            eng.record(r)
        results = []
        for s in c["steps"]:
            r = s["request"] if "request" in s else s
            d = eng.decide(r)
            results.append((d, eng.drain_exposures()))
        return results
    finally:
        eng.close()


def main():
    check_murmur()
    os.makedirs(OUT, exist_ok=True)
    problems = []
    files = {}
    for c in CASES:
        steps = []
        for i, (s, (d, ex)) in enumerate(zip(c["steps"], run(c))):
            got = project(d, ex)
            reasons = {e["campaign"]: e["reason"] for e in got["explanation"]}
            for cid, want in s["want"]["reasons"].items():
                if reasons.get(cid) != want:
                    problems.append("%s steps[%d]: %s is %r, the spec says %r (%s)" % (
                        c["name"], i, cid, reasons.get(cid), want,
                        [e for e in d.get("explanation", []) if e["campaign"] == cid]))
            shown = [[m["campaign"], m["channel"]] for m in got["messages"]]
            if "variants" in s["want"] and [m.get("variant") for m in got["messages"]] != s["want"]["variants"]:
                problems.append("%s steps[%d]: variants %r, bucketing.md gives %r" % (
                    c["name"], i, [m.get("variant") for m in got["messages"]], s["want"]["variants"]))
            if shown != s["want"]["shown"]:
                problems.append("%s steps[%d]: shown %r, the spec says %r" % (c["name"], i, shown, s["want"]["shown"]))
            steps.append({"request": s["request"], "expected": got})
        files[c["name"]] = {"description": c["description"], "campaign_set": c["campaign_set"],
                            "records": c["records"], "steps": steps}
    for c in caps_cases():
        d, ex = run(c)[0]
        got = project(d, ex)
        shown = [m["campaign"] for m in got["messages"]]
        reason = next((e for e in d.get("explanation", []) if e["campaign"] == "c1"), {})
        if c["allowed"] and shown != ["c1"]:
            problems.append("%s: caps.json allows it, the decision shows %r (%s)" % (c["name"], shown, reason))
        if not c["allowed"] and (shown or reason.get("reason") != "cap"
                                 or "%d of %d" % (c["used"], c["count"]) not in reason.get("detail", "")):
            problems.append("%s: caps.json refuses it (%d of %d used), the decision says %s" % (c["name"], c["used"], c["count"], reason))
        files[c["name"]] = {"description": c["description"], "campaign_set": c["campaign_set"],
                            "records": c["records"], "steps": [{"request": c["steps"][0], "expected": got}]}
    if problems:
        print("gen-decision-vectors: the engine disagrees with the hand-written expectations:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        sys.exit(1)
    texts = {name + ".json": json.dumps({"version": 1, "name": name, **doc}, ensure_ascii=False, indent=1) + "\n"
             for name, doc in files.items()}
    present = sorted(f for f in os.listdir(OUT) if f.endswith(".json"))
    if "--check" in sys.argv[1:]:
        stale = [f for f in present if f not in texts]
        for f, text in sorted(texts.items()):
            path = os.path.join(OUT, f)
            if not os.path.exists(path):
                stale.append(f + " (missing)")
            else:
                with open(path, encoding="utf-8") as g:
                    if g.read() != text:
                        stale.append(f)
        if stale:
            sys.exit("gen-decision-vectors --check: not what the generator writes: %s" % ", ".join(stale))
        print("gen-decision-vectors --check: %d files as generated" % len(texts))
        return
    for f in present:
        if f not in texts:
            os.remove(os.path.join(OUT, f))
    for f, text in texts.items():
        with open(os.path.join(OUT, f), "w", encoding="utf-8") as g:
            g.write(text)
    print("gen-decision-vectors: %d files in %s" % (len(texts), os.path.relpath(OUT, ROOT)))


if __name__ == "__main__":
    main()
