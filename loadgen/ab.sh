#!/usr/bin/env bash
# A/B of the vote path: two pollcast binaries, measured alternately in the same run with the
# same client (loadgen's closed-loop `ceiling`, 64 votes in flight, no rate limits, a
# `dedupe: none` poll, each `pollcast serve` with its own redis-server, AOF everysec). Prints
# votes/s per run and the median of each side.
#
#   bash loadgen/ab.sh OLD_POLLCAST NEW_POLLCAST [ROUNDS] [REQUESTS]
#
# To compare with an earlier commit: `git worktree add /tmp/old <commit>`, then
# `cargo build --release -p pollcast --manifest-path /tmp/old/Cargo.toml --target-dir target/old`
# and pass target/old/release/pollcast as OLD_POLLCAST.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2 rounds=${3:-3} requests=${4:-100000}
PORT=${PORT:-18180}
source loadgen/serve.sh
cargo build --release -q -p loadgen
lg=./target/release/loadgen

run() { # BINARY → votes/s
  local bin=$1 dir key poll option pid
  dir=$(mktemp -d /tmp/pollcast-ab.XXXXXX)
  key=$(new_workspace "$bin" "$dir")
  RUST_LOG=warn "$bin" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" "${LIMITS_OFF[@]}" \
    >"$dir/serve.log" 2>&1 &
  pid=$!
  wait_ready "$PORT"
  read -r poll option < <(create_poll "$PORT" "$key")
  $lg ceiling --url "http://127.0.0.1:$PORT/v1/polls/$poll/votes" \
    --body "{\"option_ids\": [\"$option\"]}" --requests "$requests" --concurrency 64 |
    python3 -c 'import json, sys; r = json.load(sys.stdin); print(round(r["requests_per_second"]))'
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}

a=() b=()
for i in $(seq "$rounds"); do
  a+=("$(run "$old")"); echo "round $i: old ${a[-1]} votes/s"
  b+=("$(run "$new")"); echo "round $i: new ${b[-1]} votes/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "old median $(median "${a[@]}") votes/s, new median $(median "${b[@]}") votes/s"
