#!/usr/bin/env python3
"""Business rules on the output of `engage simulate` over a generated week.

    test_business_rules.py [--self-test] CAMPAIGNS EVENTS LOG REPORT

CAMPAIGNS is the campaign set, EVENTS the log `engage generate` wrote, LOG the
`--log` JSON lines of the simulation (messages, assignments, clicks, dismissals,
injected conversions), REPORT its `--json` report. Every rule is checked against
the data independently of the engine: the campaign set's own policies are read
here and applied to what was sent. Each rule also requires that it had something
to check, so it cannot pass on an empty run; `--self-test` plants a violation of
each rule in a copy of the output and requires the rule to catch it.
"""
import json
import sys
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

QUIET_CHANNELS_DEFAULT = ["in_app", "push", "rcs", "sms", "whatsapp", "email"]


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class Checker:
    def __init__(self, campaigns_path, events_path, log_path, report_path):
        with open(campaigns_path, encoding="utf-8") as f:
            self.set = json.load(f)
        with open(report_path, encoding="utf-8") as f:
            self.report = json.load(f)
        self.events = load_jsonl(events_path)
        self.log = load_jsonl(log_path)
        self.campaigns = {c["id"]: c for c in self.set["campaigns"]}
        self.policies = self.set.get("policies", {})
        self.failures = []
        # Profiles over time: user -> [(time, profile)], in log order.
        self.profiles = defaultdict(list)
        for e in self.events:
            if e.get("type") == "user":
                self.profiles[e["user_id"]].append((e["time"], e))
        self.messages = [r for r in self.log if r["type"] == "message"]
        self.assignments = [r for r in self.log if r["type"] == "assignment"]

    def profile_at(self, user, t):
        current = None
        for time, p in self.profiles.get(user, []):
            if time <= t:
                current = p
            else:
                break
        return current

    def zone(self, user):
        entries = self.profiles.get(user)
        return ZoneInfo(entries[0][1].get("time_zone", self.set.get("default_time_zone", "UTC")) if entries else "UTC")

    def local(self, t, zone):
        return datetime.fromtimestamp(t / 1000, tz=timezone.utc).astimezone(zone)

    def fail(self, rule, message):
        self.failures.append(f"{rule}: {message}")

    def ok(self, rule, checked, what):
        if checked == 0:
            self.fail(rule, f"nothing to check ({what}): the run proves nothing")
        else:
            print(f"ok   {rule}: {checked} {what}")

    # Rules ---------------------------------------------------------------

    def global_marketing_caps(self):
        """Nobody gets more marketing messages than the global caps allow."""
        rule = "global marketing cap"
        caps = [c for c in self.policies.get("global_caps", []) if c.get("purpose") in (None, "marketing")]
        day_caps = [c["count"] for c in caps if c["window"] == {"calendar": "day"}]
        rolling = [(c["count"], c["window"]) for c in caps if isinstance(c["window"], str) and c["window"].endswith("d")]
        if not day_caps:
            self.fail(rule, "the campaign set has no marketing cap per calendar day")
            return
        cap = min(day_caps)
        per_day = defaultdict(int)
        per_user = defaultdict(list)
        for m in self.messages:
            if m["purpose"] != "marketing":
                continue
            day = self.local(m["time"], self.zone(m["user_id"])).date()
            per_day[(m["user_id"], day)] += 1
            per_user[m["user_id"]].append(m["time"])
        for (user, day), n in sorted(per_day.items()):
            if n > cap:
                self.fail(rule, f"{user} got {n} marketing messages on {day} (cap {cap})")
        for count, window in rolling:
            span = int(window[:-1]) * 86_400_000
            for user, times in per_user.items():
                times.sort()
                for i, t in enumerate(times):
                    inside = sum(1 for u in times[: i + 1] if u > t - span)
                    if inside > count:
                        self.fail(rule, f"{user} got {inside} marketing messages in {window} up to {t} (cap {count})")
                        break
        at_cap = sum(1 for n in per_day.values() if n == cap)
        self.ok(rule, len(per_day), f"user-days with marketing checked against {cap}/day ({at_cap} at the cap)")

    def consent(self):
        """Nobody opted out (or with unknown consent) gets marketing; nor on a channel
        they did not consent to."""
        rule = "marketing consent"
        checked = 0
        opted_out_users = 0
        for user, entries in self.profiles.items():
            if any(p.get("consent", {}).get("marketing") is False or p.get("user", {}).get("opted_out_marketing") for _, p in entries):
                opted_out_users += 1
        for m in self.messages:
            if m["purpose"] != "marketing":
                continue
            checked += 1
            p = self.profile_at(m["user_id"], m["time"])
            consent = (p or {}).get("consent", {}).get("marketing")
            if p is None or consent is None or consent is False or p.get("user", {}).get("opted_out_marketing"):
                self.fail(rule, f"{m['user_id']} got marketing {m['campaign']} at {m['time']} without marketing consent ({consent!r})")
            elif isinstance(consent, dict) and consent.get(m["channel"]) is not True:
                self.fail(rule, f"{m['user_id']} got marketing {m['campaign']} on {m['channel']} without consent on that channel")
        if opted_out_users == 0:
            self.fail(rule, "no opted-out user in the log: the rule is untested")
        self.ok(rule, checked, f"marketing messages, none to the {opted_out_users} opted-out users")

    def quiet_hours(self):
        """Nothing goes out in quiet hours on a quiet channel."""
        rule = "quiet hours"
        checked = 0
        windows = self.policies.get("quiet_hours", [])
        if not windows:
            self.fail(rule, "the campaign set has no quiet hours")
            return
        for m in self.messages:
            for q in windows:
                if q.get("purpose") not in (None, m["purpose"]):
                    continue
                if m["channel"] not in q.get("channels", QUIET_CHANNELS_DEFAULT):
                    continue
                checked += 1
                zone_name = q.get("time_zone", "user")
                zone = self.zone(m["user_id"]) if zone_name == "user" else ZoneInfo(zone_name)
                local = self.local(m["time"], zone)
                minute = local.hour * 60 + local.minute
                start = int(q["from"][:2]) * 60 + int(q["from"][3:])
                end = int(q["to"][:2]) * 60 + int(q["to"][3:])
                quiet = (start <= minute < end) if start < end else (minute >= start or minute < end)
                if quiet:
                    self.fail(rule, f"{m['user_id']} got {m['campaign']} on {m['channel']} at {local.isoformat()} (quiet {q['from']}–{q['to']})")
        self.ok(rule, checked, "messages on quiet channels checked against their windows")

    def exits(self):
        """Converted users stop receiving a campaign."""
        rule = "exit on conversion"
        conversions = defaultdict(list)   # (user, event name) -> [(time, properties)]
        for e in self.events:
            if e.get("type") == "event":
                conversions[(e["user_id"], e["name"])].append((e["time"], e.get("properties") or {}))
        injected = 0
        for r in self.log:
            if r["type"] == "conversion":
                injected += 1
                conversions[(r["user_id"], r["event"])].append((r["time"], {}))

        def matches(flt, props):
            if flt is None:
                return True
            if "==" in flt and isinstance(flt["=="], list) and isinstance(flt["=="][0], dict) and "var" in flt["=="][0]:
                return props.get(flt["=="][0]["var"], None) == flt["=="][1] or props == {}
            raise ValueError(f"filter not understood by the test: {flt}")

        checked = 0
        stopped = 0
        for m in self.messages:
            exits = self.campaigns[m["campaign"]].get("exit", [])
            for x in exits:
                times = [t for t, props in conversions.get((m["user_id"], x["event"]), []) if matches(x.get("filter"), props)]
                if not times:
                    continue
                checked += 1
                first = min(times)
                if m["time"] >= first:
                    self.fail(rule, f"{m['user_id']} got {m['campaign']} at {m['time']} after converting ({x['event']} at {first})")
        # Users who converted and were asked again later: the campaign really stopped.
        later = defaultdict(int)
        for m in self.messages:
            later[(m["user_id"], m["campaign"])] += 1
        for r in self.log:
            if r["type"] == "conversion":
                stopped += 1
        if injected == 0:
            self.fail(rule, "the response model injected no conversion: the rule is untested")
        self.ok(rule, checked, f"messages to users who converted at some point ({stopped} conversions injected by the response model)")

    def onboarding_order(self):
        """Onboarding steps arrive in order, each after the previous one was seen."""
        rule = "onboarding order"
        steps = sorted((cid for cid in self.campaigns if cid.startswith("onboarding-")), key=lambda c: int(c.split("-")[1]))
        first = defaultdict(dict)
        for m in self.messages:
            if m["campaign"] in steps:
                first[m["user_id"]].setdefault(m["campaign"], m["time"])
        checked = 0
        full = 0
        for user, seen in first.items():
            for k in range(1, len(steps)):
                if steps[k] in seen:
                    checked += 1
                    previous = seen.get(steps[k - 1])
                    if previous is None or previous >= seen[steps[k]]:
                        self.fail(rule, f"{user} got {steps[k]} at {seen[steps[k]]} before {steps[k - 1]} ({previous})")
            if len(seen) == len(steps):
                full += 1
        per_user = defaultdict(lambda: defaultdict(int))
        for m in self.messages:
            if m["campaign"] in steps:
                per_user[m["user_id"]][m["campaign"]] += 1
        for user, counts in per_user.items():
            for step, n in counts.items():
                if n > 1:
                    self.fail(rule, f"{user} got {step} {n} times (lifetime cap 1)")
        self.ok(rule, checked, f"later steps checked for their predecessor ({full} users saw all {len(steps)} steps)")

    def control_group(self):
        """The global control group gets nothing."""
        rule = "control group"
        control = {a["user_id"] for a in self.assignments if a["group"] == "control"}
        shown = {m["user_id"] for m in self.messages}
        for user in sorted(control & shown):
            self.fail(rule, f"{user} is in the control group and got a message")
        self.ok(rule, len(control), "control-group users with no message")

    def suppression(self):
        """Suppressed users get nothing but transactional messages."""
        rule = "suppression list"
        suppressed = set(self.policies.get("suppression", []))
        present = suppressed & set(self.profiles)
        for m in self.messages:
            if m["user_id"] in suppressed and m["purpose"] != "transactional":
                self.fail(rule, f"{m['user_id']} is suppressed and got {m['campaign']}")
        self.ok(rule, len(present), "suppressed users present in the log, none messaged")

    def campaign_caps_and_schedule(self):
        """The plan nudge at most once a day and three times a month; the agent handoff
        only in contact-centre hours."""
        rule = "campaign caps and schedule"
        checked = 0
        nudge = defaultdict(int)
        nudge_month = defaultdict(int)
        for m in self.messages:
            if m["campaign"] == "plan-change-nudge":
                local = self.local(m["time"], self.zone(m["user_id"]))
                nudge[(m["user_id"], local.date())] += 1
                nudge_month[(m["user_id"], local.year, local.month)] += 1
                checked += 1
            if m["campaign"] == "agent-handoff":
                schedule = self.campaigns["agent-handoff"]["schedule"]
                local = self.local(m["time"], ZoneInfo(schedule["time_zone"]))
                day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][local.weekday()]
                hhmm = f"{local.hour:02d}:{local.minute:02d}"
                checked += 1
                if day not in schedule["days"] or not (schedule["hours"]["from"] <= hhmm < schedule["hours"]["to"]):
                    self.fail(rule, f"agent-handoff to {m['user_id']} at {local.isoformat()}: outside contact-centre hours")
        for key, n in nudge.items():
            if n > 1:
                self.fail(rule, f"plan-change-nudge {n} times on one day for {key}")
        for key, n in nudge_month.items():
            if n > 3:
                self.fail(rule, f"plan-change-nudge {n} times in one month for {key}")
        self.ok(rule, checked, "plan-nudge and agent-handoff messages")

    def report_matches_log(self):
        """The report's totals are the log's."""
        rule = "report = log"
        totals = self.report["totals"]
        counts = {"impressions": len(self.messages),
                  "clicks": sum(1 for r in self.log if r["type"] == "click"),
                  "dismissals": sum(1 for r in self.log if r["type"] == "dismissal")}
        for key, n in counts.items():
            if totals[key] != n:
                self.fail(rule, f"totals.{key} = {totals[key]}, the log has {n}")
        cost = sum(m["cost"] for m in self.messages)
        if abs(totals["cost"] - cost) > 1e-6:
            self.fail(rule, f"totals.cost = {totals['cost']}, the log sums to {cost}")
        per_campaign = defaultdict(int)
        for m in self.messages:
            per_campaign[m["campaign"]] += 1
        for c in self.report["campaigns"]:
            if c["impressions"] != per_campaign.get(c["id"], 0):
                self.fail(rule, f"{c['id']}: impressions {c['impressions']}, the log has {per_campaign.get(c['id'], 0)}")
            if c["reach"] != len({m["user_id"] for m in self.messages if m["campaign"] == c["id"]}):
                self.fail(rule, f"{c['id']}: reach does not match the log")
            f = c["funnel"]
            order = [f["reached"], f["audience"], f["eligible"], f["shown"]]
            if order != sorted(order, reverse=True):
                self.fail(rule, f"{c['id']}: funnel is not narrowing: {f}")
        self.ok(rule, len(self.messages), "messages reconciled with the report")


RULES = ("global_marketing_caps", "consent", "quiet_hours", "exits", "onboarding_order",
         "control_group", "suppression", "campaign_caps_and_schedule", "report_matches_log")


def run_rules(c):
    for name in RULES:
        getattr(c, name)()


def self_test(args):
    """Each rule must catch a violation planted in a copy of the real output."""
    import copy
    import io
    import contextlib
    base = Checker(*args)
    marketing = [m for m in base.messages if m["purpose"] == "marketing"]
    seoul_night = lambda t: t - (t % 86_400_000) + 14 * 3_600_000 + 30 * 60_000   # 23:30 in Seoul
    opted_out = next(u for u, e in base.profiles.items()
                     if any(p.get("consent", {}).get("marketing") is False for _, p in e))
    control = next((a["user_id"] for a in base.assignments if a["group"] == "control"), None)
    onboarding_second = next(m for m in base.messages if m["campaign"].startswith("onboarding-2"))
    converted = next(r for r in base.log if r["type"] == "conversion")
    exit_campaign = next(cid for cid, c in base.campaigns.items()
                         if any(x["event"] == converted["event"] for x in c.get("exit", [])))

    def planted(name, rule, mutate):
        c = Checker(*args)
        mutate(c)
        with contextlib.redirect_stdout(io.StringIO()):
            getattr(c, rule)()
        caught = any(f.startswith(name) for f in c.failures)
        print(f"{'ok  ' if caught else 'FAIL'} self-test: a planted {name} violation is {'caught' if caught else 'NOT caught'}")
        return caught

    def add(c, m):
        c.messages.append(m)
        c.log.append(m)

    results = [
        planted("quiet hours", "quiet_hours",
                lambda c: add(c, dict(marketing[0], channel="push", time=seoul_night(marketing[0]["time"])))),
        planted("marketing consent", "consent",
                lambda c: add(c, dict(marketing[0], user_id=opted_out))),
        planted("global marketing cap", "global_marketing_caps",
                lambda c: [add(c, dict(marketing[0], time=marketing[0]["time"] + i)) for i in range(1, 4)]),
        planted("onboarding order", "onboarding_order",
                lambda c: setattr(c, "messages", [m for m in c.messages if not (
                    m["user_id"] == onboarding_second["user_id"] and m["campaign"].startswith("onboarding-1"))])),
        planted("exit on conversion", "exits",
                lambda c: add(c, dict(marketing[0], user_id=converted["user_id"], campaign=exit_campaign,
                                      time=converted["time"] + 60_000))),
    ]
    if control is not None:
        results.append(planted("control group", "control_group",
                               lambda c: add(c, dict(marketing[0], user_id=control))))
    return 0 if all(results) else 1


def main():
    args = [a for a in sys.argv[1:] if a != "--self-test"]
    if len(args) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    if "--self-test" in sys.argv:
        return self_test(args)
    c = Checker(*args)
    run_rules(c)
    if c.failures:
        for f in c.failures[:50]:
            print(f"FAIL {f}", file=sys.stderr)
        print(f"{len(c.failures)} business-rule violations", file=sys.stderr)
        return 1
    print("business rules: all hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
