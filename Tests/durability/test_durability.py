#!/usr/bin/env python3
"""Durability of the SQLite store through libengage.so, with real processes.

  python3 Tests/durability/test_durability.py LIBDIR      (LIBDIR holds libengage.so)

1. Crash test: a worker records impressions from 4 threads with sync "always" (two
   threads with engage_record, two as impressions committed by engage_decide) and is
   killed with SIGKILL at a random moment, 50 times (DURABILITY_ROUNDS). After each kill
   every impression it reported as acknowledged is in the file (at most one more per
   thread: a write can land just before its "ack" is printed), and the file passes
   PRAGMA integrity_check.
2. Several processes, one file: 4 processes decide-and-commit at once for the same 10
   users under a lifetime cap of 3; exactly 3 impressions per user in total.
3. Foreign, truncated and damaged files: opening gives an error (exit 3 with a message),
   never a crash.
4. Many processes opening one new file at once (8 processes, 20 new files): every open
   succeeds. The switch to WAL needs the exclusive lock, and SQLite answers one of
   several such connections "database is locked" at once, without its busy handler
   (seen once in 240 opens of that sequence); the store retries it.
"""
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = 0


def check(ok, label, detail=""):
    global failures
    failures += 0 if ok else 1
    print("%s %-58s %s" % ("ok  " if ok else "FAIL", label, detail), flush=True)


def build(libdir, tmp):
    exe = os.path.join(tmp, "worker")
    subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-o", exe, os.path.join(ROOT, "Tests/durability/worker.c"),
                    "-I" + os.path.join(ROOT, "include"), "-L" + libdir, "-Wl,-rpath," + libdir, "-lengage", "-pthread"],
                   check=True)
    return exe


def totals(exe, path, users):
    out = subprocess.run([exe, "export", path] + users, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("export failed (%d): %s %s" % (out.returncode, out.stdout, out.stderr))
    result = {}
    for user, line in zip(users, out.stdout.splitlines()):
        doc = json.loads(line)
        result[user] = sum(i["total"] for i in doc["impressions"] if i["scope"] == "campaign" and i["name"] == "c1")
    return result


def integrity(path):
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def crash_test(exe, tmp, rounds):
    path = os.path.join(tmp, "crash.db")
    users = ["w0", "w1", "w2", "w3"]
    baseline = {u: 0 for u in users}
    rng = random.Random(int(os.environ.get("DURABILITY_SEED", "20261123")))
    acked_total, worst, problems = 0, 0, []
    for r in range(rounds):
        proc = subprocess.Popen([exe, "write", path, str(len(users))], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.05, 0.5))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        if proc.returncode != -signal.SIGKILL:
            problems.append("round %d: worker exited %s before the kill: %s %s" % (r, proc.returncode, out[-300:], err[-300:]))
            break
        acks = {u: 0 for u in users}
        for line in out.decode(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "ack" and parts[1] in acks:
                acks[parts[1]] += 1
        acked_total += sum(acks.values())
        found = totals(exe, path, users)
        for u in users:
            low, high = baseline[u] + acks[u], baseline[u] + acks[u] + 1
            if not low <= found[u] <= high:
                problems.append("round %d: %s has %d impressions, acknowledged %d (range %d..%d)" % (r, u, found[u], acks[u], low, high))
            worst = max(worst, found[u] - low)
        baseline = found
        state = integrity(path)
        if state != "ok":
            problems.append("round %d: integrity_check: %s" % (r, state))
    check(not problems and acked_total > 0,
          "%d SIGKILLs: every acknowledged impression survives" % rounds,
          "%d acknowledged, at most %d unacknowledged landed per user%s" % (acked_total, worst, "; " + "; ".join(problems[:3]) if problems else ""))
    check(not any("integrity" in p for p in problems), "the file passes integrity_check after every kill")


def processes_share_caps(exe, tmp):
    path = os.path.join(tmp, "shared.db")
    campaigns = os.path.join(ROOT, "examples/c-host/corpus/valid-cap3-set.json")
    procs = [subprocess.Popen([exe, "decide", path, campaigns, "6"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    shown, errors = 0, []
    for p in procs:
        out, err = p.communicate(timeout=120)
        if p.returncode != 0 or not out.startswith("shown "):
            errors.append("exit %s: %s %s" % (p.returncode, out[-200:], err[-200:]))
        else:
            shown += int(out.split()[1])
    users = ["u%d" % i for i in range(10)]
    out = subprocess.run([exe, "export", path] + users, capture_output=True, text=True, timeout=60)
    per_user = [sum(i["total"] for i in json.loads(line)["impressions"] if i["scope"] == "campaign")
                for line in out.stdout.splitlines()]
    check(not errors and shown == 30 and per_user == [3] * 10,
          "4 processes, 10 users, lifetime cap 3 -> exactly 3 each",
          "%d shown, per user %s %s" % (shown, per_user, errors[:2]))


def concurrent_first_opens(exe, tmp, rounds=20, processes=8):
    failed = []
    for r in range(rounds):
        path = os.path.join(tmp, "new-%d.db" % r)
        procs = [subprocess.Popen([exe, "open", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(processes)]
        for p in procs:
            out, err = p.communicate(timeout=60)
            if p.returncode != 0 or not out.startswith("open ok"):
                failed.append("exit %s: %s %s" % (p.returncode, out.strip()[-160:], err.strip()[-80:]))
    check(not failed, "%d processes opening one new file at once, %d files: every open succeeds" % (processes, rounds),
          "%d failed: %s" % (len(failed), failed[:2]))


def bad_files(exe, tmp):
    good = os.path.join(tmp, "crash.db")
    sqlite3.connect(good).execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    data = open(good, "rb").read()
    cases = {
        "text file": b"these are not the bytes you are looking for\n" * 200,
        "truncated store": data[: len(data) // 2],
        "noise in a page": data[:4096] + bytes((i * 7) & 0xFF for i in range(4096)) + data[8192:],
        "another application's database": None,
    }
    for name, content in cases.items():
        path = os.path.join(tmp, name.replace(" ", "-").replace("'", "") + ".db")
        if content is None:
            db = sqlite3.connect(path)
            db.execute("CREATE TABLE notes (x)")
            db.commit()
            db.close()
        else:
            open(path, "wb").write(content)
        out = subprocess.run([exe, "open", path], capture_output=True, text=True, timeout=60)
        check(out.returncode == 3 and "store error" in out.stdout and path in out.stdout,
              "open a %s: an error naming the file" % name, out.stdout.strip()[:150] or "exit %d" % out.returncode)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    libdir = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="engage-durability-")
    try:
        exe = build(libdir, tmp)
        started = time.time()
        crash_test(exe, tmp, int(os.environ.get("DURABILITY_ROUNDS", "50")))
        processes_share_caps(exe, tmp)
        concurrent_first_opens(exe, tmp)
        bad_files(exe, tmp)
        print("durability: %d failed, %.0fs" % (failures, time.time() - started))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
