#!/usr/bin/env python3
"""Instructions and mallocs per call of bench/abi/one.c, counted by callgrind (issue 15).

    instructions.py profile ONE INPUTDIR KIND N1 N2    figures and the top 10 of one kind
    instructions.py check ONE INPUTDIR BASELINE.json MARGIN
                                                     every kind against the baseline
    instructions.py baseline ONE INPUTDIR BASELINE.json N1 N2
                                                     measures every kind, rewrites the file

ONE is the built driver, INPUTDIR what bench/abi/inputs.py wrote (scripts/profile.sh
makes both). Each kind runs twice under `valgrind --tool=callgrind`, with N1 and N2
calls; the setup (engine, campaign set, history) is the same in both, so

    instructions per call = (Ir(N2) - Ir(N1)) / (N2 - N1)
    mallocs per call      = (A(N2) - A(N1)) / (N2 - N1)

where A counts the calls callgrind saw to malloc, calloc, realloc, posix_memalign,
aligned_alloc and memalign (the ways libengage's Swift runtime and the C library take
heap memory). Instruction counts, not time: they repeat to a few instructions from run
to run (SWIFT_DETERMINISTIC_HASHING=1 fixes the hash seed, which otherwise moves them by
~0.02 %), where wall-clock medians on a shared machine drift by 2x.

`check` fails (status 1) when a kind's instructions or mallocs per call exceed
MARGIN x the baseline, or when its decision no longer shows the baseline's number of
messages (a cheaper decision that shows nothing would pass otherwise). A kind 5 % or
more below its baseline passes with a note: lower the bar on purpose with
`make perf-baseline`, which runs `baseline`.

Environment: VALGRIND (valgrind), PROFILE_JOBS callgrind runs at once (2),
SWIFT_DEMANGLE (a swift-demangle for the top 10's names; found beside `swift` if unset).
"""

import concurrent.futures
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

KINDS = ("decide", "context", "history", "history-64")
ALLOCATORS = {"malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign"}
TOP = 10
# Functions whose inclusive cost per call is at least this share of the call are the call
# chain from main down to the façade (main, engage_decide, its thunks): named on one line
# above the table, which then shows what the call spends its instructions on.
CHAIN_SHARE = 0.98
# A kind this far below its baseline is a gain worth locking in (runs repeat to ~0.01 %).
GAIN = 0.95


class Run:
    """One callgrind run of `one KIND N`: its totals and output file."""

    def __init__(self, kind, n, out_file, decision):
        self.kind, self.n, self.out_file, self.decision = kind, n, out_file, decision
        self.instructions, self.by_allocator = read_totals(out_file)
        self.allocations = sum(self.by_allocator.values())


def read_totals(path):
    """(Ir total, {allocator: calls}) of a callgrind output file. Names are compressed
    (`fn=(12) malloc` the first time, `cfn=(12)` after), so ids are resolved as read."""
    names, total, allocations, callee = {}, None, dict.fromkeys(sorted(ALLOCATORS), 0), None
    name_re = re.compile(r"^c?fn=\((\d+)\)(?: (.*))?$")
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(("fn=", "cfn=")):
                m = name_re.match(line.rstrip("\n"))
                if m:
                    if m.group(2) is not None:
                        names[m.group(1)] = m.group(2)
                    callee = names.get(m.group(1)) if line.startswith("cfn=") else None
            elif line.startswith("calls=") and callee is not None:
                allocator = callee.split("'")[0]  # malloc'2: a recursion level
                if allocator in ALLOCATORS:
                    allocations[allocator] += int(line.split()[0][len("calls="):])
                callee = None
            elif line.startswith(("summary:", "totals:")) and total is None:
                total = int(line.split()[1])
    if total is None:
        raise SystemExit("instructions.py: no totals in %s" % path)
    return total, allocations


def callgrind(one, inputs, kind, n, folder):
    out_file = os.path.join(folder, "callgrind.%s.%d" % (kind, n))
    env = dict(os.environ, SWIFT_DETERMINISTIC_HASHING="1")
    cmd = [os.environ.get("VALGRIND", "valgrind"), "--tool=callgrind", "--callgrind-out-file=" + out_file,
           one, kind, str(n), inputs]
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if done.returncode != 0:
        raise SystemExit("instructions.py: `%s` failed (status %d):\n%s" % (
            " ".join(cmd), done.returncode, done.stderr.decode(errors="replace")[-3000:]))
    decision = json.loads(done.stdout.decode().splitlines()[0])
    return Run(kind, n, out_file, decision)


def measure(one, inputs, kinds, n1, n2, folder):
    """{kind: (run N1, run N2)}, the runs PROFILE_JOBS at a time."""
    jobs = max(1, int(os.environ.get("PROFILE_JOBS", "2")))
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futures = {(k, n): pool.submit(callgrind, one, inputs, k, n, folder) for k in kinds for n in (n1, n2)}
        return {k: (futures[(k, n1)].result(), futures[(k, n2)].result()) for k in kinds}


def figures(a, b):
    """Steady-state figures per call from runs a (N1) and b (N2)."""
    calls = b.n - a.n
    return {
        "instructions_per_call": round((b.instructions - a.instructions) / calls),
        "mallocs_per_call": round((b.allocations - a.allocations) / calls, 1),
        "by_allocator": {k: round((b.by_allocator[k] - a.by_allocator[k]) / calls, 1)
                         for k in sorted(ALLOCATORS) if b.by_allocator[k] != a.by_allocator[k]},
        "messages": len(b.decision.get("messages", [])),
        "decision_bytes": len(json.dumps(b.decision, separators=(",", ":"), ensure_ascii=False).encode()),
    }


# --- the top 10 ------------------------------------------------------------------------

ANNOTATE_LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$")


def annotate(path, inclusive):
    """{function: Ir} from callgrind_annotate, inclusive or self. A function whose code
    comes from several files (inlining) is listed once per file; with --inclusive=yes
    those rows overlap (a call's cost is counted under more than one), so a function
    keeps its largest row, which is the whole of it. Self rows do not overlap: summed."""
    done = subprocess.run(["callgrind_annotate", "--inclusive=" + ("yes" if inclusive else "no"),
                           "--threshold=100", "--auto=no", path],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    table, started = {}, False
    for line in done.stdout.decode(errors="replace").splitlines():
        if "file:function" in line:
            started = True
            continue
        m = ANNOTATE_LINE.match(line) if started else None
        if m:
            function = m.group(2).split(":", 1)[-1].rsplit(" [", 1)[0]
            ir = int(m.group(1).replace(",", ""))
            table[function] = max(table.get(function, 0), ir) if inclusive else table.get(function, 0) + ir
    return table


def demangler():
    found = os.environ.get("SWIFT_DEMANGLE") or shutil.which("swift-demangle")
    swift = shutil.which("swift") or "/opt/swift/usr/bin/swift"
    beside = os.path.join(os.path.dirname(os.path.realpath(swift)), "swift-demangle")
    return found or (beside if os.access(beside, os.X_OK) else None)


def demangle(names):
    tool = demangler()
    if not tool or not names:
        return names
    done = subprocess.run([tool, "--simplified"], input="\n".join(names).encode(), stdout=subprocess.PIPE)
    lines = done.stdout.decode(errors="replace").splitlines()
    return lines if done.returncode == 0 and len(lines) == len(names) else names


def top(a, b, per_call):
    """The functions with the highest inclusive instructions per call (N1 -> N2)."""
    ia, ib = annotate(a.out_file, True), annotate(b.out_file, True)
    sa, sb = annotate(a.out_file, False), annotate(b.out_file, False)
    calls = b.n - a.n
    rows = sorted(((ib[f] - ia.get(f, 0)) / calls, ib[f], f, (sb.get(f, 0) - sa.get(f, 0)) / calls) for f in ib)
    rows = [r for r in reversed(rows) if r[0] > 0]
    chain = sorted((r for r in rows if r[0] >= CHAIN_SHARE * per_call), key=lambda r: -r[1])  # outermost first
    rest = [r for r in rows if r[0] < CHAIN_SHARE * per_call][:TOP]
    names = demangle([r[2] for r in chain + rest])
    return names[:len(chain)], [(r[0], r[3], r[1], n) for r, n in zip(rest, names[len(chain):])]


def short(name, width=100):
    return name if len(name) <= width else name[:width - 1] + "…"


# --- the commands -------------------------------------------------------------------------

def profile(one, inputs, kind, n1, n2):
    folder = os.environ.get("PROFILE_KEEP") or tempfile.mkdtemp(prefix="engage-profile.")
    os.makedirs(folder, exist_ok=True)
    try:
        a, b = measure(one, inputs, [kind], n1, n2, folder)[kind]
        f = figures(a, b)
        print("one %s: steady state over N = %d -> %d calls (callgrind; Ir %s -> %s)" % (
            kind, n1, n2, "{:,}".format(a.instructions), "{:,}".format(b.instructions)))
        print("  instructions per call  %12s" % "{:,}".format(f["instructions_per_call"]))
        print("  mallocs per call       %12s (%s)" % ("{:,.1f}".format(f["mallocs_per_call"]), ", ".join(
            "%s %s" % (k, "{:,.1f}".format(v)) for k, v in f["by_allocator"].items())))
        print("  decision               %12s bytes, %d messages" % ("{:,}".format(f["decision_bytes"]), f["messages"]))
        chain, rows = top(a, b, f["instructions_per_call"])
        print()
        print("top %d functions by inclusive instructions per call (callgrind_annotate --inclusive=yes,"
              " N = %d run minus N = %d run, / %d), below the call chain:" % (TOP, n2, n1, n2 - n1))
        print("  " + short(" > ".join(short(c, 40) for c in chain), 200))
        print("  %12s %6s %10s %14s  %s" % ("instr/call", "share", "self/call", "Ir (N=%d)" % n2, "function"))
        for per_call, own, total, name in rows:
            print("  %12s %5.1f%% %10s %14s  %s" % (
                "{:,.0f}".format(per_call), 100 * per_call / f["instructions_per_call"], "{:,.0f}".format(own),
                "{:,}".format(total), short(name)))
        if os.environ.get("PROFILE_KEEP"):
            print("\ncallgrind files kept in %s (callgrind_annotate, kcachegrind)" % folder)
    finally:
        if not os.environ.get("PROFILE_KEEP"):
            shutil.rmtree(folder, ignore_errors=True)
    return 0


def check(one, inputs, baseline_path, margin):
    with open(baseline_path) as f:
        baseline = json.load(f)
    n1, n2 = baseline["n"]
    kinds = list(baseline["kinds"])
    with tempfile.TemporaryDirectory(prefix="engage-perf-check.") as folder:
        runs = measure(one, inputs, kinds, n1, n2, folder)
    print("instructions and mallocs per call (callgrind, N = %d -> %d) against %s, margin %.2fx" % (
        n1, n2, os.path.relpath(baseline_path), margin))
    print("  %-11s %12s %12s %6s   %9s %9s %6s   %s" % ("kind", "instr/call", "baseline", "ratio",
                                                       "mallocs", "baseline", "ratio", "messages"))
    failures, faster = [], []
    for kind in kinds:
        now, was = figures(*runs[kind]), baseline["kinds"][kind]
        ratios = [now[k] / was[k] if was[k] else float(now[k] > 0) for k in ("instructions_per_call", "mallocs_per_call")]
        print("  %-11s %12s %12s %5.2fx   %9.1f %9.1f %5.2fx   %d (baseline %d)" % (
            kind, "{:,}".format(now["instructions_per_call"]), "{:,}".format(was["instructions_per_call"]), ratios[0],
            now["mallocs_per_call"], was["mallocs_per_call"], ratios[1], now["messages"], was["messages"]))
        for what, ratio in zip(("instructions", "mallocs"), ratios):
            if ratio > margin:
                failures.append("%s: %s per call %.2fx the baseline (over %.2fx)" % (kind, what, ratio, margin))
        if now["messages"] != was["messages"]:
            failures.append("%s: the decision shows %d messages, the baseline's %d: it measures another decision"
                            % (kind, now["messages"], was["messages"]))
        if ratios[0] < GAIN:
            faster.append(kind)
    if faster:
        print("note: %s %.0f%%+ below the baseline: lock the gain in with `make perf-baseline`"
              " (and commit %s)" % (", ".join(faster), 100 * (1 - GAIN), os.path.relpath(baseline_path)))
    for failure in failures:
        print("FAIL: " + failure, file=sys.stderr)
    return 1 if failures else 0


def rewrite_baseline(one, inputs, baseline_path, n1, n2):
    with tempfile.TemporaryDirectory(prefix="engage-perf-baseline.") as folder:
        runs = measure(one, inputs, KINDS, n1, n2, folder)
    version = subprocess.run([os.environ.get("VALGRIND", "valgrind"), "--version"], stdout=subprocess.PIPE)
    commit = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(baseline_path)), "rev-parse", "--short", "HEAD"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    doc = {
        "about": "Instructions and mallocs per call of bench/abi/one.c under callgrind, steady state "
                 "(Ir(N2) - Ir(N1)) / (N2 - N1); `make perf-check` fails above PERF_MARGIN x these. "
                 "Written by `make perf-baseline`: rerun it when a change makes a kind cheaper on purpose.",
        "measured": {"commit": commit.stdout.decode().strip() or None,
                     "date": datetime.date.today().isoformat(),
                     "valgrind": version.stdout.decode().strip(),
                     "machine": os.uname().machine},
        "n": [n1, n2],
        "kinds": {k: figures(*runs[k]) for k in KINDS},
    }
    with open(baseline_path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    for k, fig in doc["kinds"].items():
        print("  %-11s %12s instructions/call %9.1f mallocs/call  %d messages" % (
            k, "{:,}".format(fig["instructions_per_call"]), fig["mallocs_per_call"], fig["messages"]))
    print("wrote %s" % baseline_path)
    return 0


def main(argv):
    usage = __doc__.split("\n\n")[1]
    try:
        if len(argv) == 7 and argv[1] == "profile" and argv[4] in KINDS:
            n1, n2 = int(argv[5]), int(argv[6])
            if 1 <= n1 < n2:
                return profile(argv[2], argv[3], argv[4], n1, n2)
        elif len(argv) == 6 and argv[1] == "check":
            return check(argv[2], argv[3], argv[4], float(argv[5]))
        elif len(argv) == 7 and argv[1] == "baseline":
            n1, n2 = int(argv[5]), int(argv[6])
            if 1 <= n1 < n2:
                return rewrite_baseline(argv[2], argv[3], argv[4], n1, n2)
    except ValueError:
        pass
    sys.stderr.write("usage:\n%s\n(KIND: %s; 1 <= N1 < N2)\n" % (usage, ", ".join(KINDS)))
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
