#!/usr/bin/env python3
"""Checks and summarises the ABI benchmark's driver outputs (bench/abi/run.sh).

    python3 bench/abi/report.py INPUTDIR RESULTS.json OUT.json...

Each OUT.json is one driver's run ({"binding", "calls": [{"call", "decision",
"samples_ns"}]}); runs of the same binding (the rounds, given in round order) are
pooled. Fails (status 1,
naming what is wrong) unless every decision is an OK decision with the number of
messages INPUTDIR/expected.json gives, and every call of every binding returned the same
decision as C's engage_decide — a benchmark that timed an error path or a different
decision would be comparing nothing. Then prints one Markdown table, binding × call →
median and p99 in µs of the pooled samples, the median over rounds of the ratio of the
round's median to C's engage_decide median in the same round, and the lowest and highest median of a single round (the machine's noise),
and writes the same figures to RESULTS.json.
"""

import json
import math
import os
import platform
import statistics
import sys
import time

REFERENCE = ("c", "engage_decide")


def p99(sorted_ns):
    return sorted_ns[max(0, math.ceil(0.99 * len(sorted_ns)) - 1)]


def main(argv):
    if len(argv) < 4:
        sys.stderr.write("usage: report.py INPUTDIR RESULTS.json OUT.json...\n")
        return 2
    with open(os.path.join(argv[1], "expected.json")) as f:
        expected = json.load(f)
    pooled = {}  # (binding, call) -> samples, in the order first seen
    per_run = {}  # (binding, call) -> the median of each run (round)
    decisions = []  # (binding, call, file, decision)
    for path in argv[3:]:
        with open(path) as f:
            run = json.load(f)
        for c in run["calls"]:
            pooled.setdefault((run["binding"], c["call"]), []).extend(c["samples_ns"])
            per_run.setdefault((run["binding"], c["call"]), []).append(statistics.median(c["samples_ns"]))
            decisions.append((run["binding"], c["call"], path, c["decision"]))

    problems = []
    reference = next((d for b, c, _, d in decisions if (b, c) == REFERENCE), None)
    if reference is None:
        problems.append("no run of C's engage_decide to compare with")
    for binding, call, path, d in decisions:
        where = "%s %s (%s)" % (binding, call, os.path.basename(path))
        messages = d.get("messages") if isinstance(d, dict) else None
        if not isinstance(messages, list) or "status" in d:
            problems.append("%s: not a decision: %s" % (where, json.dumps(d)[:300]))
        elif len(messages) != expected["messages"]:
            problems.append("%s: %d messages, expected %d" % (where, len(messages), expected["messages"]))
        elif reference is not None and d != reference:
            problems.append("%s: a decision other than C engage_decide's" % where)
    if problems:
        for p in problems:
            sys.stderr.write("FAIL: %s\n" % p)
        return 1

    rows = []
    for (binding, call), ns in pooled.items():
        ns.sort()
        median = statistics.median(ns)
        rounds = per_run[(binding, call)]
        # The machine's speed drifts over seconds, so the ratio pairs each run with C's
        # run of the same round (the k-th run of each binding) and takes the median.
        ratio = statistics.median(m / ref for m, ref in zip(rounds, per_run[REFERENCE]))
        rows.append({"binding": binding, "call": call, "samples": len(ns),
                     "median_us": round(median / 1e3, 1), "p99_us": round(p99(ns) / 1e3, 1),
                     "ratio_to_c_decide": round(ratio, 2),
                     "round_medians_us": [round(m / 1e3, 1) for m in rounds]})

    # The spread of the rounds' medians shows how much the machine's noise moved them.
    print("| binding | call | median µs | p99 µs | × C engage_decide | rounds' medians µs |")
    print("|---|---|---:|---:|---:|---:|")
    for r in rows:
        print("| %s | %s | %.1f | %.1f | %.2f | %.0f–%.0f |"
              % (r["binding"], r["call"], r["median_us"], r["p99_us"], r["ratio_to_c_decide"],
                 min(r["round_medians_us"]), max(r["round_medians_us"])))
    print("\n%d campaigns, %d-byte request (%d-byte context + %d-byte question); %d samples a "
          "call; every decision OK with %d messages, the same in every binding"
          % (expected["campaigns"], expected["request_bytes"], expected["context_bytes"],
             expected["question_bytes"], rows[0]["samples"], expected["messages"]))

    summary = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"system": platform.system(), "release": platform.release(),
                    "arch": platform.machine(), "cpus": os.cpu_count()},
        "inputs": expected,
        "decision_campaigns": [m.get("campaign") for m in reference["messages"]],
        "reference": "%s %s" % REFERENCE,
        "results": rows,
    }
    with open(argv[2], "w") as f:
        json.dump(summary, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
