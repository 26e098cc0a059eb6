#!/usr/bin/env bash
# Measures the CSV export of a poll with VOTES votes (default 1,000,000): fills the poll through
# the whole pipeline, then streams its votes.csv while sampling the server's resident memory.
# Usage: loadgen/export.sh [VOTES]
set -euo pipefail
cd "$(dirname "$0")/.."
votes=${1:-1000000}
PORT=18182
source loadgen/start-pollcast.sh
report=$(./target/release/loadgen pipeline --base "http://127.0.0.1:$PORT" --api-key "$key" \
  --votes "$votes" --concurrency 128 --polls 1)
echo "$report"
poll=$(echo "$report" | python3 -c 'import sys, json; print(json.load(sys.stdin)["poll_ids"][0])')
./target/release/loadgen export --base "http://127.0.0.1:$PORT" --api-key "$key" --poll "$poll" --server-pid "$pid"
