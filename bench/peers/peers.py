#!/usr/bin/env python3
"""libengage beside its peers, in one process and one run (bench/peers/run.sh).

    ENGAGE_LIB=/path/libengage.so PYTHONPATH=bindings/python \\
        python bench/peers/peers.py INPUTDIR OUT.json

INPUTDIR is written by bench/abi/inputs.py. Three workloads (see README.md here):

    logic   the five-clause rule of engage-bench over its 1,000 users: ns per evaluation
    rules   the 100 campaigns' audience rules, translated to plain JSON Logic, one user
    flags   100 targeted flags with percentage rollouts, one user

Every engine is a "slot": a call that does one sample's work and returns its results.
Each slot is checked once against the truth computed in rules.py / flags.py (a peer that
answers wrongly is still timed, and flagged), warmed up, then timed in rounds whose order
rotates, so the machine's drift hits every slot alike. A peer that cannot be imported,
configured or run is a row "unavailable: <why>", never a failure of the run.

Environment: PEERS_QUICK=1 (fewer rounds), PEERS_ROUNDS, PEERS_BUDGET (seconds of timing
before rounds stop early), ENGAGE_RESULTS (engage-bench's results.json, for the native
logic figure), PEERS_PIP_FAILED (run.sh's file of "package<TAB>reason" lines).
"""

import gc
import json
import os
import platform
import re
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import flags  # noqa: E402
import rules  # noqa: E402

# anyhow in Flipt's Rust engine captures a backtrace on every error when RUST_BACKTRACE
# is set, and unwinding through ctypes' frames aborts the process.
os.environ["RUST_BACKTRACE"] = "0"
os.environ["RUST_LIB_BACKTRACE"] = "0"

clock = time.perf_counter_ns


def truthy(v):
    if isinstance(v, str):  # datalogic's batch calls answer JSON text
        v = json.loads(v)
    return not (v is None or v is False or v == 0 or v == "" or v == [] or v == {})


class Slot:
    def __init__(self, workload, engine, run, per=1, n=1, expected=None, outcome=truthy, note=""):
        self.workload, self.engine, self.run, self.per, self.n = workload, engine, run, per, n
        self.expected, self.outcome, self.note = expected, outcome, note
        self.samples, self.round_medians = [], []
        self.status = "ok"


def unavailable(workload, engine, why):
    s = Slot(workload, engine, None)
    s.status = "unavailable: " + why
    return s


def why(e):
    return ("%s: %s" % (type(e).__name__, e)).strip().splitlines()[0][:160]


def pip_failures():
    path = os.environ.get("PEERS_PIP_FAILED")
    out = {}
    if path and os.path.exists(path):
        for line in open(path):
            if "\t" in line:
                pkg, reason = line.rstrip("\n").split("\t", 1)
                out[pkg] = reason
    return out


def read(dir, name):
    with open(os.path.join(dir, name), "rb") as f:
        return f.read()


# ----------------------------------------------------------------------------- slots

def logic_slots(add, users, n):
    truth = [rules.logic_truth(u) for u in users]
    rule = rules.LOGIC_RULE
    per = len(users)
    note = "rule compiled once"

    def datalogic():
        import datalogic_py as dl
        eng = dl.Engine()
        compiled = eng.compile(rule)
        handles = [dl.DataHandle(u) for u in users]
        sess = eng.session()
        add(Slot("logic", "datalogic-py Rule.evaluate(dict)", lambda: [compiled.evaluate(u) for u in users],
                 per, n, truth, note=note + "; dict converted per call"))
        add(Slot("logic", "datalogic-py Session.evaluate_truthy(handle)",
                 lambda: [sess.evaluate_truthy(compiled, h) for h in handles], per, n, truth,
                 note=note + "; users pre-parsed into DataHandles"))
        add(Slot("logic", "datalogic-py Session.evaluate_batch", lambda: sess.evaluate_batch(compiled, handles),
                 per, n, truth, note="one native call for the 1,000 pre-parsed users"))

    def qubit():
        from json_logic import jsonLogic
        add(Slot("logic", "json-logic-qubit jsonLogic", lambda: [jsonLogic(rule, u) for u in users], per, n, truth,
                 note="pure Python; rule interpreted per call"))

    def jsonlogic_rs():
        from jsonlogic_rs import apply_serialized
        rs = json.dumps(rule)
        ds = [json.dumps(u) for u in users]
        add(Slot("logic", "jsonlogic-rs apply_serialized", lambda: [apply_serialized(rs, d, json.loads) for d in ds],
                 per, n, truth, note="no compile API: rule and data (pre-serialized) parsed per call"))

    return [("datalogic-py", "logic", datalogic), ("json-logic-qubit", "logic", qubit),
            ("jsonlogic-rs", "logic", jsonlogic_rs)]


def rule_slots(add, rule_list, data, truth, n):
    exprs = [r for _, r in rule_list]

    def datalogic():
        import datalogic_py as dl
        eng = dl.Engine()
        compiled = [eng.compile(r) for r in exprs]
        sess = eng.session()
        add(Slot("rules", "datalogic-py Rule.evaluate(dict) x100", lambda: [c.evaluate(data) for c in compiled],
                 1, n, truth, note="100 rules compiled once; the dict converted per rule"))
        add(Slot("rules", "datalogic-py Session.evaluate_many",
                 lambda: sess.evaluate_many(compiled, dl.DataHandle(data)), 1, n, truth,
                 note="DataHandle built per user (in the timing), one native call"))

    def qubit():
        from json_logic import jsonLogic
        add(Slot("rules", "json-logic-qubit jsonLogic x100", lambda: [jsonLogic(r, data) for r in exprs],
                 1, n, truth, note="pure Python"))

    def jsonlogic_rs():
        from jsonlogic_rs import apply_serialized
        rs = [json.dumps(r) for r in exprs]

        def run():
            d = json.dumps(data)
            return [apply_serialized(r, d, json.loads) for r in rs]
        add(Slot("rules", "jsonlogic-rs apply_serialized x100", run, 1, n, truth,
                 note="rules pre-serialized, parsed per call; data serialized once per user"))

    return [("datalogic-py", "rules", datalogic), ("json-logic-qubit", "rules", qubit),
            ("jsonlogic-rs", "rules", jsonlogic_rs)]


def flag_slots(add, request, n, closers):
    fl = flags.flag_set()
    keys = [k for k, *_ in fl]
    key, attrs = flags.subject(request)

    def eppo():
        import eppo_client
        from eppo_client.config import AssignmentLogger, Config

        class NoLog(AssignmentLogger):
            def log_assignment(self, event):
                pass

        # base_url: a closed local port, so a fetch attempt could not leave the machine.
        client = eppo_client.init(Config(
            api_key="offline", base_url="http://127.0.0.1:9", assignment_logger=NoLog(),
            poll_interval_seconds=None,
            initial_configuration=eppo_client.Configuration(flags_configuration=flags.eppo_config(fl))))
        add(Slot("flags", "eppo-server-sdk get_boolean_assignment x100",
                 lambda: [client.get_boolean_assignment(k, key, attrs, False) for k in keys], 1, n,
                 flags.eppo_expected(fl, key, attrs), outcome=bool,
                 note="initial_configuration (UFC JSON), no polling"))

    def growthbook():
        from growthbook import GrowthBook
        gb = GrowthBook(attributes=dict(attrs, id=key), features=flags.growthbook_features(fl))
        user = dict(attrs, id=key)

        def run():
            gb.set_attributes(user)
            return [gb.is_on(k) for k in keys]
        add(Slot("flags", "growthbook is_on x100", run, 1, n, flags.growthbook_expected(fl, key, attrs),
                 outcome=bool, note="features dict given to the constructor; pure Python"))
        closers.append(gb.destroy if hasattr(gb, "destroy") else lambda: None)

    def flipt():
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from datetime import timedelta
        from flipt_client import FliptClient
        from flipt_client.models import ClientOptions, EvaluationRequest
        doc = flags.flipt_document(fl)

        class Serve(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(doc)))
                self.end_headers()
                self.wfile.write(doc)

            def log_message(self, *args):
                pass

        # The engine always fetches its namespace document over HTTP at start (its
        # `snapshot` option alone left it empty): serve it from this process on loopback.
        srv = ThreadingHTTPServer(("127.0.0.1", 0), Serve)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        closers.append(srv.shutdown)
        client = FliptClient(ClientOptions(url="http://127.0.0.1:%d" % srv.server_port,
                                           update_interval=timedelta(seconds=3600),
                                           request_timeout=timedelta(seconds=5)))
        closers.append(client.close)
        ctx = flags.flipt_context(attrs)
        expected = flags.flipt_expected(fl, key, attrs)
        add(Slot("flags", "flipt-client evaluate_variant x100",
                 lambda: [client.evaluate_variant(k, key, ctx).variant_key == "on" for k in keys], 1, n,
                 expected, outcome=bool, note="namespace document served on loopback by this process"))

        def batch():
            res = client.evaluate_batch([EvaluationRequest(flag_key=k, entity_id=key, context=ctx) for k in keys])
            return [r.variant_evaluation_response.variant_key == "on" for r in res.responses]
        add(Slot("flags", "flipt-client evaluate_batch", batch, 1, n, expected, outcome=bool,
                 note="one engine call for the 100 flags"))

    return [("eppo-server-sdk", "flags", eppo), ("growthbook", "flags", growthbook), ("flipt-client", "flags", flipt)]


def engage_slots(add, dir, n, closers):
    import engage
    expected = json.loads(read(dir, "expected.json"))
    e = engage.Engine()
    closers.append(e.close)
    e.load_campaigns(read(dir, "campaigns.json"))
    for line in read(dir, "records.jsonl").splitlines():
        if line:
            e.record(line)
    request = read(dir, "request.json")
    ctx = e.context(read(dir, "context.json"))
    closers.append(ctx.close)
    question = read(dir, "question.json")

    def messages(d):
        return len(json.loads(d).get("messages", []))
    want = [expected["messages"]]
    note = "one decision over 100 campaigns (bench/abi inputs, commit false)"
    add(Slot("decision", "libengage Engine.decide_bytes", lambda: e.decide_bytes(request), 1, n, want,
             outcome=messages, note=note))
    add(Slot("decision", "libengage Context.decide_bytes", lambda: ctx.decide_bytes(question), 1, n, want,
             outcome=messages, note=note + "; user context parsed once"))


# ---------------------------------------------------------------------------- timing

def check(slot):
    """Runs the slot once; flags it when its outcomes differ from the truth."""
    got = slot.run()
    if slot.expected is None:
        return
    if slot.workload == "decision":
        got = [got]
    outcomes = [slot.outcome(g) for g in got]
    if len(outcomes) != len(slot.expected):
        slot.status = "WRONG: %d results for %d expected" % (len(outcomes), len(slot.expected))
        return
    same = (lambda a, b: a == b) if slot.workload == "decision" else (lambda a, b: bool(a) == bool(b))
    bad = sum(1 for a, b in zip(outcomes, slot.expected) if not same(a, b))
    if bad:
        slot.status = "WRONG: %d of %d differ from the truth" % (bad, len(slot.expected))


def sample(slot):
    run, n = slot.run, slot.n
    s = [0] * n
    for i in range(n):
        t0 = clock()
        run()
        s[i] = clock() - t0
    return s


def pct(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, (len(sorted_values) - 1) * p // 100)]


def median(values):
    v = sorted(values)
    return v[len(v) // 2] if v else None


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: peers.py INPUTDIR OUT.json\n")
        return 2
    dir, out_path = argv[1], argv[2]
    quick = os.environ.get("PEERS_QUICK", "") not in ("", "0")
    rounds = int(os.environ.get("PEERS_ROUNDS", "30" if quick else "100"))
    budget = float(os.environ.get("PEERS_BUDGET", "45" if quick else "170"))
    n = 15 if quick else 30
    started = time.time()

    campaigns = json.loads(read(dir, "campaigns.json"))
    request = json.loads(read(dir, "request.json"))
    history = [json.loads(l) for l in read(dir, "records.jsonl").splitlines() if l]
    users = rules.logic_users(1000)
    rule_list, data, truth = rules.audience_rules(campaigns, request, history)

    slots, closers = [], []
    add = slots.append
    try:
        engage_slots(add, dir, n, closers)
    except Exception as e:
        sys.stderr.write("peers.py: libengage could not run: %s\n" % why(e))
        return 1
    failed_pip = pip_failures()
    for pkg, workload, setup in (logic_slots(add, users, 2) + rule_slots(add, rule_list, data, truth, n)
                                 + flag_slots(add, request, n, closers)):
        if pkg in failed_pip:
            add(unavailable(workload, pkg, "pip install failed: " + failed_pip[pkg]))
            continue
        before = len(slots)
        try:
            setup()
        except Exception as e:
            del slots[before:]
            add(unavailable(workload, pkg, why(e)))

    # Check once, then warm up; a slot that raises is unavailable from then on.
    for s in slots:
        if s.run is None:
            continue
        try:
            check(s)
            for _ in range(3 if s.workload == "logic" else 20):
                s.run()
        except Exception as e:
            traceback.print_exc(file=sys.stderr)
            s.run, s.status = None, "unavailable: raised " + why(e)
        if s.status != "ok":
            print("%-8s %-48s %s" % (s.workload, s.engine, s.status))

    live = [s for s in slots if s.run is not None]
    done = 0
    t_start = time.time()
    for r in range(rounds):
        if time.time() - t_start > budget:
            print("stopping after %d rounds: the %.0f s budget is spent" % (done, budget))
            break
        k = r % len(live)
        gc.collect()
        gc.disable()
        try:
            for s in live[k:] + live[:k]:
                got = sample(s)
                s.samples += got
                s.round_medians.append(median(got) / s.per)
        finally:
            gc.enable()
        done += 1
    for close in closers:
        try:
            close()
        except Exception:
            pass

    report(slots, done, time.time() - started, out_path, len(users), sum(map(rules.logic_truth, users)))
    return 0


# ---------------------------------------------------------------------------- report

def native_logic():
    path = os.environ.get("ENGAGE_RESULTS", os.path.join(HERE, "..", "results.json"))
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None, path
    items = doc.get("results", doc) if isinstance(doc, dict) else doc
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("name") == "logic, 5-clause audience rule":
            for key in ("median", "p50"):
                v = item.get(key, (item.get("stats") or {}).get(key))
                if isinstance(v, (int, float)):
                    return {"median_ns": float(v), "detail": item.get("detail", "")}, path
    return None, path


def fmt_time(ns):
    if ns is None:
        return "-"
    return "%.1f ns" % ns if ns < 10000 else "%.1f µs" % (ns / 1000)


def fmt_ratio(x):
    if x is None:
        return "-"
    return "%.2fx slower" % x if x >= 1 else "%.2fx faster" % (1 / x)


def report(slots, rounds, elapsed, out_path, n_users, in_audience):
    ref = next(s for s in slots if s.engine == "libengage Engine.decide_bytes")
    native, native_path = native_logic()
    rows = []
    for s in slots:
        row = {"workload": s.workload, "engine": s.engine, "status": s.status, "note": s.note}
        if s.samples:
            v = sorted(x / s.per for x in s.samples)
            row.update(median_ns=median(v), p99_ns=pct(v, 99), samples=len(v),
                       unit="ns per evaluation" if s.workload == "logic" else "ns per user (100 rules/flags)"
                       if s.workload != "decision" else "ns per decision")
            if s.workload == "logic":
                row["vs_libengage"] = row["median_ns"] / native["median_ns"] if native else None
                row["vs_basis"] = "libengage native Rule.evaluate (engage-bench)" if native else "missing"
            else:
                paired = [a / b for a, b in zip(s.round_medians, ref.round_medians)]
                row["vs_libengage"] = median(paired)
                row["vs_basis"] = "median over rounds of the round's median / libengage Engine.decide_bytes"
        rows.append(row)

    print()
    print("peers beside libengage: %d rounds, %.0f s, %s, Python %s" % (
        rounds, elapsed, platform.machine(), platform.python_version()))
    print("%-8s  %-48s %12s %12s  %-16s %s" % ("workload", "engine", "median", "p99", "vs libengage", "status"))
    for row in rows:
        print("%-8s  %-48s %12s %12s  %-16s %s" % (
            row["workload"], row["engine"], fmt_time(row.get("median_ns")), fmt_time(row.get("p99_ns")),
            fmt_ratio(row.get("vs_libengage")) if row["workload"] != "decision" else "",
            row["status"]))
    if native:
        print("logic rows compare with libengage's native Rule.evaluate: %.1f ns (%s, %s)"
              % (native["median_ns"], native_path, native["detail"]))
        # The port of LogicBench's generator must give engage-bench's users: same count.
        m = re.search(r"([\d,]+) in audience", native["detail"])
        if m and int(m.group(1).replace(",", "")) != in_audience:
            print("WARNING: engage-bench counted %s users in the audience, rules.logic_users %d: "
                  "the generators differ" % (m.group(1), in_audience))
            native["generator_mismatch"] = True
    else:
        print("logic: libengage's native figure is missing (no 'logic, 5-clause audience rule' in %s;"
              " run engage-bench first, as make bench does)" % native_path)
    print("rules/flags rows compare with one libengage decision over 100 campaigns (Engine.decide_bytes),"
          " which also runs caps, consent, channels, variants and personalisation")

    doc = {"generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": platform.platform(),
           "python": platform.python_version(), "rounds": rounds, "seconds": round(elapsed, 1),
           "logic_users": n_users, "logic_in_audience": in_audience, "native_logic": native, "rows": rows}
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
