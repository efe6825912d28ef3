"""The JSON Logic inputs of bench/peers/peers.py and their truth, computed apart.

Two workloads:

- ``logic``: bench/Sources/engage-bench/LogicBench.swift's five-clause rule, verbatim,
  over the same 1,000 users (its SplitMix64 generator and seed, ported), so the peers
  evaluate what ``engage-bench`` timed for ``logic, 5-clause audience rule``.
- ``rules``: the audience rules of bench/abi/inputs.py's 100 campaigns, translated into
  plain JSON Logic (``translate``) and evaluated for the bench/abi user.

``reference`` evaluates the *original* rules (segments, event counts over the user's
history, ``now``) by their meaning, without the translation, so a wrong translation or a
peer that evaluates wrongly both show up as a mismatch.
"""

import copy
import json
import re

MASK = (1 << 64) - 1


class SplitMix64:
    """bench/Sources/engage-bench/Documents.swift's generator, bit for bit."""

    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n

    def pick(self, values):
        return values[self.below(len(values))]


PLANS = ["mobile_s_10gb", "mobile_m_30gb", "mobile_l_unlimited", "fiber_500_tv", "fiber_1g_tv"]
AGE_BANDS = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
SEGMENTS = ["digital_first", "prefers_human", "price_sensitive", "family", "business"]

LOGIC_RULE = {"and": [
    {">=": [{"var": "behaviour.plans_page_views_7d"}, 3]},
    {"in": [{"var": "profile.plan"}, ["mobile_s_10gb", "mobile_m_30gb", "mobile_l_unlimited"]]},
    {"<=": [{"var": "profile.contract_months_left"}, 3]},
    {"!": [{"var": "consent.marketing_opt_out"}]},
    {"or": [{"==": [{"var": "profile.age_band"}, "25-34"]},
            {"==": [{"var": "profile.segment"}, "price_sensitive"]}]},
]}


def logic_users(count=1000):
    """LogicBench.users(count, everyClause: false): seed 10, the same draws in the same
    order (Documents.user, then views, plan, months left, opt-out, support contacts)."""
    rng = SplitMix64(10)
    users = []
    for i in range(count):
        profile = {
            "plan": rng.pick(PLANS),
            "age_band": rng.pick(AGE_BANDS),
            "tenure_months": rng.below(120),
            "contract_months_left": rng.below(25),
            "segment": rng.pick(SEGMENTS),
            "arpu": (999 + rng.below(6000)) / 100,
            "city": "São João da Madeira",
            "language": "pt-PT",
            "time_zone": "Europe/Lisbon",
        }
        included = "streamflix" if rng.below(3) == 0 else None
        profile["ott"] = {"included": included, "linked": rng.below(2) == 0}
        consent = {"marketing": rng.below(10) != 0, "service": True}
        consent["channels"] = {"in_app": True, "push": rng.below(4) != 0, "sms": rng.below(2) == 0,
                               "whatsapp": False, "email": True}
        views = rng.below(10)
        profile["plan"] = rng.pick(PLANS)
        profile["contract_months_left"] = rng.below(8)
        consent["marketing_opt_out"] = rng.below(10) == 0
        behaviour = {"plans_page_views_7d": views, "support_contacts_30d": rng.below(4)}
        users.append({"id": "u-%d" % (100000 + i), "profile": profile, "consent": consent,
                      "behaviour": behaviour})
    return users


def logic_truth(user):
    """The five-clause rule, written out in Python."""
    p, c, b = user["profile"], user["consent"], user["behaviour"]
    return (b["plans_page_views_7d"] >= 3
            and p["plan"] in ("mobile_s_10gb", "mobile_m_30gb", "mobile_l_unlimited")
            and p["contract_months_left"] <= 3
            and not c["marketing_opt_out"]
            and (p["age_band"] == "25-34" or p["segment"] == "price_sensitive"))


# ----------------------------------------------------------------- 100 audience rules

# Attributes the campaigns' rules read that the bench/abi request's user lacks. Peers
# get them explicitly so no truth value hinges on how an engine coerces a missing value
# (JSON Logic implementations disagree on `null <= 30` and `now - null`).
MISSING_ATTRIBUTES = {
    "plan_includes_ott": True,
    "ott_linked": False,
    "support_preference": "app",
    "contract_days_left": 120,
}
ACTIVATED_AGO_MS = 3 * 86400000

WINDOW_MS = {"m": 60000, "h": 3600000, "d": 86400000, "w": 7 * 86400000}


def window_ms(window):
    m = re.fullmatch(r"(\d+)([mhdw])", window)
    if not m:
        raise ValueError("unknown window %r" % window)
    return int(m.group(1)) * WINDOW_MS[m.group(2)]


def event_var(args):
    """The data member standing for one `event_count`: events.<name>_<window>_<filter>."""
    name, window = args[0], args[1]
    key = "%s_%s" % (name, window)
    if len(args) > 2:
        key += "_" + re.sub(r"[^a-z0-9]+", "_", json.dumps(args[2]).lower()).strip("_")
    return "events." + key


def translate(rule, segments):
    """A campaign rule in plain JSON Logic: `segment` inlined (recursively), each
    `event_count` a precomputed number (`event_var`), `now` a number in the data. Returns
    the rule and the event counts it needs, as {var: args}."""
    needs = {}

    def walk(r, depth):
        if depth > 32:
            raise ValueError("segments nest too deep")
        if isinstance(r, list):
            return [walk(x, depth + 1) for x in r]
        if not isinstance(r, dict) or len(r) != 1:
            return r
        (op, args), = r.items()
        if op == "segment":
            return walk(segments[args], depth + 1)
        if op == "event_count":
            var = event_var(args)
            needs[var] = args
            return {"var": var}
        if op == "now":
            return {"var": "now"}
        return {op: walk(args, depth + 1)}

    return (True if rule is None else walk(rule, 0)), needs


def event_count(history, now, args):
    name, window = args[0], args[1]
    since = now - window_ms(window)
    n = 0
    for rec in history:
        if rec.get("type") == "event" and rec["name"] == name and since < rec["time"] <= now:
            if len(args) < 3 or reference(args[2], rec.get("properties", {}), {}, [], now):
                n += 1
    return n


def _path(data, path):
    for key in path.split("."):
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _truthy(v):
    return not (v is None or v is False or v == 0 or v == "" or v == [])


def reference(rule, data, segments, history, now):
    """The original rule's truth for this user, by the rules' meaning (docs/campaigns.md):
    only the operators the telco set uses; anything else raises."""
    def ev(r):
        if not isinstance(r, dict):
            return r
        (op, args), = r.items()
        a = args if isinstance(args, list) else [args]
        if op == "var":
            return _path(data, a[0])
        if op == "and":
            return all(_truthy(ev(x)) for x in a)
        if op == "or":
            return any(_truthy(ev(x)) for x in a)
        if op == "!":
            return not _truthy(ev(a[0]))
        if op == "==":
            return ev(a[0]) == ev(a[1])
        if op in (">=", "<="):
            x, y = ev(a[0]), ev(a[1])
            return x >= y if op == ">=" else x <= y
        if op == "in":
            return ev(a[0]) in ev(a[1])
        if op == "-":
            return ev(a[0]) - ev(a[1])
        if op == "now":
            return now
        if op == "segment":
            return _truthy(ev(segments[args]))
        if op == "event_count":
            return event_count(history, now, a)
        raise ValueError("reference: operator %r not handled" % op)
    return True if rule is None else _truthy(ev(rule))


def audience_rules(campaigns_doc, request, history):
    """The 100 campaigns' audience rules for the bench/abi user: [(id, translated rule)],
    the peers' data, and the expected truth of each rule (reference, on the originals)."""
    segments = campaigns_doc["segments"]
    now = request["now"]
    user = dict(request["user"])
    for k, v in MISSING_ATTRIBUTES.items():
        user.setdefault(k, v)
    user.setdefault("activated_at", now - ACTIVATED_AGO_MS)
    rules, needs = [], {}
    for c in campaigns_doc["campaigns"]:
        translated, n = translate(copy.deepcopy(c.get("audience")), segments)
        rules.append((c["id"], translated))
        needs.update(n)
    events = {var[len("events."):]: event_count(history, now, args) for var, args in needs.items()}
    data = {"user": user, "events": events, "now": now}
    ref_data = {"user": user}
    truth = [reference(c.get("audience"), ref_data, segments, history, now)
             for c in campaigns_doc["campaigns"]]
    return rules, data, truth
