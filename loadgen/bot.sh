#!/usr/bin/env bash
# Bot protection's cost, in one run: votes/s into a poll with `bot_protection: proof_of_work`
# against a plain poll on the same `pollcast serve` (its own redis-server, AOF everysec, no
# rate limits), wrk (1 thread, 64 connections, SECS seconds), rounds alternating, with the
# CPU time pollcast and its redis-server spent per vote; then how many valid proofs one core
# can forge per second at each difficulty (the attacker's cost).
#
# The protected poll's votes each carry their own solved challenge: `loadgen proofs` gets and
# solves every round's before the first timed run, and wrk sends each body once. What is
# measured is the server checking a solution and recording it used. The server runs with `--bot-difficulty 1`
# only so that solving a run's worth of challenges takes seconds, not an hour: checking a
# solution costs one SHA-256 and one HMAC whatever the difficulty.
#
#   bash loadgen/bot.sh            # 5 rounds of 5 s
#   ROUNDS=1 bash loadgen/bot.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5} SECS=${SECS:-5} PORT=${PORT:-18190}
# Solutions per round: more than a protected run can send in SECS (it fails if they run out).
PROOFS=${PROOFS:-$((40000 * SECS))}
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install -y wrk)"; exit 1; }
source loadgen/serve.sh
cargo build --release -q -p pollcast -p loadgen
bin=./target/release/pollcast lg=./target/release/loadgen
dir=$(mktemp -d /tmp/pollcast-bot.XXXXXX)
key=$(new_workspace "$bin" "$dir")
RUST_LOG=warn "$bin" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" "${LIMITS_OFF[@]}" \
  --bot-difficulty 1 >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
wait_ready "$PORT"

vote_lua "$dir/plain.lua"
cat >"$dir/proofs.lua" <<'LUA'
-- Each body once: a solution stores one vote only.
local path, bodies, i = os.getenv("VOTE_PATH"), {}, 0
for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
request = function()
  i = i + 1
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, bodies[i] or bodies[#bodies])
end
LUA

rpid=$(pgrep -f "redis-server.*$dir" | head -1)
run() { # LUA POLL OPTION BODIES → "votes/s pollcast-µs redis-µs" (serve.sh's timed_votes)
  VOTE_PATH="/v1/polls/$2/votes" VOTE_BODY="{\"option_ids\": [\"$3\"]}" BODIES="$4" \
    timed_votes "$pid" "$rpid" "$PORT" "$SECS" "$1" "$dir/wrk.txt"
}
# Every round's polls and solutions first, so solving never competes with a timed run.
plains=() guardeds=()
for i in $(seq "$ROUNDS"); do
  read -r plain option < <(create_poll "$PORT" "$key")
  plains+=("$plain $option")
  read -r guarded option < <(create_poll "$PORT" "$key")
  guardeds+=("$guarded $option")
  curl -fs -X PATCH "http://127.0.0.1:$PORT/v1/polls/$guarded" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' -d '{"bot_protection": "proof_of_work"}' >/dev/null
  $lg proofs --url "http://127.0.0.1:$PORT/v1/polls/$guarded/challenge" --count "$PROOFS" \
    --body "{\"option_ids\": [\"$option\"]}" --out "$dir/bodies-$i"
done
redis_mib() { # what pollcast's load gate last read of Redis's memory, MiB
  curl -fs "http://127.0.0.1:$PORT/metrics" |
    awk '/^redis_used_memory_bytes/ {printf "%d", $2 / 1048576}'
}
off=() on=()
for i in $(seq "$ROUNDS"); do
  # A pause before each run: tally drains the previous run's votes.
  sleep 1
  read -r plain option <<<"${plains[i - 1]}"
  read -r rate pcpu rcpu < <(run "$dir/plain.lua" "$plain" "$option" "")
  off+=("$rate"); echo "round $i: protection off $rate votes/s, CPU per vote: pollcast $pcpu µs, redis $rcpu µs"
  sleep 1
  read -r guarded option <<<"${guardeds[i - 1]}"
  read -r rate pcpu rcpu < <(run "$dir/proofs.lua" "$guarded" "$option" "$dir/bodies-$i")
  on+=("$rate"); echo "round $i: protection on $rate votes/s, CPU per vote: pollcast $pcpu µs, redis $rcpu µs (Redis then uses $(redis_mib) MiB)"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
m_off=$(median "${off[@]}") m_on=$(median "${on[@]}")
echo "median: off $m_off votes/s, on $m_on votes/s, on/off $(python3 -c "print(round($m_on / $m_off, 3))")"
kill $pid; wait $pid 2>/dev/null || true
$lg forge-cost
