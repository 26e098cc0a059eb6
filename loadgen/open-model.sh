#!/usr/bin/env bash
# The open-model figures, each on a fresh `pollcast serve` as shipped (every service, its own
# redis-server, SQLite), with `loadgen steady` (arrivals on a schedule whatever the server
# does; latency from each vote's due time; see docs/benchmarks.md):
#
#   steady    15,000 votes/s for 60 s over 20 polls (Zipf), 100 viewers: dropped, lost, HTTP p99
#   ceiling   $RATES votes/s for 30 s each, in order, until a rate drops arrivals or has an HTTP
#             p99 of 50 ms or more: the highest rate before it is the ceiling
#   live      5,000 votes/s for 30 s on one poll watched by 10,000 WebSocket viewers:
#             vote-to-screen p99, and the server's memory with them
#
#   bash loadgen/open-model.sh                     # about 6 minutes
#   RATES="20000 30000" bash loadgen/open-model.sh
#   SCENARIOS=live POLLCAST_BIN=/tmp/old/pollcast bash loadgen/open-model.sh   # some, another build
set -euo pipefail
cd "$(dirname "$0")/.."
RATES=${RATES:-20000 25000 30000 35000 40000} PORT=${PORT:-18080}
SCENARIOS=${SCENARIOS:-steady ceiling live}
wants() { [[ " $SCENARIOS " == *" $1 "* ]]; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
source loadgen/serve.sh
cargo build --release -q -p pollcast -p loadgen
bin=${POLLCAST_BIN:-./target/release/pollcast} lg=./target/release/loadgen
work=$(mktemp -d /tmp/pollcast-open.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

run() { # LABEL LOADGEN-ARGS... → prints loadgen's summary; sets $p99 and $dropped
  local label=$1 dir key out
  shift
  dir=$(mktemp -d "$work/serve.XXXXXX")
  key=$(new_workspace "$bin" "$dir")
  RUST_LOG=warn "$bin" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" "${LIMITS_OFF[@]}" \
    >"$dir/serve.log" 2>&1 &
  pid=$!
  wait_ready "$PORT"
  out=$($lg steady --base "http://127.0.0.1:$PORT" --api-key "$key" --server-pid "$pid" \
    --dedupe none "$@" --out-dir "$work/$label" 2>&1) || { echo "$out" >&2; exit 1; }
  echo "-- $label: loadgen steady $*"
  echo "$out" | sed -n '/votes accepted/,$p'
  read -r p99 dropped < <(python3 -c "
import json; r = json.load(open('$work/$label/steady.json'))
print(r['http_latency_ms']['p99'], r['arrivals']['dropped'])")
  python3 -c "
import json; r = json.load(open('$work/$label/steady.json')); m = r['viewers']['server_rss_kib']
print('  server RSS:', ', '.join(f'{k} {v / 1024:.0f} MB' for k, v in m.items() if isinstance(v, (int, float))))"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  pid=
}

echo "== $(date -u +%Y-%m-%dT%H:%MZ) $bin ($(git rev-parse --short HEAD)): open model"
if wants steady; then run steady --rate 15000 --duration-secs 60 --viewers 100; fi
if wants ceiling; then
  ceiling=none
  for rate in $RATES; do
    run "ceiling-$rate" --rate "$rate" --duration-secs 30 --viewers 100
    if [ "$dropped" -gt 0 ] || python3 -c "import sys; sys.exit(0 if $p99 >= 50 else 1)"; then
      echo "-- $rate votes/s: p99 $p99 ms, $dropped dropped: past the ceiling"
      break
    fi
    ceiling=$rate
  done
  echo "-- ceiling (HTTP p99 < 50 ms, nothing dropped, of: $RATES): $ceiling votes/s"
fi
if wants live; then
  run live --rate 5000 --duration-secs 30 --viewers 10000 --polls 1 --source-addrs 16
fi
