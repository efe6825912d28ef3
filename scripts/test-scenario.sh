#!/usr/bin/env bash
# The telco scenario end to end, as `make test` runs it:
#   engage generate   same seed → same bytes, another seed → other bytes;
#   engage simulate   same report, log and HTML on 1 and 2 threads; the business rules
#                     of Tests/scenario/test_business_rules.py hold on its output, and
#                     each rule catches a planted violation (--self-test);
#   engage explain    --events: a replayed user's decision, step by step;
#   the HTML report   opened in headless Chromium (scripts/test-report-browser.sh).
# Usage: scripts/test-scenario.sh PATH-TO-ENGAGE-CLI [USERS]
set -euo pipefail

bin=${1:?usage: $0 PATH-TO-ENGAGE-CLI [USERS]}
users=${2:-2000}
root=$(cd "$(dirname "$0")/.." && pwd)
campaigns="$root/examples/telco/campaigns.json"
responses="$root/examples/telco/responses.json"
out=${SCENARIO_OUT:-$(mktemp -d)}
mkdir -p "$out"
[ -n "${SCENARIO_OUT:-}" ] || trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL scenario: $*" >&2; exit 1; }

echo "== generate $users users (seed 7), twice, and with seed 8"
"$bin" generate --users "$users" --seed 7 --out "$out/week.jsonl"
"$bin" generate --users "$users" --seed 7 > "$out/week-again.jsonl"
"$bin" generate --users "$users" --seed 8 --out "$out/week-seed8.jsonl"
cmp -s "$out/week.jsonl" "$out/week-again.jsonl" || fail "the same seed gave different logs"
cmp -s "$out/week.jsonl" "$out/week-seed8.jsonl" && fail "seeds 7 and 8 gave the same log"
echo "ok   same seed, same log ($(wc -l < "$out/week.jsonl") lines); another seed, another log"

echo "== simulate on 2 threads and on 1"
sim() {
  "$bin" simulate --campaigns "$campaigns" --responses "$responses" --seed 7 "$@" "$out/week.jsonl"
}
sim --threads 2 --json "$out/report.json" --log "$out/log.jsonl" --html "$out/report.html" > "$out/table.txt" 2> "$out/progress.txt"
sim --threads 1 --quiet --json "$out/report-1.json" --log "$out/log-1.jsonl" --html "$out/report-1.html" > /dev/null
cat "$out/table.txt"
grep -q "simulate: 100%" "$out/progress.txt" || fail "no progress lines on a non-terminal stderr"
cmp -s "$out/report.json" "$out/report-1.json" || fail "reports differ between 1 and 2 threads"
cmp -s "$out/log.jsonl" "$out/log-1.jsonl" || fail "logs differ between 1 and 2 threads"
cmp -s "$out/report.html" "$out/report-1.html" || fail "HTML reports differ between 1 and 2 threads"
echo "ok   same inputs, same report, log and HTML on 1 and 2 threads"
sim --quiet --json - > "$out/report-stdout.json"
cmp -s "$out/report.json" "$out/report-stdout.json" || fail "--json - differs from --json FILE"

echo "== business rules"
python3 "$root/Tests/scenario/test_business_rules.py" "$campaigns" "$out/week.jsonl" "$out/log.jsonl" "$out/report.json"
python3 "$root/Tests/scenario/test_business_rules.py" --self-test "$campaigns" "$out/week.jsonl" "$out/log.jsonl" "$out/report.json"

echo "== explain --events: a replayed user at the moment of a journey step"
read -r user at < <(python3 - "$out/log.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "message" and r["campaign"] == "onboarding-2-activate" and r["placement"] == "outbound":
        print(r["user_id"], r["time"]); break
EOF
)
[ -n "$user" ] || fail "no onboarding-2 message on the outbound placement to explain"
"$bin" explain --campaigns "$campaigns" --responses "$responses" --seed 7 --events "$out/week.jsonl" \
  --user "$user" --at "$at" '{"placements": ["outbound"]}' > "$out/explain.txt"
cat "$out/explain.txt"
grep -Eq "^user $user at [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+09:00 — question " "$out/explain.txt" \
  || fail "explain: the moment is not local ISO 8601 in Seoul: $(head -1 "$out/explain.txt")"
grep -Eq '^onboarding-2-activate +selected' "$out/explain.txt" || fail "explain: onboarding-2 was sent at that moment but is not selected"
grep -Eq '^onboarding-3-payment +audience' "$out/explain.txt" || fail "explain: onboarding-3 should stop at the audience (step 2 not yet seen)"
for id in $(python3 -c 'import json,sys; print(" ".join(c["id"] for c in json.load(open(sys.argv[1]))["campaigns"]))' "$campaigns"); do
  grep -q "^$id " "$out/explain.txt" || fail "explain: campaign $id is missing"
done
"$bin" explain --campaigns "$campaigns" --responses "$responses" --seed 7 --events "$out/week.jsonl" \
  --user "$user" --at "$at" --json '{"placements": ["outbound"]}' | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["messages"][0]["campaign"] == "onboarding-2-activate", d["messages"]
assert len(d["explanation"]) >= 9, d["explanation"]'
echo "ok   explain: every campaign with its step; the step sent at that moment is selected"

echo "== errors name the line or the path"
printf '{"type":"scenario"}\n{"type":"event","user_id":"u1","time":"soon","name":"x"}\n' > "$out/bad.jsonl"
if "$bin" simulate --campaigns "$campaigns" "$out/bad.jsonl" > /dev/null 2> "$out/err.txt"; then fail "a bad log was accepted"; fi
grep -q "line 2: time" "$out/err.txt" || fail "bad log: $(cat "$out/err.txt")"
printf '{"version": 1, "campaigns": [{"id": "x", "purpose": "marketing", "status": "active", "placements": ["p"], "caps": [{"count": 1, "window": "1dd"}], "channels": {"push": {"payload": "x"}}}]}' > "$out/bad-set.json"
if "$bin" simulate --campaigns "$out/bad-set.json" "$out/week.jsonl" > /dev/null 2> "$out/err.txt"; then fail "a bad set was accepted"; fi
grep -q "campaigns\[0\].caps\[0\].window" "$out/err.txt" || fail "bad set: $(cat "$out/err.txt")"
echo "ok   a bad log line and a bad campaign set are refused with where"

echo "== the HTML report in headless Chromium"
"$root/scripts/test-report-browser.sh" "$out/report.html" "$out/browser"
echo "scenario: all checks passed"
