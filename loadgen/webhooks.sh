#!/usr/bin/env bash
# What webhooks cost and how fast they go (issue 12). `pollcast serve` (every service, the
# webhook dispatcher included) with a fast local receiver (`loadgen baseline-server`: answers
# 202 to anything, no Redis):
#
#   1. the added cost per vote of producing events: `loadgen steady --rate 5000` for $SECS s
#      without an endpoint, then with one endpoint subscribed to `vote.created`; the CPU
#      pollcast and its redis-server spent per vote in each, from loadgen's setup to its last
#      count (so it includes what runs whatever the votes: compare the two, not with
#      ratio.sh), and how long after the last vote the last delivery came;
#   2. deliveries per second: $BURST votes cast as fast as the closed loop goes (64 in flight),
#      then the time from the first vote until the receiver's last `vote.created`, from the
#      dispatcher's own counter (`webhook_attempts_total{outcome="succeeded"}`).
#
#   bash loadgen/webhooks.sh                     # SECS=20 BURST=30000, about 2 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SECS:-20} BURST=${BURST:-30000} PORT=${PORT:-18480} RECEIVER_PORT=${RECEIVER_PORT:-18499}
source loadgen/serve.sh
cargo build --release -q -p pollcast -p loadgen
bin=${POLLCAST_BIN:-./target/release/pollcast} lg=./target/release/loadgen
work=$(mktemp -d /tmp/pollcast-webhooks.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

$lg baseline-server --listen "127.0.0.1:$RECEIVER_PORT" --workers 1 >/dev/null 2>&1 &
pids+=("$!")
key=$(new_workspace "$bin" "$work")
RUST_LOG=warn "$bin" serve --data-dir "$work" --listen "127.0.0.1:$PORT" "${LIMITS_OFF[@]}" \
  --webhook-allow-private 127.0.0.0/8 --webhook-allow-http >"$work/serve.log" 2>&1 &
pid=$!; pids+=("$pid")
wait_ready "$PORT"
rpid=$(pgrep -f "redis-server.*$work" | head -1)
hz=$(getconf CLK_TCK)
delivered() {
  curl -fs "http://127.0.0.1:$PORT/metrics" |
    awk '/^webhook_attempts_total\{outcome="succeeded"\}/ {print $2; f=1} END {if (!f) print 0}'
}

steady() { # LABEL → CPU per vote of pollcast and redis over a steady run
  local p0 r0 out
  p0=$(cpu_ticks "$pid") r0=$(cpu_ticks "$rpid")
  out=$($lg steady --base "http://127.0.0.1:$PORT" --api-key "$key" --server-pid "$pid" \
    --rate 5000 --duration-secs "$SECS" --viewers 0 --polls 4 --dedupe none --out-dir "$work" 2>&1)
  local n; n=$(echo "$out" | awk '/votes accepted/ {print $2}'); last_n=$n
  echo "$1: $(echo "$out" | grep -E 'votes accepted|HTTP' | tr -s ' ' | paste -sd ';')"
  python3 -c "print(f'$1: {($(cpu_ticks "$pid") - $p0) / $hz / $n * 1e6:.1f} us pollcast + {($(cpu_ticks "$rpid") - $r0) / $hz / $n * 1e6:.1f} us redis of CPU a vote')"
}

echo "== $(date -u +%Y-%m-%dT%H:%MZ) $bin ($(git rev-parse --short HEAD)): 5,000 votes/s for $SECS s"
steady "no endpoint"
curl -fs -X POST "http://127.0.0.1:$PORT/v1/webhooks" -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' \
  -d "{\"url\": \"http://127.0.0.1:$RECEIVER_PORT/hook\", \"events\": [\"vote.created\"]}" >/dev/null
sleep 3 # the dispatcher's endpoint cache
d0=$(delivered)
steady "one endpoint, vote.created"
want=$(python3 -c "print(int($d0) + $last_n)")
t=0
while [ "$(python3 -c "print(int($(delivered)))")" -lt "$want" ] && [ $t -lt 600 ]; do sleep 0.1; t=$((t + 1)); done
echo "one endpoint, vote.created: $(python3 -c "print(int($(delivered)) - int($d0))") of $last_n delivered; the last $(python3 -c "print($t / 10)") s after the last vote"

echo "== deliveries per second: $BURST votes, closed loop"
read -r poll option < <(create_poll "$PORT" "$key")
d0=$(delivered)
t0=$(date +%s.%N)
$lg ceiling --url "http://127.0.0.1:$PORT/v1/polls/$poll/votes" \
  --body "{\"option_ids\": [\"$option\"]}" --requests "$BURST" --concurrency 64 >/dev/null
t1=$(date +%s.%N)
want=$(python3 -c "print(int($d0) + $BURST)")
for _ in $(seq 1200); do
  [ "$(python3 -c "print(int($(delivered)))")" -ge "$want" ] && break; sleep 0.05
done
t2=$(date +%s.%N)
got=$(python3 -c "print(int($(delivered)) - int($d0))")
python3 -c "print(f'votes: {$BURST / ($t1 - $t0):.0f}/s; deliveries: {$got} of {$BURST} in {$t2 - $t0:.1f} s from the first vote = {$got / ($t2 - $t0):.0f}/s (the last {$t2 - $t1:.1f} s after the last vote)')"
