#!/usr/bin/env bash
# The `engage` CLI contract (docs/cli.md):
#   engage logic RULE [DATA]   result JSON on stdout, exit 0;
#                              "<error kind>: <message>" on stderr, exit 1;
#   JSON arguments as text, "-" (stdin) or "@FILE"; a file that cannot be read: exit 2
#   with the path and the OS's reason; a wrong command line: exit 64 with a message;
#   --version (engage.h's ENGAGE_VERSION); help for every subcommand, with examples that
#   run as written, and no side effects; bash completion; explanations with local
#   ISO 8601 times; validate, decide and explain with engine configs and stores.
# Usage: scripts/test-cli.sh PATH-TO-ENGAGE-BINARY
set -uo pipefail

bin=${1:?usage: $0 PATH-TO-ENGAGE-BINARY}
[ -x "$bin" ] || { echo "error: $bin is not an executable (build first)" >&2; exit 1; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
root=$(cd "$(dirname "$0")/.." && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0 checks=0
printf '[{"name":"app_open","time":1000},{"name":"app_open","time":9000},{"name":"page_view","time":9500}]' >"$tmp/history.json"
printf '%s' '{"var":"plan"}' >"$tmp/rule.json"
printf '%s' '{"plan":"gold"}' >"$tmp/data.json"
printf '%s' '{"a":' >"$tmp/rule-bad.json"

# expect NAME WANT_STATUS WANT_STDOUT STDERR_REGEX [STDIN] -- ARGS...
# WANT_STDOUT is compared exactly; STDERR_REGEX (grep -E) must match stderr, "" = empty.
expect() {
  local name=$1 want_status=$2 want_out=$3 err_re=$4 input=$5
  shift 6
  checks=$((checks + 1))
  printf '%s' "$input" | "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  local status=$? out err
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
  local ok=1
  [ "$status" -eq "$want_status" ] || ok=0
  [ "$out" == "$want_out" ] || ok=0
  if [ -z "$err_re" ]; then [ -z "$err" ] || ok=0
  else grep -Eq -- "$err_re" "$tmp/err" || ok=0
  fi
  if [ "$ok" -eq 1 ]; then
    echo "ok   $name"
  else
    failures=$((failures + 1))
    echo "FAIL $name: engage $*"
    echo "     status $status (want $want_status)"
    echo "     stdout '$out' (want '$want_out')"
    echo "     stderr '$err' (want /$err_re/)"
  fi
}

expect "equal numbers"        0 'true'  '' '' -- logic '{"==":[1,1]}'
expect "var from DATA"        0 '"gold"' '' '' -- logic '{"var":"plan"}' '{"plan":"gold"}'
expect "no DATA means null"   0 'null'  '' '' -- logic '{"var":"plan"}'
expect "audience rule"        0 'true'  '' '' -- logic \
  '{"and":[{">=":[{"var":"views"},3]},{"in":[{"var":"plan"},["s","m"]]},{"!":[{"var":"opt_out"}]}]}' \
  '{"views":4,"plan":"m","opt_out":false}'
expect "DATA from stdin"      0 '42'    '' '{"n":42}' -- logic '{"var":"n"}' -
expect "RULE from stdin"      0 '3'     '' '{"+":[1,2]}' -- logic -
expect "unknown operator"     1 ''      '^[A-Za-z][A-Za-z ]*: .*nope' '' -- logic '{"nope":[1]}'
expect "malformed RULE"       1 ''      '^[A-Za-z][A-Za-z ]*: ' '' -- logic '{"==":[1,1]'
expect "malformed DATA"       1 ''      '^[A-Za-z][A-Za-z ]*: ' '' -- logic '{"var":"a"}' '{"a":'
expect "thrown error"         1 ''      '^[A-Za-z][A-Za-z ]*: ' '' -- logic '{"throw":"boom"}'
# A map that returns the same 20,000-element array for each of 20,000 elements is small
# in memory and ~2 GB as text: refused quickly instead of printed.
big=$(seq -s, 1 20000)
expect "huge result refused"  1 ''      '^Limit Exceeded: ' '' -- logic '{"map":[{"var":"xs"},{"val":[[2],"xs"]}]}' "{\"xs\":[$big]}" --max-output 100000
expect "behaviour operator"   0 '2'     '' '' -- logic '{"event_count":["app_open","7d"]}' --now 10000 \
  --history "$tmp/history.json"
expect "local time in zone"   0 '"21:00"' '' '' -- logic '{"local_time":[]}' --now 1795176000000 --tz Asia/Seoul
set_file="$(dirname "$0")/../examples/campaigns/telco-full.json"
expect "validate a good set"  0 'ok: 7 campaigns, 4 segments' '' '' -- validate "$set_file"
expect "validate a bad set"   1 ''      'campaigns\[1\]\.caps\[0\]\.window: unknown unit "dd"' '' -- validate "$(dirname "$set_file")/invalid.json"
# A typo used once and near a name used elsewhere is a warning: validation still passes.
printf '%s' '{"version":1,"campaigns":[
 {"id":"a","purpose":"service","status":"active","triggers":[{"event":"page_view"}],"exclusion_group":"home","channels":{"push":{"payload":1}}},
 {"id":"b","purpose":"service","status":"active","triggers":[{"event":"page_view"}],"exclusion_group":"home","channels":{"push":{"payload":1}}},
 {"id":"c","purpose":"service","status":"active","triggers":[{"event":"page_veiw"}],"channels":{"push":{"payload":1}}}]}' >"$tmp/warn.json"
expect "validate warns, passes" 0 "$(printf '%s\n%s' 'ok: 3 campaigns, 0 segments' 'warnings:
  campaigns[2].triggers[0].event: event "page_veiw" is used only here (did you mean "page_view"?) [unknown_event]
  events: no "events" vocabulary, so the 2 event names used ("page_view", "page_veiw") and their properties are not checked; declare them to make a misspelt name a load error [unknown_event]')" '' '' -- validate "$tmp/warn.json"
# A journey step naming a campaign the set does not have fails, with the path.
sed 's/"exclusion_group":"home","channels"/"audience":{"impressions":["d"]},"channels"/' "$tmp/warn.json" >"$tmp/dangling.json"
expect "dangling campaign id" 1 ''      '^campaigns\[0\]\.audience\.impressions\[0\]: unknown campaign "d" \(did you mean "a"\?\) \[unknown_reference\]' '' -- validate "$tmp/dangling.json"
expect "decide picks in-app"  0 "$(printf '%s' '{"user_id":"u1","now":1795150000000,"messages":[{"campaign":"agent-handoff","channel":"in_app","cost":0,"payload":{"text":"Talk to an agent","action":"tel:+82-2-0000-0000"}}]}')" '' '' -- \
  decide --campaigns "$set_file" --now 1795150000000 '{"user_id":"u1","event":{"name":"page_dwell","properties":{"page":"/iptv","seconds":60}},"app":{"foreground":true},"user":{"support_preference":"agent"}}' --compact
expect "bad request path"     1 ''      'user_id' '' -- decide --campaigns "$set_file" '{"placements":["x"]}'
expect "bad window unit"      1 ''      'unknown unit "dd"' '' -- logic '{"event_count":["app_open","7dd"]}'

# --config: the engine config (docs/engine-config.md). An SQLite store keeps state
# between runs: a cap of one a day is used by the first decision, full at the second.
printf '%s' '{"version": 1, "campaigns": [{"id": "welcome", "purpose": "service", "status": "active",
  "placements": ["home"], "caps": [{"count": 1, "window": "1d"}], "channels": {"in_app": {"payload": {"t": "hi"}}}}]}' >"$tmp/capped.json"
printf '{"store": {"kind": "sqlite", "path": "%s/state.db"}, "limits": {"history_retention": "35d"}}' "$tmp" >"$tmp/sqlite.json"
home='{"user_id":"u1","placements":["home"],"app":{"foreground":true}}'
expect "config: sqlite, first" 0 '{"user_id":"u1","now":1795150000000,"messages":[{"campaign":"welcome","placement":"home","channel":"in_app","cost":0,"payload":{"t":"hi"}}]}' '' '' -- \
  decide --campaigns "$tmp/capped.json" --config "$tmp/sqlite.json" --now 1795150000000 --compact "$home"
expect "config: sqlite, capped" 0 '{"user_id":"u1","now":1795150060000,"messages":[]}' '' '' -- \
  decide --campaigns "$tmp/capped.json" --config "$tmp/sqlite.json" --now 1795150060000 --compact "$home"
expect "config: memory forgets" 0 '{"user_id":"u1","now":1795150060000,"messages":[{"campaign":"welcome","placement":"home","channel":"in_app","cost":0,"payload":{"t":"hi"}}]}' '' '' -- \
  decide --campaigns "$tmp/capped.json" --now 1795150060000 --compact "$home"
config_dir="$(dirname "$0")/../examples/config"
expect "config: bad member"   1 ''      'invalid-retention-unit\.json: limits\.history_retention: unknown unit " days"' '' -- \
  decide --campaigns "$tmp/capped.json" --config "$config_dir/invalid-retention-unit.json" "$home"
expect "config: redis address" 1 ''     'invalid-redis-without-port\.json: store\.address: expected host:port, \[v6\]:port or unix:/path, found "127\.0\.0\.1" \(no port\)' '' -- \
  explain --campaigns "$tmp/capped.json" --config "$config_dir/invalid-redis-without-port.json" "$home"
# A Redis store (a real redis-server on a Unix socket in $tmp, AOF always) keeps the cap
# between runs; stopped, a decision fails with the store's error, naming the server.
if command -v redis-server >/dev/null; then
  redis-server --port 0 --unixsocket "$tmp/redis.sock" --dir "$tmp" --appendonly yes --appendfsync always \
    --save '' --daemonize no --logfile "$tmp/redis.log" &
  redis_pid=$!
  for _ in $(seq 100); do [ -S "$tmp/redis.sock" ] && break; sleep 0.05; done
  printf '{"store": {"kind": "redis", "address": "unix:%s/redis.sock", "timeout_ms": 200}}' "$tmp" >"$tmp/redis.json"
  expect "config: redis, first" 0 '{"user_id":"u1","now":1795150000000,"messages":[{"campaign":"welcome","placement":"home","channel":"in_app","cost":0,"payload":{"t":"hi"}}]}' '' '' -- \
    decide --campaigns "$tmp/capped.json" --config "$tmp/redis.json" --now 1795150000000 --compact "$home"
  expect "config: redis, capped" 0 '{"user_id":"u1","now":1795150060000,"messages":[]}' '' '' -- \
    decide --campaigns "$tmp/capped.json" --config "$tmp/redis.json" --now 1795150060000 --compact "$home"
  kill -9 "$redis_pid"; wait "$redis_pid" 2>/dev/null
  # Down: the decision fails closed (no message, "store": "unavailable"), status 0.
  expect "config: redis down"  0 '{"user_id":"u1","now":1795150060000,"messages":[],"store":"unavailable","store_error":"redis unix:'"$tmp"'/redis.sock: HMGET for user u1: connect: Connection refused"}' \
    'engage: the store is unavailable; the decision failed closed: redis unix:.*/redis\.sock: HMGET for user u1: connect: ' '' -- \
    decide --campaigns "$tmp/capped.json" --config "$tmp/redis.json" --now 1795150060000 --compact "$home"
else
  failures=$((failures + 1)); echo "FAIL config: redis — redis-server not installed (make deps)"
fi
printf '%s' '{"defaults": {"time_zone": "Mars/Olympus_Mons"}}' >"$tmp/zone.json"
expect "config: unknown zone" 1 ''      'zone\.json: defaults\.time_zone: "Mars/Olympus_Mons" cannot be used' '' -- \
  decide --campaigns "$tmp/capped.json" --config "$tmp/zone.json" "$home"
expect "config: no file"      2 ''      "^engage: cannot read config file $tmp/missing\\.json: No such file or directory\$" '' -- \
  decide --campaigns "$tmp/capped.json" --config "$tmp/missing.json" "$home"

# --- The command line: version, help, usage errors -------------------------------------
version=$(sed -n 's/^#define ENGAGE_VERSION *"\(.*\)"/\1/p' "$root/include/engage.h")
expect "--version is engage.h's" 0 "engage $version (libengage)" '' '' -- --version
commands="validate decide explain logic generate simulate bench"
# Help has no side effects: run in an empty folder (bench --help must not build, validate
# --help must not open a file), nothing is created, status 0, usage and examples printed.
mkdir "$tmp/empty"
for c in $commands; do
  for form in "help $c" "$c --help" "$c -h"; do
    checks=$((checks + 1))
    # shellcheck disable=SC2086
    (cd "$tmp/empty" && "$bin" $form >"$tmp/out" 2>"$tmp/err" </dev/null)
    status=$?
    if [ "$status" -eq 0 ] && [ ! -s "$tmp/err" ] && [ -z "$(ls -A "$tmp/empty")" ] \
       && grep -q "^USAGE: engage $c" "$tmp/out" && grep -q "^Examples:" "$tmp/out" \
       && grep -q "^  engage $c\|^  engage generate" "$tmp/out"; then
      echo "ok   engage $form"
    else
      failures=$((failures + 1))
      echo "FAIL engage $form: status $status, stderr '$(cat "$tmp/err")', folder: $(ls -A "$tmp/empty")"
      head -5 "$tmp/out"
    fi
  done
done
checks=$((checks + 1))
if "$bin" --help | grep -q "^SUBCOMMANDS:" && "$bin" help | grep -q "engage help <subcommand>"; then
  echo "ok   engage --help lists the subcommands"
else
  failures=$((failures + 1)); echo "FAIL engage --help"
fi
expect "unknown option"       64 ''     "^Error: Unknown option '--bogus'" '' -- \
  decide --campaigns "$set_file" --bogus "$home"
expect "unknown command"      64 ''     "^Error: Unexpected argument 'nope'" '' -- nope
expect "missing argument"     64 ''     "^Error: Missing expected argument '--campaigns <file>'" '' -- decide "$home"
expect "bad option value"     64 ''     "^Error: The value 'soon' is invalid for '--now <ms>'" '' -- logic '{"==":[1,1]}' --now soon
expect "value out of range"   64 ''     '^Error: --users takes a count from 1 to ' '' -- generate --users 0
expect "one stdin only"       64 ''     'only one argument can be read from standard input' '' -- logic - -
expect "one stdin, files too" 64 ''     'only one argument can be read from standard input' '' -- decide --campaigns - -
expect "explain mixes modes"  64 ''     '^Error: --user needs --events' '' -- explain --campaigns "$set_file" --user u1 "$home"

# --- JSON arguments: text, - and @FILE give the same decision; files fail with reasons ---
want=$("$bin" decide --campaigns "$tmp/capped.json" --now 1795150000000 --compact "$home")
printf '%s' "$home" >"$tmp/home.json"
expect "REQUEST as text"      0 "$want" '' '' -- decide --campaigns "$tmp/capped.json" --now 1795150000000 --compact "$home"
expect "REQUEST from stdin"   0 "$want" '' "$home" -- decide --campaigns "$tmp/capped.json" --now 1795150000000 --compact -
expect "REQUEST as @file"     0 "$want" '' '' -- decide --campaigns "$tmp/capped.json" --now 1795150000000 --compact "@$tmp/home.json"
expect "RULE and DATA @files" 0 '"gold"' '' '' -- logic "@$tmp/rule.json" "@$tmp/data.json"
expect "missing @file"        2 ''      "^engage: cannot read REQUEST file $tmp/nope\\.json: No such file or directory\$" '' -- \
  decide --campaigns "$tmp/capped.json" "@$tmp/nope.json"
expect "missing campaigns"    2 ''      "^engage: cannot read campaign set file $tmp/nope\\.json: No such file or directory\$" '' -- \
  decide --campaigns "$tmp/nope.json" "$home"
expect "a folder, not a file" 2 ''      "^engage: cannot read campaign set file $tmp: Is a directory\$" '' -- validate "$tmp"
expect "file name without @"  1 ''      "^Invalid JSON: REQUEST: .*is a file: write @$tmp/home\\.json to read it" '' -- \
  decide --campaigns "$tmp/capped.json" "$tmp/home.json"
expect "bad JSON in @file"    1 ''      "^Invalid JSON: DATA \\(@$tmp/rule-bad\\.json\\): " '' -- logic '{"var":"a"}' "@$tmp/rule-bad.json"
expect "full disk (--out)"    2 ''      '^engage: cannot write /dev/full: No space left on device$' '' -- generate --users 1 --out /dev/full
checks=$((checks + 1))
if ! "$bin" generate --users 1 >/dev/full 2>"$tmp/err" && grep -q '^engage: cannot write stdout: No space left on device$' "$tmp/err"; then
  echo "ok   full disk (stdout)"
else
  failures=$((failures + 1)); echo "FAIL full disk (stdout): $(cat "$tmp/err")"
fi
expect "unwritable --out"     2 ''      "^engage: cannot write $tmp/no/such/week\\.jsonl: No such file or directory\$" '' -- \
  generate --users 1 --out "$tmp/no/such/week.jsonl"

# --- Explanations: times as local ISO 8601 in the user's zone --------------------------
printf '%s' '{"version": 1, "campaigns": [
 {"id": "xmas", "purpose": "service", "status": "active", "placements": ["home"],
  "schedule": {"start": "2026-12-01T08:00:00Z"}, "channels": {"in_app": {"payload": 1}}},
 {"id": "spring", "purpose": "service", "status": "active", "placements": ["home"],
  "schedule": {"end": 1795000000500}, "channels": {"in_app": {"payload": 1}}},
 {"id": "welcome", "purpose": "service", "status": "active", "placements": ["home"],
  "cooldown_after_dismiss": "3d", "channels": {"in_app": {"payload": 1}}}]}' >"$tmp/timed.json"
printf '%s' '[{"user_id": "u1", "type": "dismissal", "campaign": "welcome", "time": 1795140000000}]' >"$tmp/dismissed.json"
explained() {  # the decision at 1795150000000 with this explanation, as --compact prints it
  printf '{"user_id":"u1","now":1795150000000,"messages":[],"explanation":[%s]}' "$1"
}
expect "explain: times in Paris" 0 "$(explained '{"campaign":"xmas","reason":"schedule","detail":"starts at 2026-12-01T09:00:00+01:00"},{"campaign":"spring","reason":"schedule","detail":"ended at 2026-11-18T12:06:40.500+01:00"},{"campaign":"welcome","reason":"cooldown","detail":"dismissed at 2026-11-20T03:00:00+01:00; cooldown 3d until 2026-11-23T03:00:00+01:00"}')" '' '' -- \
  explain --campaigns "$tmp/timed.json" --state "$tmp/dismissed.json" --now 1795150000000 --compact \
  '{"user_id": "u1", "time_zone": "Europe/Paris", "placements": ["home"], "app": {"foreground": true}}'
expect "explain: times in Seoul" 0 "$(explained '{"campaign":"xmas","reason":"schedule","detail":"starts at 2026-12-01T17:00:00+09:00"},{"campaign":"spring","reason":"schedule","detail":"ended at 2026-11-18T20:06:40.500+09:00"},{"campaign":"welcome","reason":"cooldown","detail":"dismissed at 2026-11-20T11:00:00+09:00; cooldown 3d until 2026-11-23T11:00:00+09:00"}')" '' '' -- \
  explain --campaigns "$tmp/timed.json" --state "$tmp/dismissed.json" --now 1795150000000 --compact \
  '{"user_id": "u1", "time_zone": "Asia/Seoul", "placements": ["home"], "app": {"foreground": true}}'

# --- Bash completion (swift-argument-parser's script) ----------------------------------
checks=$((checks + 1))
if "$bin" --generate-completion-script bash >"$tmp/engage.bash" && bash -n "$tmp/engage.bash" \
   && [ "$(bash -c 'source "$1"; COMP_WORDS=(engage de); COMP_CWORD=1; COMP_LINE="engage de"; COMP_POINT=9
                    _engage engage de engage; echo "${COMPREPLY[*]}"' _ "$tmp/engage.bash")" = "decide" ] \
   && [ "$(bash -c 'source "$1"; COMP_WORDS=(engage simulate --th); COMP_CWORD=2; COMP_LINE="engage simulate --th"
                    COMP_POINT=20; _engage engage --th simulate; echo "${COMPREPLY[*]}"' _ "$tmp/engage.bash")" = "--threads" ]; then
  echo "ok   bash completion: subcommands and options"
else
  failures=$((failures + 1)); echo "FAIL bash completion script"
fi

# --- engage bench outside a source tree says what it needs; options reach engage-bench ---
mkdir -p "$tmp/prefix/bin"
cp "$bin" "$tmp/prefix/bin/engage"
checks=$((checks + 1))
(cd "$tmp/empty" && env -u ENGAGE_BENCH PATH=/usr/bin:/bin "$tmp/prefix/bin/engage" bench --quick >"$tmp/out" 2>"$tmp/err")
status=$?
if [ "$status" -eq 2 ] && grep -q "ENGAGE_BENCH=/path/to/engage-bench" "$tmp/err" \
   && grep -q "inside a libengage source tree" "$tmp/err" && [ -z "$(ls -A "$tmp/empty")" ]; then
  echo "ok   bench from an installed engage, outside a tree: says what it needs"
else
  failures=$((failures + 1)); echo "FAIL bench outside a tree: status $status, stderr '$(cat "$tmp/err")'"
fi
printf '#!/bin/sh\necho "engage-bench $*"\n' >"$tmp/fake-bench"
chmod +x "$tmp/fake-bench"
checks=$((checks + 1))
if [ "$(ENGAGE_BENCH="$tmp/fake-bench" "$tmp/prefix/bin/engage" bench --quick --only logic,decide --json r.json)" \
     = "engage-bench --quick --only logic,decide --json r.json" ]; then
  echo "ok   bench: ENGAGE_BENCH runs with the options"
else
  failures=$((failures + 1)); echo "FAIL bench: ENGAGE_BENCH with the options"
fi
checks=$((checks + 1))
if ! ENGAGE_BENCH="$tmp/history.json" "$bin" bench 2>"$tmp/err" >/dev/null \
   && grep -q "ENGAGE_BENCH=$tmp/history.json is not an executable file" "$tmp/err"; then
  echo "ok   bench: ENGAGE_BENCH not executable is said"
else
  failures=$((failures + 1)); echo "FAIL bench: ENGAGE_BENCH not executable: $(cat "$tmp/err")"
fi
mkdir -p "$tmp/tree/bench" "$tmp/tree/Sources/Engage"
touch "$tmp/tree/bench/Package.swift" "$tmp/tree/Sources/Engage/Engine.swift"
checks=$((checks + 1))
if ! (cd "$tmp/tree" && env -u ENGAGE_BENCH SWIFT="$tmp/no-swift" "$tmp/prefix/bin/engage" bench 2>"$tmp/err" >/dev/null) \
   && grep -q "SWIFT=$tmp/no-swift is not an executable file" "$tmp/err"; then
  echo "ok   bench: in a tree without the toolchain, says so"
else
  failures=$((failures + 1)); echo "FAIL bench: a tree without swift: $(cat "$tmp/err")"
fi

# --- Every example in the help runs as written (from a folder with examples/) ----------
# bench's examples run the benchmark suite (minutes): not here.
mkdir "$tmp/examples-run"
ln -s "$root/examples" "$tmp/examples-run/examples"
engage() { "$bin" "$@"; }
export -f engage
export bin
for c in validate decide explain logic generate simulate; do
  # The lines after "Examples:" up to the next blank line, continuations joined.
  "$bin" help "$c" | awk '/^Examples:/ {on=1; next} on && /^$/ {exit} on' | sed 's/^  //' \
    | awk '/\\$/ {sub(/\\$/, ""); line = line $0; next} {print line $0; line = ""}' >"$tmp/examples.txt"
  [ -s "$tmp/examples.txt" ] || { failures=$((failures + 1)); echo "FAIL help $c has no examples"; continue; }
  while IFS= read -r example; do
    checks=$((checks + 1))
    # A trailing "# RESULT" comment is what the example prints.
    want_out=""
    case "$example" in *"  # "*) want_out=${example##*  # };; esac
    (cd "$tmp/examples-run" && bash -c "set -o pipefail; $example" >"$tmp/out" 2>"$tmp/err" </dev/null)
    status=$?
    if [ "$status" -eq 0 ] && { [ -z "$want_out" ] || [ "$(cat "$tmp/out")" = "$want_out" ]; }; then
      echo "ok   example: $example"
    else
      failures=$((failures + 1))
      echo "FAIL example: $example"
      echo "     status $status; stdout $(head -c 300 "$tmp/out"); stderr $(head -c 300 "$tmp/err")"
    fi
  done <"$tmp/examples.txt"
done

echo "cli: $((checks - failures)) of $checks checks passed"
[ "$failures" -eq 0 ]
