#!/usr/bin/env bash
# Measures votes/s through the whole pipeline, then vote-to-screen latency, on this machine: builds release binaries, starts
# `pollcast serve` (with its own redis-server) in a temp dir, runs `loadgen pipeline`, stops.
# Usage: loadgen/pipeline.sh [VOTES] [CONCURRENCY] [POLLS]
set -euo pipefail
cd "$(dirname "$0")/.."
votes=${1:-100000}; concurrency=${2:-128}; polls=${3:-4}
PORT=18181
source loadgen/start-pollcast.sh
./target/release/loadgen pipeline --base "http://127.0.0.1:$PORT" --api-key "$key" \
  --votes "$votes" --concurrency "$concurrency" --polls "$polls"
./target/release/loadgen latency --base "http://127.0.0.1:$PORT" --api-key "$key" --samples 200 --interval-ms 150
./target/release/loadgen latency --base "http://127.0.0.1:$PORT" --api-key "$key" --samples 200 --interval-ms 0
