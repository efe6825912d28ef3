#!/usr/bin/env python3
"""The gateway contract, black box: one suite run against examples/nginx and
examples/go-gateway (docs: examples/go-gateway/README.md, examples/nginx/README.md).

    suite.py nginx|go [...]     (the Go gateway's binary: $GO_GATEWAY, else
                                 examples/go-gateway/go-gateway)

Each gateway runs as a real process on 127.0.0.1 in front of an echo upstream, with an
SQLite store (nginx: 4 workers sharing the file), campaigns.json and an admin token.
"""
import json
import sys
import threading
import time

from harness import (ADMIN_TOKEN, Failure, Gateway, Upstream, check, engage_headers, metric,
                     page, parse_prometheus, request, run_tests)

SQLITE = {"store": {"kind": "sqlite", "path": "@DIR@/state.db", "sync": "batch"}}
NUDGE = {"campaign": "plan-change-nudge", "channel": "in_app",
         "payload": {"title": "A 5G plan that fits how you use data", "link": "/plans/5g"}}
AUTH = [("Authorization", "Bearer " + ADMIN_TOKEN)]


class Run:
    """One gateway under test, and the page requests made so far by X-Engage-Status
    (what /metrics must add up to)."""

    def __init__(self, gw, upstream):
        self.gw, self.port, self.upstream = gw, gw.port, upstream
        self.pages = {}
        self.pids = sorted(gw.health["pids"])

    def page(self, path, uid=None, expect=None, **kw):
        r = page(self.port, path, uid, **kw)
        check(r.status == 200, "%s: status %d: %s" % (path, r.status, r.body[:300]))
        h = engage_headers(r)
        status = h.get("x-engage-status", [None])
        check(len(status) == 1, "%s: X-Engage-Status sent %d times: %r" % (path, len(status), status))
        self.pages[status[0]] = self.pages.get(status[0], 0) + 1
        if expect is not None:
            check(status[0] == expect, "%s: X-Engage-Status %r, want %r (%r)" % (path, status[0], expect, h))
        return r, h

    def decision(self, h):
        check(len(h.get("x-engage-decision", [])) == 1, "one X-Engage-Decision expected: %r" % h)
        v = h["x-engage-decision"][0]
        check(all(0x20 <= ord(c) < 0x7f for c in v), "X-Engage-Decision is not printable ASCII: %r" % v)
        return json.loads(v)


def test_health_lists_every_worker(run):
    r = request(run.port, "GET", "/engage/health")
    check(r.status == 200, "health %d" % r.status)
    h = r.json()
    check(h["status"] == "ok" and h["ready"] == h["workers"] == len(h["pids"]) >= 1, "health: %r" % h)
    check(r.header("Content-Type").startswith("application/json"), "health content type")


def test_page_carries_the_decision_and_the_cap_holds(run):
    _, h = run.page("/plans", "cap-u1", expect="decided")
    check(run.decision(h) == [NUDGE], "first /plans: %r" % h)
    check("x-engage-dropped" not in h and "x-engage-error" not in h, "extra headers: %r" % h)
    # Once a day, across every worker (nginx: 4 processes on one SQLite file).
    for i in range(6):
        _, h = run.page("/plans", "cap-u1", expect="decided")
        check(run.decision(h) == [], "visit %d after the cap: %r" % (i + 2, h))


def test_no_consent_no_marketing(run):
    _, h = run.page("/plans", "consent-u1", consent=None, expect="decided")
    check(run.decision(h) == [], "marketing without consent: %r" % h)


def test_no_user_and_not_a_page(run):
    r, h = run.page("/plans", None, expect="no-user")
    check(set(h) == {"x-engage-status"}, "no-user sends only the status: %r" % h)
    r = request(run.port, "POST", "/plans", [("Cookie", "engage_uid=post-u1")], body="a=1&b=2")
    check(r.status == 200, "POST page %d" % r.status)
    h = engage_headers(r)
    run.pages["not-a-page"] = run.pages.get("not-a-page", 0) + 1
    check(h == {"x-engage-status": ["not-a-page"]}, "POST: %r" % h)
    check(r.json()["body"] == "a=1&b=2" and r.json()["method"] == "POST", "POST body passed: %r" % r.json())


def test_non_ascii_payload_escaped(run):
    _, h = run.page("/intl", "intl-u1", expect="decided")
    v = h["x-engage-decision"][0]
    for raw in ("<", ">", "&", "\\/"):
        check(raw not in v, "%r in X-Engage-Decision: %s" % (raw, v))
    check("\\u003cb\\u003e" in v and "\\ud83c\\udf89" in v.lower(), "escapes: %s" % v)
    d = run.decision(h)
    check(d == [{"campaign": "intl-welcome", "channel": "in_app",
                 "payload": {"text": "Café <b>&</b> 안녕 🎉", "link": "/intl?a=1&b=2"}}], "decoded: %r" % d)


def test_placements_and_upstream_response_unchanged(run):
    r = page(run.port, "/status/404?q=1", "up-u1")
    run.pages["decided"] = run.pages.get("decided", 0) + 1
    check(r.status == 404, "upstream status not passed: %d" % r.status)
    check(r.header("X-Upstream") == "echo", "upstream header lost: %r" % r.headers)
    body = r.json()
    check(body["path"] == "/status/404?q=1" and body["method"] == "GET", "request passed: %r" % body)


def test_spoofed_headers_never_reach_upstream(run):
    # 150 copies of each header (past ngx.req.get_headers' 100), with and without a user.
    forged = []
    for i in range(150):
        for name in ("X-Engage-Status", "X-Engage-Decision", "X-Engage-Dropped", "X-Engage-Error"):
            forged.append((name, "forged-%d" % i))
    for uid, status in (("spoof-u1", "decided"), (None, "no-user")):
        r, h = run.page("/plans", uid, headers=forged, expect=status)
        check(not any("forged" in v for vs in h.values() for v in vs), "forged value passed: %r" % h)
        check(all(len(vs) == 1 for vs in h.values()), "a header sent twice: %r" % h)
    # Other headers still pass, all 150 of them.
    many = [("X-Other-%d" % i, "v%d" % i) for i in range(150)]
    r, h = run.page("/", "spoof-u2", headers=many, expect="decided")
    got = [k for k, _ in r.json()["headers"] if k.lower().startswith("x-other-")]
    check(len(got) == 150, "X-Other-* passed: %d of 150" % len(got))


def test_decision_error_passes_the_page(run):
    _, h = run.page("/plans", "x" * 300, expect="error")
    e = h.get("x-engage-error", [""])[0]
    check(e == "engage: user_id: must be at most 256 bytes without NUL [invalid_request] (invalid request)",
          "X-Engage-Error: %r" % e)
    check("x-engage-decision" not in h, "no decision on error: %r" % h)


def test_decide_endpoint(run):
    body = json.dumps({"user_id": "api-u1", "placements": ["site_banner"],
                       "consent": {"service": True}, "app": {"foreground": True}})
    r = request(run.port, "POST", "/engage/decide", body=body)
    check(r.status == 200, "decide %d: %s" % (r.status, r.body))
    d = r.json()
    check(d["user_id"] == "api-u1" and [m["campaign"] for m in d["messages"]] == ["maintenance-notice"],
          "decision: %s" % r.body)
    r = request(run.port, "GET", "/engage/decide")
    check(r.status == 405, "GET /engage/decide: %d" % r.status)


def test_malformed_bodies_400_with_the_path(run):
    cases = [
        ("/engage/decide", '{"user_id": 5}', "user_id"),
        ("/engage/decide", '{"user_id": "m1", "placements": ["a", 7]}', "placements[1]"),
        ("/engage/decide", '{"user_id": "m1", "placements": ["site_banner"], "channels": ["in_app", "fax"]}',
         "channels[1]"),
        ("/engage/decide", '{"user_id": "m1", "event": {"name": "page_view", "properties": []}}', "event.properties"),
        ("/engage/events", '{"user_id": "m1", "type": "impression"}', "campaign"),
        ("/engage/events", '{"user_id": "m1", "type": "event", "name": 3, "time": 1}', "name"),
    ]
    for path, body, want in cases:
        r = request(run.port, "POST", path, body=body)
        check(r.status == 400, "%s %s: %d %s" % (path, body, r.status, r.body))
        e = r.json()
        check(e.get("status") == "invalid request" and isinstance(e.get("path"), str), "%s: %s" % (body, r.body))
        if want is not None:
            check(e["path"] == want, "%s: path %r, want %r" % (body, e["path"], want))
        else:
            check(e["path"] != "", "%s: no path: %s" % (body, r.body))
    for body in ('{"user_id": ', "[1, 2", "\xff\xfe", ""):
        r = request(run.port, "POST", "/engage/decide", body=body.encode("latin-1"))
        check(r.status == 400, "%r: %d %s" % (body, r.status, r.body))
        e = r.json()
        check(e.get("code") and e.get("message"), "%r: %s" % (body, r.body))


def test_events_recorded_and_exported(run):
    ev = {"user_id": "ev-u1", "type": "event", "name": "plan_compare", "time": 1795140000000,
          "properties": {"plan": "5G"}}
    r = request(run.port, "POST", "/engage/events", body=json.dumps(ev))
    check(r.status == 200 and r.json().get("status") == "ok", "events: %d %s" % (r.status, r.body))
    r = request(run.port, "GET", "/engage/users/ev-u1", AUTH)
    check(r.status == 200, "export %d" % r.status)
    check("plan_compare" in r.body, "the event is not in the export: %s" % r.body[:500])


def test_admin_refused_without_token(run):
    for method in ("GET", "DELETE"):
        for headers in ([], [("Authorization", "Bearer wrong")], [("Authorization", ADMIN_TOKEN)]):
            r = request(run.port, method, "/engage/users/cap-u1", headers)
            check(r.status == 403 and r.json()["code"] == "forbidden", "%s %r: %d" % (method, headers, r.status))
    r = request(run.port, "PUT", "/engage/users/cap-u1", AUTH, body="{}")
    check(r.status == 405, "PUT: %d" % r.status)


def test_erase_and_export(run):
    r = request(run.port, "GET", "/engage/users/cap-u1", AUTH)
    check(r.status == 200, "export %d" % r.status)
    x = r.json()
    shown = [i for i in x["impressions"] if i["scope"] == "campaign" and i["name"] == "plan-change-nudge"]
    check(len(shown) == 1 and shown[0]["total"] == 1, "the capped nudge in the export: %r" % x["impressions"])
    r = request(run.port, "DELETE", "/engage/users/cap-u1", AUTH)
    check(r.status == 200, "erase %d: %s" % (r.status, r.body))
    if run.gw.kind == "nginx":
        # Workers share one SQLite file; a worker other than the one that erased may
        # serve its cached copy for up to cache_ttl_ms (default 1 s, docs/state.md)
        # before it reads the file again. After that, every worker sees the erasure.
        time.sleep(1.3)
    r = request(run.port, "GET", "/engage/users/cap-u1", AUTH)
    check(r.status == 200 and r.json()["impressions"] == [], "after erase: %s" % r.body[:300])
    # Erased on every worker: the nudge is shown again, once.
    _, h = run.page("/plans", "cap-u1", expect="decided")
    check(run.decision(h) == [NUDGE], "after erase: %r" % h)
    _, h = run.page("/plans", "cap-u1", expect="decided")
    check(run.decision(h) == [], "capped again: %r" % h)


def test_concurrent_pages_cap_exact(run):
    # 16 users x 24 concurrent page views: each user sees the nudge exactly once.
    shown, errors = {}, []
    lock = threading.Lock()

    def worker(i):
        uid = "conc-u%d" % (i % 16)
        try:
            r = page(run.port, "/plans", uid)
            h = engage_headers(r)
            n = sum(1 for m in json.loads(h["x-engage-decision"][0]) if m["campaign"] == "plan-change-nudge")
            with lock:
                shown[uid] = shown.get(uid, 0) + n
                run.pages[h["x-engage-status"][0]] = run.pages.get(h["x-engage-status"][0], 0) + 1
        except Exception as e:
            with lock:
                errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16 * 24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    check(not errors, "errors: %r" % errors[:3])
    check(shown == {"conc-u%d" % i: 1 for i in range(16)}, "nudges per user: %r" % shown)


def test_metrics_add_up(run):
    # nginx workers publish every second: wait for the sums to reach what was sent.
    import time
    deadline = time.monotonic() + 5
    while True:
        r = request(run.port, "GET", "/metrics")
        check(r.status == 200, "metrics %d" % r.status)
        check(r.header("Content-Type").startswith("text/plain; version=0.0.4"), "content type %r" % r.header("Content-Type"))
        samples, types = parse_prometheus(r.body)
        got = {s: metric(samples, "engage_gateway_pages_total", status=s) for s in run.pages}
        if got == {s: float(n) for s, n in run.pages.items()} or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    check(got == {s: float(n) for s, n in run.pages.items()}, "pages_total %r, sent %r" % (got, run.pages))
    check(types.get("engage_gateway_pages_total") == "counter", "types: %r" % types)
    workers = metric(samples, "engage_gateway_workers")
    check(workers == len(run.pids) and metric(samples, "engage_gateway_workers_ready") == workers,
          "workers: %r" % workers)
    check(metric(samples, "engage_gateway_api_requests_total", endpoint="users", code="403") >= 6,
          "the 403s are counted")
    check(metric(samples, "engage_gateway_campaign_loads_total", result="ok") == workers,
          "one load per worker: %r" % metric(samples, "engage_gateway_campaign_loads_total", result="ok"))


def test_worker_pids_unchanged(run):
    r = request(run.port, "GET", "/engage/health")
    check(r.status == 200, "health %d" % r.status)
    check(sorted(r.json()["pids"]) == run.pids, "worker pids changed: %r -> %r" % (run.pids, r.json()["pids"]))


TESTS = [test_health_lists_every_worker, test_page_carries_the_decision_and_the_cap_holds,
         test_no_consent_no_marketing, test_no_user_and_not_a_page, test_non_ascii_payload_escaped,
         test_placements_and_upstream_response_unchanged, test_spoofed_headers_never_reach_upstream,
         test_decision_error_passes_the_page, test_decide_endpoint, test_malformed_bodies_400_with_the_path,
         test_events_recorded_and_exported, test_admin_refused_without_token, test_erase_and_export,
         test_concurrent_pages_cap_exact, test_metrics_add_up, test_worker_pids_unchanged]


def main(kinds):
    failed = 0
    for kind in kinds:
        up = Upstream()
        try:
            gw = Gateway(kind, up.url, config=SQLITE, workers=4)
        except Failure as e:
            print("FAIL %s: start: %s" % (kind, e))
            up.close()
            failed += 1
            continue
        try:
            failed += run_tests("gateway[%s]" % kind, TESTS, Run(gw, up))
            if kind == "nginx":
                log = gw.error_log()
                bad = [l for l in log.splitlines() if "[alert]" in l or "[crit]" in l or "exited on signal" in l]
                if bad:
                    print("FAIL gateway[nginx] error log: %s" % bad[:3])
                    failed += 1
        finally:
            gw.stop()
            up.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["nginx", "go"]))
