#!/usr/bin/env bash
# The ScyllaDB store under load on one machine, the CQL server (../shared/cql-server: Apache
# Cassandra speaking CQL v4, Java 17) sharing its cores with pollcast and Redis. Each figure
# next to SQLite's, measured in the same run:
#
#  1. tally's write rate to the vote log: VOTES votes (default 1,000,000) accepted by
#     vote-ingest with no tally running, then one tally started: the votes/s it logs and
#     counts until the backlog is gone;
#  2. the CSV export of that poll: seconds, MB/s and pollcast's peak resident memory;
#  3. steady load at each of RATES votes/s for SECS s (`pollcast serve`, every service): tally's
#     backlog sampled every 5 s (bounded or growing), how long it takes to drain once the load
#     stops, and the CPU the CQL server, pollcast and redis-server used meanwhile.
#
#   bash loadgen/scylla.sh                          # about 20 minutes
#   VOTES=200000 RATES="3000 6000" SECS=30 bash loadgen/scylla.sh   # a quicker look
set -euo pipefail
cd "$(dirname "$0")/.."
VOTES=${VOTES:-1000000} RATES=${RATES:-3000 5000 7000 9000} SECS=${SECS:-60}
PORT=${PORT:-18380}
source loadgen/serve.sh
cargo build --release -q -p pollcast -p loadgen
bin=./target/release/pollcast lg=./target/release/loadgen
work=$(mktemp -d /tmp/pollcast-scylla.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null
  stop_cql
  rm -rf "$work"
}
trap cleanup EXIT
start_cql "$work/cql"
cql_pid=$(cat "$cql_dir/pid")
hz=$(getconf CLK_TCK)
cores=$(nproc)

serve() { # DIR SERVICES → sets $pid (store flags from $store_flags)
  RUST_LOG=warn "$bin" serve --data-dir "$1" --listen "127.0.0.1:$PORT" --services "$2" \
    "${LIMITS_OFF[@]}" "${store_flags[@]}" >>"$1/serve.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_ready "$PORT" 300
}
halt() { kill "$pid"; wait "$pid" 2>/dev/null || true; }

counted() { # POLL → total_votes
  curl -fs "http://127.0.0.1:$PORT/v1/polls/$1/results" -H "Authorization: Bearer $key" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["total_votes"])'
}

backlog() { # → votes tally has not read yet, summed over the shards (its /metrics gauge)
  curl -fs "http://127.0.0.1:$PORT/metrics" |
    awk '/^tally_lag_entries/ {s += $2} END {print s + 0}'
}

drain_and_export() { # STORE → "logged N votes at R votes/s; export ..."
  local dir; dir=$(mktemp -d "$work/$1.XXXXXX")
  store_flags=()
  [ "$1" = scylla ] && scylla_flags
  key=$(new_workspace "$bin" "$dir" "${store_flags[@]}")
  serve "$dir" api,vote-ingest
  read -r poll option < <(create_poll "$PORT" "$key")
  "$lg" ceiling --url "http://127.0.0.1:$PORT/v1/polls/$poll/votes" --requests "$VOTES" \
    --concurrency 64 --body "{\"option_ids\": [\"$option\"]}" >"$dir/fill.txt"
  halt
  serve "$dir" api,tally,results-broadcast
  local t0 t1 n
  t0=$(date +%s.%N)
  for _ in $(seq 36000); do
    n=$(counted "$poll")
    [ "$n" -ge "$VOTES" ] && break
    sleep 0.05
  done
  t1=$(date +%s.%N)
  local rate; rate=$(python3 -c "print(round($n / ($t1 - $t0)))")
  local export
  export=$("$lg" export --base "http://127.0.0.1:$PORT" --api-key "$key" --poll "$poll" \
    --server-pid "$pid" | tr '\n' ' ')
  halt
  echo "$1: tally logged and counted $n votes at $rate votes/s; export: $export"
}

steady() { # RATE → one line: backlog over time, drain, CPU shares
  local dir; dir=$(mktemp -d "$work/steady.XXXXXX")
  scylla_flags
  key=$(new_workspace "$bin" "$dir" "${store_flags[@]}")
  serve "$dir" api,vote-ingest,tally,results-broadcast,web,webhook-dispatcher,console
  local rpid; rpid=$(pgrep -f "redis-server.*$dir" | head -1)
  local c0 p0 r0 t0
  c0=$(cpu_ticks "$cql_pid") p0=$(cpu_ticks "$pid") r0=$(cpu_ticks "$rpid") t0=$(date +%s.%N)
  "$lg" steady --base "http://127.0.0.1:$PORT" --api-key "$key" --rate "$1" \
    --duration-secs "$SECS" --polls 1 --dedupe none --viewers 0 --settle-secs 0 \
    --out-dir "$dir/report" >"$dir/steady.txt" 2>&1 &
  local gen=$!
  local samples=()
  while kill -0 "$gen" 2>/dev/null; do
    sleep 5
    samples+=("$(backlog)")
  done
  local t1 c1 p1 r1
  t1=$(date +%s.%N) c1=$(cpu_ticks "$cql_pid") p1=$(cpu_ticks "$pid") r1=$(cpu_ticks "$rpid")
  local drained=-1
  for i in $(seq 600); do
    [ "$(backlog)" -eq 0 ] && { drained=$(python3 -c "print(round(($i - 1) * 0.5, 1))"); break; }
    sleep 0.5
  done
  local accepted
  accepted=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print("%s/%s, HTTP p99 %.0f ms" % (r["votes"]["accepted"], r["arrivals"]["dropped"], r["http_latency_ms"]["p99"]))' "$dir/report/steady.json")
  halt
  python3 - "$1" "$accepted" "$drained" "$t0" "$t1" "$c0" "$c1" "$p0" "$p1" "$r0" "$r1" "${samples[@]}" <<EOF
import sys
rate, acc, drained, t0, t1, c0, c1, p0, p1, r0, r1, *lag = sys.argv[1:]
secs = float(t1) - float(t0)
share = lambda a, b: f"{(float(b) - float(a)) / $hz / secs / $cores * 100:.0f}%"
print(f"steady {rate}/s for $SECS s: accepted/dropped {acc}; tally backlog every 5 s: "
      f"{' '.join(lag)}; drained {drained} s after the load; CPU of the machine: "
      f"CQL server {share(c0, c1)}, pollcast {share(p0, p1)}, redis {share(r0, r1)}")
EOF
}

echo "== $(date -u +%Y-%m-%dT%H:%MZ) $bin ($(git rev-parse --short HEAD)), $cores cores, CQL server $cql"
drain_and_export sqlite
drain_and_export scylla
for r in $RATES; do steady "$r"; done
