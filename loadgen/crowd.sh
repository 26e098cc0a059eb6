#!/usr/bin/env bash
# 50,000 idle WebSocket viewers, measured: the resident memory of the results-broadcast tier
# holding them. One process may hold at most `ulimit -Hn` sockets (20,000 in this
# workplace), so the crowd is split over $INSTANCES results-broadcast processes (how pollcast
# scales out anyway: any number of them read the same Redis), each with a loadgen of its own.
# It prints every instance's RSS before and with its viewers, and the sums. See
# docs/benchmarks.md. Each instance admits `--live-per-ip` (1,000) viewers per client address,
# so each loadgen spreads its viewers over 24 loopback addresses.
#
#   bash loadgen/crowd.sh                        # 50,000 viewers over 3 instances
#   VIEWERS=9000 INSTANCES=2 bash loadgen/crowd.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
PORT=${PORT:-18080}
VIEWERS=${VIEWERS:-50000}
INSTANCES=${INSTANCES:-3}
HOLD_SECS=${HOLD_SECS:-20}
OUT=${OUT:-loadgen-reports/crowd-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
# api, vote-ingest and tally (and the embedded redis-server) in one process...
source loadgen/start-pollcast.sh
lg=./target/release/loadgen
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"
}
trap cleanup EXIT
# ...and results-broadcast instances of their own, on the same Redis and store.
for k in $(seq "$INSTANCES"); do
  RUST_LOG=warn ./target/release/pollcast serve --services results-broadcast \
    --data-dir "$dir" --redis-url "unix://$dir/redis/redis.sock" \
    --listen "127.0.0.1:$((PORT + k))" >"$dir/broadcast-$k.log" 2>&1 &
  pids+=($!)
done
for k in $(seq "$INSTANCES"); do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$((PORT + k))/readyz" >/dev/null && break; sleep 0.1; done
done
per=$(( (VIEWERS + INSTANCES - 1) / INSTANCES ))
lgs=()
for k in $(seq "$INSTANCES"); do
  $lg viewers --base "http://127.0.0.1:$PORT" --live-base "http://127.0.0.1:$((PORT + k))" \
    --api-key "$key" --viewers "$per" --source-addrs 24 --hold-secs "$HOLD_SECS" \
    --server-pid "${pids[$((k - 1))]}" --out-dir "$OUT/instance-$k" >"$OUT/instance-$k.log" 2>&1 &
  lgs+=($!)
done
failed=0
for p in "${lgs[@]}"; do wait "$p" || failed=1; done
python3 - "$OUT" "$INSTANCES" <<'EOF'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
connected = before = peak = 0
for k in range(1, n + 1):
    r = json.load(open(f"{out}/instance-{k}/viewers.json"))
    v = r["viewers"]; rss = v["server_rss_kib"]
    connected += v["connected_at_end"]; before += rss["before_viewers"]; peak += rss["max"]
    print(f"instance {k}: {v['connected_at_end']} viewers connected, {v['failed']} failed, "
          f"{v['disconnected']} lost; RSS {rss['before_viewers'] / 1024:.1f} -> {rss['max'] / 1024:.1f} MiB")
print(f"all: {connected} viewers, broadcast RSS {before / 1024:.1f} -> {peak / 1024:.1f} MiB "
      f"({peak / 1024 / 1024:.2f} GiB; {(peak - before) / max(connected, 1):.1f} KiB per viewer)")
EOF
exit $failed
