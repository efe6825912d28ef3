#!/usr/bin/env bash
# `make demo`: the telco scenario end to end — a seeded week of a telco's customers
# (engage generate), replayed through the scenario's campaign set (engage simulate),
# the summary printed, the HTML report written, and one customer's decision explained.
# Usage: scripts/demo.sh PATH-TO-ENGAGE-CLI [OUT-DIR]
#   DEMO_USERS (default 10000), DEMO_SEED (default 42)
set -euo pipefail

bin=${1:?usage: $0 PATH-TO-ENGAGE-CLI [OUT-DIR]}
root=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$root/.build-demo/out}
users=${DEMO_USERS:-10000}
seed=${DEMO_SEED:-42}
mkdir -p "$out"
out=$(cd "$out" && pwd)
campaigns=examples/telco/campaigns.json
responses=examples/telco/responses.json
cd "$root"
started=$(date +%s%N)

echo "== engage generate --users $users --seed $seed"
"$bin" generate --users "$users" --seed "$seed" --out "$out/telco-week.jsonl"
echo "$(wc -l < "$out/telco-week.jsonl") lines, $(du -h "$out/telco-week.jsonl" | cut -f1) → $out/telco-week.jsonl"
echo
echo "== engage simulate --campaigns $campaigns --responses $responses"
"$bin" simulate --campaigns "$campaigns" --responses "$responses" --seed "$seed" \
  --json "$out/report.json" --html "$out/report.html" --log "$out/messages.jsonl" "$out/telco-week.jsonl"
echo

# Why did a customer see the plan nudge? The first one sent on a plans-page visit,
# explained with the state the simulation had built by that moment.
first=$(grep -m1 '"campaign":"plan-change-nudge"' "$out/messages.jsonl" | grep '"placement":null' || true)
if [ -n "$first" ]; then
  user=$(sed -E 's/.*"user_id":"([^"]+)".*/\1/' <<<"$first")
  at=$(sed -E 's/.*"time":([0-9]+).*/\1/' <<<"$first")
  question='{"event": {"name": "page_view", "properties": {"page": "/plans"}}, "app": {"foreground": true}}'
  echo "== engage explain: $user on the plans page at $(sed -E 's/.*"local_time":"([^"]+)".*/\1/' <<<"$first")"
  echo "   engage explain --campaigns $campaigns --responses $responses --seed $seed --events ${out#$root/}/telco-week.jsonl --user $user --at $at '$question'"
  "$bin" explain --campaigns "$campaigns" --responses "$responses" --seed "$seed" \
    --events "$out/telco-week.jsonl" --user "$user" --at "$at" "$question"
fi

ms=$(( ($(date +%s%N) - started) / 1000000 ))
echo "demo: $((ms / 1000)).$(( (ms % 1000) / 100 )) s for generate, simulate and explain (after the build)"
echo "HTML report: $out/report.html   JSON: $out/report.json   every message: $out/messages.jsonl"
