#!/usr/bin/env bash
# `make demo` for now: every audience rule in examples/logic against every sample user,
# evaluated by the `engage logic` CLI (the rule is piped on stdin, the user is DATA).
# The telco scenario end to end (simulate a week of events, report) replaces this later.
# Usage: scripts/demo.sh PATH-TO-ENGAGE-BINARY
set -euo pipefail

bin=${1:?usage: $0 PATH-TO-ENGAGE-BINARY}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
[ -x "$bin" ] || { echo "error: $bin is not an executable (build first)" >&2; exit 1; }
cd "$(dirname "$0")/../examples/logic"

# A one-line description of each user, computed by a rule too.
describe='{"cat": [{"var": "name"}, " (", {"var": "profile.plan"}, ", ",
  {"var": "behaviour.plans_page_views_7d"}, " plan-page views, marketing consent: ",
  {"var": ["consent.marketing", "unknown"]}, ")"]}'

echo "engage logic: audience rules from examples/logic against sample users"
echo
echo "users:"
for user in users/*.json; do
  line=$("$bin" logic "$describe" "$(cat "$user")")
  printf '  %-8s %s\n' "$(basename "$user" .json)" "${line//\"/}"
done

for rule in *.json; do
  echo
  echo "$(basename "$rule" .json)   (\$ engage logic - USER < examples/logic/$rule)"
  for user in users/*.json; do
    result=$("$bin" logic - "$(cat "$user")" <"$rule")
    case $result in
      true) mark="in audience" ;;
      false) mark="-" ;;
      *) mark="$result" ;;
    esac
    printf '  %-8s %s\n' "$(basename "$user" .json)" "$mark"
  done
done

echo
echo "An unknown operator is a compile error naming where it is:"
echo "  \$ engage logic '{\"and\": [true, {\"plan_is\": \"gold\"}]}'"
if "$bin" logic '{"and": [true, {"plan_is": "gold"}]}' 2>&1; then
  echo "error: the bad rule was accepted" >&2; exit 1
fi | sed 's/^/  /'
