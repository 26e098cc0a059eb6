#!/usr/bin/env bash
# Measures votes/s through the whole pipeline, then vote-to-screen latency, on this machine: builds release binaries, starts
# `pollcast serve` (with its own redis-server) in a temp dir, runs `loadgen pipeline`, stops.
# Usage: loadgen/pipeline.sh [VOTES] [CONCURRENCY] [POLLS]
set -euo pipefail
cd "$(dirname "$0")/.."
votes=${1:-100000}; concurrency=${2:-128}; polls=${3:-4}
cargo build --release -q -p pollcast -p loadgen
dir=$(mktemp -d /tmp/pollcast-bench.XXXXXX)
port=18181
key=$(./target/release/pollcast workspace create --name bench --data-dir "$dir" | awk '/^api_key:/ {print $2}')
# One load generator is one client address: the per-address limits would measure themselves.
RUST_LOG=warn ./target/release/pollcast serve --data-dir "$dir" --listen "127.0.0.1:$port" \
  --rate-votes-per-ip 0 --rate-votes-per-poll 0 --rate-api-per-key 0 >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
./target/release/loadgen pipeline --base "http://127.0.0.1:$port" --api-key "$key" \
  --votes "$votes" --concurrency "$concurrency" --polls "$polls"
./target/release/loadgen latency --base "http://127.0.0.1:$port" --api-key "$key" --samples 200 --interval-ms 150
./target/release/loadgen latency --base "http://127.0.0.1:$port" --api-key "$key" --samples 200 --interval-ms 0
