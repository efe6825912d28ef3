#!/usr/bin/env bash
# The Redis fleet test with real processes (issue 16, point 7): a redis-server on a free
# port of 127.0.0.1 in a temporary folder (appendonly yes, appendfsync always), and two
# gateway processes (examples/c-host/redis-fleet) × 8 threads deciding with commit for
# the same 200 users through libengage.so. Variants:
#   clean   no fault: per user and cap, shown ≤ limit and exactly min(limit, decisions);
#   kill    kill -9 at a random moment, restarted from its AOF after 1 s: nothing
#           acknowledged lost, no cap exceeded, decisions in the gap fail closed in time;
#   stop    SIGSTOP for 2 s: every call returns within the timeout + a margin;
#   flush   SCRIPT FLUSH mid-run: recovered on the next call, still exact.
#   erase   erasure during a storm: two processes × 8 threads deciding for user u (and 50
#           others) and draining exposures every 250 ms while a third process forgets u
#           at a random moment: nothing of u's from before the erasure is left in Redis
#           or drained by any engine afterwards; the other users are untouched.
# And redis-fork: a child process never uses its parent's connections.
#   scripts/test-fleet.sh [LIBDIR]          (default .build-lib/release; ~35 s)
#   FLEET_ONLY=kill|stop|flush|clean|erase|fork   one part only
#   FLEET_TRACE=1                           every decision that failed closed, with its time
# Needs: cc, pkg-config, libjson-c-dev, redis-server, redis-cli.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIBDIR=$(cd "${1:-$ROOT/.build-lib/release}" && pwd) || { echo "test-fleet: no library folder ${1:-}"; exit 2; }
[ -f "$LIBDIR/libengage.so" ] || { echo "test-fleet: $LIBDIR/libengage.so not found (make lib)"; exit 2; }
for tool in cc pkg-config redis-server redis-cli; do
  command -v $tool >/dev/null || { echo "test-fleet: $tool not installed (make deps)"; exit 2; }
done

DIR="$ROOT/examples/c-host"
WORK=$(mktemp -d)
REDIS_PID=
cleanup() {
  if [ -n "$REDIS_PID" ]; then kill -CONT "$REDIS_PID" 2>/dev/null; kill -9 "$REDIS_PID" 2>/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
make -C "$DIR" -B -s LIBDIR="$LIBDIR" INCDIR="$ROOT/include" redis-fork redis-fleet || exit 1
FLEET="$DIR/redis-fleet"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cli() { redis-cli -h 127.0.0.1 -p "$PORT" "$@"; }
start_redis() {
  rm -f "$WORK/redis.pid"
  redis-server --port "$PORT" --bind 127.0.0.1 --dir "$WORK" --appendonly yes --appendfsync always \
    --save "" --maxmemory-policy noeviction --logfile "$WORK/redis.log" --daemonize yes --pidfile "$WORK/redis.pid"
  for _ in $(seq 100); do
    if cli PING 2>/dev/null | grep -q PONG && [ -s "$WORK/redis.pid" ]; then REDIS_PID=$(cat "$WORK/redis.pid"); return 0; fi
    sleep 0.05
  done
  echo "test-fleet: redis-server did not start"; tail "$WORK/redis.log"; exit 1
}

TIMEOUT_MS=100
# The cases without a fault (clean, flush) require that no decision fail closed: on a
# loaded 2-core machine an fsync of the AOF can hold the server past 100 ms (seen: both
# processes failing closed together for a second mid-run while others' builds ran), so
# they allow 1 s; the fault cases keep 100 ms, which they measure.
EXACT_TIMEOUT_MS=1000
RUN_MS=6000
failed=0
results=()
record() { # name, status
  if [ "$2" = 0 ]; then results+=("PASS  $1"); else results+=("FAIL  $1"); failed=1; fi
}

# fleet NAME MODE PACE_MS FAULT...: two processes × 8 threads for RUN_MS, FAULT run
# alongside, then the check (MODE exact or faults).
fleet() {
  local name=$1 mode=$2 pace=$3; shift 3
  local prefix="fleet-$name:" timeout=$TIMEOUT_MS
  [ "$mode" = exact ] && timeout=$EXACT_TIMEOUT_MS
  "$FLEET" run "$PORT" "$prefix" "$name/1" 8 "$RUN_MS" "$timeout" "$pace" "$WORK/$name.1" > "$WORK/$name.1.log" 2>&1 & local p1=$!
  "$FLEET" run "$PORT" "$prefix" "$name/2" 8 "$RUN_MS" "$timeout" "$pace" "$WORK/$name.2" > "$WORK/$name.2.log" 2>&1 & local p2=$!
  "$@"
  local rc=0
  wait $p1 || rc=1
  wait $p2 || rc=1
  cat "$WORK/$name.1.log" "$WORK/$name.2.log"
  # A fault must have been seen (decisions failed closed), and none without one.
  local closed
  closed=$(sed -n 's/.*, \([0-9]*\) failed closed.*/\1/p' "$WORK/$name.1.log" "$WORK/$name.2.log" | awk '{n += $1} END {print n + 0}')
  if [ "$mode" = faults ] && [ "$closed" -eq 0 ]; then echo "test-fleet: $name: no decision failed closed: was the fault injected?"; rc=1; fi
  if [ "$mode" = exact ] && [ "$closed" -ne 0 ]; then echo "test-fleet: $name: $closed decisions failed closed without a fault"; rc=1; fi
  "$FLEET" check "$PORT" "$prefix" "$mode" "$WORK/$name.1" "$WORK/$name.2" || rc=1
  record "fleet $name" $rc
}

none() { :; }
kill_and_restart() {
  local at=$(( 1000 + RANDOM % 3000 ))
  sleep "$(printf '%d.%03d' $((at / 1000)) $((at % 1000)))"
  local killed=$(date +%s%N)
  kill -9 "$REDIS_PID"
  # Gone when it no longer answers (a zombie may wait for its reaper: kill -0 says alive).
  while cli PING >/dev/null 2>&1; do sleep 0.01; done
  local dead=$(date +%s%N)
  sleep 1
  start_redis
  echo "kill -9 at ${at} ms (gone after $(( (dead - killed) / 1000000 )) ms); restarted from the AOF, serving $(( ($(date +%s%N) - killed) / 1000000 )) ms after the kill"
}
freeze() {
  sleep 1.5
  kill -STOP "$REDIS_PID"; echo "SIGSTOP at 1500 ms for 2 s"
  sleep 2
  kill -CONT "$REDIS_PID"
}
flush_scripts() {
  sleep 1.5
  echo "SCRIPT FLUSH at 1500 ms: $(cli SCRIPT FLUSH)"
  sleep 1
  echo "SCRIPT FLUSH at 2500 ms: $(cli SCRIPT FLUSH)"
}

# erase: the storm processes (examples/c-host/redis-fleet storm) note every decision for
# u (its own `now`, so the state and each exposure name it) and every drain; `forget`
# erases u from an engine of its own at a random moment; `storm-check` compares them with
# what a fresh engine reads (docs/state.md, "Erasure across a fleet").
erase_storm() {
  local prefix="fleet-erase:" at=$(( 1000 + RANDOM % 2000 )) rc=0
  "$FLEET" storm "$PORT" "$prefix" 1 8 4000 250 "$WORK/erase.1" > "$WORK/erase.1.log" 2>&1 & local p1=$!
  "$FLEET" storm "$PORT" "$prefix" 2 8 4000 250 "$WORK/erase.2" > "$WORK/erase.2.log" 2>&1 & local p2=$!
  "$FLEET" forget "$PORT" "$prefix" "$at" "$WORK/erase.f" > "$WORK/erase.f.log" 2>&1 & local p3=$!
  wait $p1 || rc=1
  wait $p2 || rc=1
  wait $p3 || rc=1
  cat "$WORK/erase.f.log" "$WORK/erase.1.log" "$WORK/erase.2.log"
  "$FLEET" storm-check "$PORT" "$prefix" "$WORK/erase.f" "$WORK/erase.1" "$WORK/erase.2" || rc=1
  # In Redis itself: one erasure announced, naming u (numbered 1), and u's key there again
  # (its content, only commits from after the erasure, is what storm-check read).
  local stream key
  stream=$(cli XRANGE "${prefix}erasures" - + | tail -n +2 | tr '\n' ' ')
  key=$(cli EXISTS "${prefix}{u}")
  echo "redis: ${prefix}erasures holds [$stream], ${prefix}{u} exists: $key"
  [ "$stream" = "u u n 1 " ] && [ "$(cli XLEN "${prefix}erasures")" = 1 ] && [ "$key" = 1 ] || { echo "test-fleet: erase: the stream or u's key is not as expected"; rc=1; }
  record "fleet erase" $rc
}

start_redis
echo "== fleet: redis-server on 127.0.0.1:$PORT (AOF always), timeout_ms $TIMEOUT_MS ($EXACT_TIMEOUT_MS without a fault), 2 processes x 8 threads x $RUN_MS ms"
# Flat out for contention; paced (16 threads × 10 decisions/s, under one decision a
# second per user) so that messages are still being committed when a fault strikes.
want() { [ -z "${FLEET_ONLY:-}" ] || [ "$FLEET_ONLY" = "$1" ]; }
want clean && fleet clean exact 0 none
want flush && fleet flush exact 100 flush_scripts
want kill && fleet kill faults 100 kill_and_restart
want stop && fleet stop faults 100 freeze
want erase && erase_storm
want fork && { "$DIR/redis-fork" "$PORT"; record "redis-fork" $?; }

echo "== fleet"
printf '%s\n' "${results[@]}"
exit $failed
