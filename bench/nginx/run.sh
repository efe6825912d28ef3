#!/usr/bin/env bash
# The nginx gateway's page route under wrk, with and without the decision, in one run:
#   1. no cookie: the access hook runs, no decision (X-Engage-Status: no-user)
#   2. a cookie: a decision with the page view as its event, committed (random users)
# against a trivial upstream (a second nginx answering 200 "ok"), memory store and then
# SQLite (engine calls through the thread pool), 2 workers; then /engage/health alone.
# Usage: bench/nginx/run.sh [LIBDIR] [SECONDS]   (default .build-lib/release, 10)
# Prints wrk's requests/s and latency percentiles per case. Needs nginx, wrk, the Lua module.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$(cd "${1:-$root/.build-lib/release}" && pwd)
secs=${2:-10}
export PATH="$PATH:/usr/sbin"
for tool in nginx wrk python3; do command -v "$tool" >/dev/null || { echo "bench-nginx: $tool not found" >&2; exit 1; }; done
work=$(mktemp -d); chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

up=$(port)
mkdir -p "$work/up/logs"
cat > "$work/up/nginx.conf" <<CONF
worker_processes 1;
error_log $work/up/logs/error.log;
pid $work/up/logs/nginx.pid;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:$up; location / { return 200 "ok\n"; } } }
CONF
nginx -p "$work/up" -e "$work/up/logs/error.log" -c "$work/up/nginx.conf" -g 'daemon off;' & pids+=($!)

cat > "$work/users.lua" <<'LUA'
-- a new user now and then, most pages by users seen before (100,000 of them)
request = function()
  return wrk.format("GET", "/plans", { Cookie = "engage_uid=u" .. math.random(1, 100000) .. "; engage_consent=marketing" })
end
LUA
mkdir -m 777 "$work/state"
echo '{"store": {"kind": "sqlite", "path": "'"$work"'/state/state.db", "sync": "batch"}}' > "$work/sqlite.json"

run_case() { # name, wrk args...
  local name=$1; shift
  local out
  out=$(wrk -t2 -c32 -d"${secs}s" --latency "$@")
  printf '%-34s %10s req/s   p50 %8s   p99 %8s   non-2xx/errors: %s\n' "$name" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1=="50%" {print $2}' <<<"$out")" \
    "$(awk '$1=="99%" {print $2}' <<<"$out")" \
    "$( (grep -E 'Non-2xx|Socket errors' <<<"$out" || echo none) | tr '\n' ' ')"
}

for store in memory sqlite; do
  gw=$(port)
  args=(--port "$gw" --upstream "http://127.0.0.1:$up" --campaigns "$root/examples/go-gateway/campaigns.json" --workers 2 --lib "$lib/libengage.so")
  [ "$store" = sqlite ] && args+=(--config "$work/sqlite.json")
  "$root/examples/nginx/serve" "${args[@]}" 2>"$work/serve-$store.log" & spid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$gw/engage/health" >/dev/null 2>&1 && break; sleep 0.1; done
  echo "== $store store, 2 workers, wrk -t2 -c32 -d${secs}s"
  run_case "page, no decision (no cookie)" "http://127.0.0.1:$gw/plans"
  run_case "page + decision (commit)" -s "$work/users.lua" "http://127.0.0.1:$gw/plans"
  [ "$store" = memory ] && run_case "/engage/health" "http://127.0.0.1:$gw/engage/health"
  kill "$spid"; wait "$spid" || true
done
