#!/usr/bin/env bash
# Measures the CSV export of a poll with VOTES votes (default 1,000,000): fills the poll through
# the whole pipeline, then streams its votes.csv while sampling the server's resident memory.
# Usage: loadgen/export.sh [VOTES]
set -euo pipefail
cd "$(dirname "$0")/.."
votes=${1:-1000000}
cargo build --release -q -p pollcast -p loadgen
dir=$(mktemp -d /tmp/pollcast-export.XXXXXX)
port=18182
key=$(./target/release/pollcast workspace create --name bench --data-dir "$dir" | awk '/^api_key:/ {print $2}')
# One load generator is one client address: the per-address limits would measure themselves.
RUST_LOG=warn ./target/release/pollcast serve --data-dir "$dir" --listen "127.0.0.1:$port" \
  --rate-votes-per-ip 0 --rate-votes-per-poll 0 --rate-api-per-key 0 >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
report=$(./target/release/loadgen pipeline --base "http://127.0.0.1:$port" --api-key "$key" \
  --votes "$votes" --concurrency 128 --polls 1)
echo "$report"
poll=$(echo "$report" | python3 -c 'import sys, json; print(json.load(sys.stdin)["poll_ids"][0])')
./target/release/loadgen export --base "http://127.0.0.1:$port" --api-key "$key" --poll "$poll" --server-pid "$pid"
