#!/usr/bin/env python3
"""The Python driver of the ABI benchmark (bench/abi/run.sh): the cost of one decision
through the Python binding (bindings/python, ctypes).

    PYTHONPATH=bindings/python ENGAGE_LIB=/path/to/libengage.so \\
        python3 bench/abi/decide.py INPUTDIR N WARMUP OUT.json

Reads the inputs written by bench/abi/inputs.py, opens an engine with defaults, loads
campaigns.json, applies records.jsonl, opens a context on context.json, then makes
WARMUP untimed and N timed rounds of these calls, interleaved so noise hits each alike:

    Engine.decide_bytes    request.json as bytes in, bytes out
    Engine.decide          the request as a dict in, a dict out (json encode + decode)
    Context.decide_bytes   question.json asked in the context, bytes in, bytes out
    Context.decide         the question as a dict in, a dict out

(the Context calls only when the binding has ``Engine.context``). Each call is timed
alone with time.perf_counter_ns. Every timed call must succeed and return the first
decision again (as many bytes, or an equal dict), or the driver stops with status 1: a
benchmark of an error path is worthless. Prints the median and p99 of each call in µs
and writes OUT.json in decide.c's format, which bench/abi/report.py reads.
"""

import json
import os
import sys
import time

import engage


def read(dir, name):
    with open(os.path.join(dir, name), "rb") as f:
        return f.read()


def main(argv):
    if len(argv) != 5:
        sys.stderr.write("usage: decide.py INPUTDIR N WARMUP OUT.json\n")
        return 2
    dir, n, warmup, out_path = argv[1], int(argv[2]), int(argv[3]), argv[4]
    if n < 1 or warmup < 0:
        sys.stderr.write("decide.py: N must be >= 1 and WARMUP >= 0\n")
        return 2

    with engage.Engine() as e:
        e.load_campaigns(read(dir, "campaigns.json"))
        for line in read(dir, "records.jsonl").splitlines():
            if line:
                e.record(line)
        request = read(dir, "request.json")
        request_dict = json.loads(request)
        calls = [
            ("Engine.decide_bytes", lambda: e.decide_bytes(request)),
            ("Engine.decide (dict)", lambda: e.decide(request_dict)),
        ]
        ctx = None
        if hasattr(engage.Engine, "context"):
            ctx = e.context(read(dir, "context.json"))
            question = read(dir, "question.json")
            question_dict = json.loads(question)
            calls += [
                ("Context.decide_bytes", lambda: ctx.decide_bytes(question)),
                ("Context.decide (dict)", lambda: ctx.decide(question_dict)),
            ]
        else:
            print("python: the binding has no Engine.context; context calls not measured")

        firsts = [do() for _, do in calls]
        for _ in range(warmup):
            for _, do in calls:
                do()
        samples = [[0] * n for _ in calls]
        clock = time.perf_counter_ns
        for i in range(n):
            for c, (name, do) in enumerate(calls):
                t0 = clock()
                d = do()
                samples[c][i] = clock() - t0
                first = firsts[c]
                if (len(d) != len(first)) if isinstance(d, bytes) else (d != first):
                    sys.stderr.write("decide.py: %s returned %r, the first call %r\n" % (name, d, first))
                    return 1
        if ctx is not None:
            ctx.close()

    results = []
    for (name, _), first, s in zip(calls, firsts, samples):
        results.append({"call": name, "samples_ns": s,
                        "decision": json.loads(first) if isinstance(first, bytes) else first})
        s = sorted(s)
        print("python  %-34s median %8.1f us  p99 %8.1f us"
              % (name, s[len(s) // 2] / 1e3, s[(len(s) - 1) * 99 // 100] / 1e3))
    with open(out_path, "w") as f:
        json.dump({"binding": "python", "calls": results}, f)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
