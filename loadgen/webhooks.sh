#!/usr/bin/env bash
# Webhooks through a spike: do deliveries keep up, in bounded memory, and does a busy endpoint
# slow another? `pollcast serve` as shipped (every service), a fast local receiver that
# measures (`loadgen webhook-receiver`: answers 204 at once and records, per endpoint, how
# long after the vote was accepted each `vote.created` arrived), two workspaces:
#
#   A  one endpoint (`/a`) on `vote.created`; `loadgen steady` at $RATE votes/s for $SECS s;
#   B  one endpoint (`/b`) on `vote.created`; a trickle of $TRICKLE votes/s: first alone
#      (its latency with nothing else going on), then beside A's run.
#
# Reports per endpoint the deliveries and the p50/p99/max from vote accepted to delivery;
# how long after A's last vote its last delivery came; Redis `used_memory` before, at the
# end of the votes, and once every delivery is done (flat: the queue holds only what waits).
#
#   bash loadgen/webhooks.sh                      # RATE=10000 SECS=60, about 3 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-10000} SECS=${SECS:-60} TRICKLE=${TRICKLE:-20} ALONE_SECS=${ALONE_SECS:-20}
PORT=${PORT:-18480} RECEIVER_PORT=${RECEIVER_PORT:-18499}
source loadgen/serve.sh
cargo build --release -q -p pollcast -p loadgen
bin=${POLLCAST_BIN:-./target/release/pollcast} lg=./target/release/loadgen
work=$(mktemp -d /tmp/pollcast-webhooks.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

$lg webhook-receiver --listen "127.0.0.1:$RECEIVER_PORT" --workers 1 >/dev/null 2>&1 &
pids+=("$!")
key_a=$(new_workspace "$bin" "$work")
key_b=$(new_workspace "$bin" "$work")
RUST_LOG=warn "$bin" serve --data-dir "$work" --listen "127.0.0.1:$PORT" "${LIMITS_OFF[@]}" \
  --webhook-allow-private 127.0.0.0/8 --webhook-allow-http >"$work/serve.log" 2>&1 &
pid=$!; pids+=("$pid")
wait_ready "$PORT"
redis_sock="$work/redis/redis.sock"
used_memory() { redis-cli -s "$redis_sock" info memory | awk -F: '/^used_memory:/ {printf "%.1f MB", $2 / 1048576}'; }
queued() { # deliveries waiting, from the dispatcher's own gauge
  curl -fs "http://127.0.0.1:$PORT/metrics" | awk '/^webhook_queue_depth / {print $2; f=1} END {if (!f) print 0}'
}
for w in a b; do
  key_var="key_$w"
  vote_endpoint "$PORT" "${!key_var}" "http://127.0.0.1:$RECEIVER_PORT/$w"
done
stats() { curl -fs "http://127.0.0.1:$RECEIVER_PORT/stats"; }
report() { # LABEL PATH
  stats | python3 -c "
import json, sys
s = json.load(sys.stdin).get('$2', {})
print(f\"$1: {s.get('count', 0)} delivered; vote to delivery p50 {s.get('p50_ms', '-')} ms, p99 {s.get('p99_ms', '-')} ms, max {s.get('max_ms', '-')} ms\")"
}
trickle() { # SECONDS → B's votes at $TRICKLE/s
  $lg steady --base "http://127.0.0.1:$PORT" --api-key "$key_b" --rate "$TRICKLE" \
    --duration-secs "$1" --viewers 0 --polls 1 --dedupe none --out-dir "$work/b" >/dev/null 2>&1
}

echo "== $(date -u +%Y-%m-%dT%H:%MZ) $bin ($(git rev-parse --short HEAD)): webhooks, $RATE votes/s for $SECS s"
echo "redis used_memory at start: $(used_memory)"
trickle "$ALONE_SECS"
sleep 2
report "B alone, $TRICKLE votes/s for $ALONE_SECS s" /b
curl -fs -X POST "http://127.0.0.1:$RECEIVER_PORT/reset" >/dev/null

trickle "$((SECS + 5))" &
tpid=$!; pids+=("$tpid")
out=$($lg steady --base "http://127.0.0.1:$PORT" --api-key "$key_a" --rate "$RATE" \
  --duration-secs "$SECS" --viewers 0 --polls 4 --dedupe none --out-dir "$work/a" 2>&1)
echo "A: $(echo "$out" | grep -E 'votes accepted|HTTP' | tr -s ' ' | paste -sd ';')"
accepted=$(echo "$out" | awk '/votes accepted/ {print $2}')
echo "redis used_memory at the end of the votes: $(used_memory); deliveries waiting: $(queued)"
t=0
while :; do
  got=$(received "$RECEIVER_PORT" /a)
  [ "$got" -ge "$accepted" ] && break
  [ $t -ge 6000 ] && break
  sleep 0.1; t=$((t + 1))
done
wait "$tpid" 2>/dev/null || true
echo "A's last delivery $(python3 -c "print($t / 10)") s after its last vote ($got of $accepted)"
report "A, $RATE votes/s" /a
report "B, $TRICKLE votes/s beside A" /b
sleep 3
echo "redis used_memory once delivered: $(used_memory); deliveries waiting: $(queued)"
