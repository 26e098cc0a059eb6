#!/usr/bin/env bash
# Bot protection's cost, in one run: votes/s into a poll with `bot_protection: proof_of_work`
# against a plain poll on the same `pollcast serve` (its own redis-server, AOF everysec, no
# rate limits), rounds alternating; then how many valid proofs one core can forge per second
# at each difficulty level (the attacker's cost).
#
# The load generator solves the protected poll's challenges before the clock starts
# (`ceiling --solve-challenges`): what is measured is the server checking a solution and
# recording it used. The server runs with `--bot-difficulty 1` only so that solving a run's
# worth of challenges takes seconds, not an hour; checking a solution costs one SHA-256 and
# one HMAC whatever the difficulty.
#
#   bash loadgen/bot.sh [ROUNDS] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3} requests=${2:-60000}
PORT=${PORT:-18190}
source loadgen/serve.sh
cargo build --release -q -p pollcast -p loadgen
bin=./target/release/pollcast lg=./target/release/loadgen
dir=$(mktemp -d /tmp/pollcast-bot.XXXXXX)
key=$(new_workspace "$bin" "$dir")
RUST_LOG=warn "$bin" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" "${LIMITS_OFF[@]}" \
  --bot-difficulty 1 >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
wait_ready "$PORT"
read -r plain plain_option < <(create_poll "$PORT" "$key")
read -r guarded guarded_option < <(create_poll "$PORT" "$key")
curl -fs -X PATCH "http://127.0.0.1:$PORT/v1/polls/$guarded" -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' -d '{"bot_protection": "proof_of_work"}' >/dev/null

ceiling() { # POLL OPTION [--solve-challenges] → votes/s
  $lg ceiling --url "http://127.0.0.1:$PORT/v1/polls/$1/votes" --body "{\"option_ids\": [\"$2\"]}" \
    --requests "$requests" --concurrency 64 "${@:3}" |
    python3 -c 'import json, sys; r = json.load(sys.stdin); assert r["succeeded"] == r["requests"], r; print(round(r["requests_per_second"]))'
}
off=() on=()
for i in $(seq "$rounds"); do
  off+=("$(ceiling "$plain" "$plain_option")"); echo "round $i: protection off ${off[-1]} votes/s"
  on+=("$(ceiling "$guarded" "$guarded_option" --solve-challenges)"); echo "round $i: protection on ${on[-1]} votes/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
m_off=$(median "${off[@]}") m_on=$(median "${on[@]}")
echo "median: off $m_off votes/s, on $m_on votes/s, on/off $(python3 -c "print(round($m_on / $m_off, 3))")"
kill $pid; wait $pid 2>/dev/null || true
$lg forge-cost
