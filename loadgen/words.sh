#!/usr/bin/env bash
# Open-text polls' cost, in one run on one `pollcast serve` (its own redis-server, AOF
# everysec, no rate limits):
#
# 1. ingest: votes/s into an open-text poll (3 entries a ballot, words from a vocabulary of
#    VOCAB with a few very common) against a single-choice poll, wrk (1 thread, 64
#    connections, SECS seconds), rounds alternating, with the CPU time pollcast and its
#    redis-server spent per vote;
# 2. reading a big cloud: an open-text poll filled to ENTRIES entries, then `GET
#    /v1/polls/{id}/results` (its top 100 terms) for SECS seconds against the same on a poll
#    of 120 entries and terms (results of the same length): a million entries should cost
#    what a hundred do.
#
#   bash loadgen/words.sh                       # 5 rounds of 5 s, 1,000,000 entries
#   ROUNDS=1 ENTRIES=100000 bash loadgen/words.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5} SECS=${SECS:-5} PORT=${PORT:-18191} VOCAB=${VOCAB:-20000}
ENTRIES=${ENTRIES:-1000000}
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install -y wrk)"; exit 1; }
source loadgen/serve.sh
cargo build --release -q -p pollcast -p loadgen
bin=./target/release/pollcast
dir=$(mktemp -d /tmp/pollcast-words.XXXXXX)
key=$(new_workspace "$bin" "$dir")
RUST_LOG=warn "$bin" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" "${LIMITS_OFF[@]}" \
  >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
wait_ready "$PORT"

text_poll() { # → prints the id of a new `dedupe: none` open-text poll (moderation none)
  curl -fs -X POST "http://127.0.0.1:$PORT/v1/polls" \
    -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"question": "bench", "kind": "open_text", "dedupe": "none", "moderation": "none"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}

vote_lua "$dir/choice.lua"
cat >"$dir/words.lua" <<'LUA'
-- Three entries a ballot: three neighbouring words of the vocabulary, the first drawn so
-- that low numbers (the common words) come up far more often than high ones.
local path, vocab = os.getenv("VOTE_PATH"), tonumber(os.getenv("VOCAB"))
math.randomseed(7)
request = function()
  local r = math.random()
  local w = math.floor(vocab * r * r * r)
  local body = string.format('{"entries": ["word%d", "word%d", "word%d"]}', w, w + 1, w + 2)
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
LUA
cat >"$dir/read.lua" <<'LUA'
local path = os.getenv("READ_PATH")
request = function() return wrk.format("GET", path) end
LUA

rpid=$(pgrep -f "redis-server.*$dir" | head -1)
run() { # LUA PATH BODY → "votes/s pollcast-µs redis-µs" (serve.sh's timed_votes)
  VOTE_PATH="$2" VOTE_BODY="$3" VOCAB="$VOCAB" \
    timed_votes "$pid" "$rpid" "$PORT" "$SECS" "$1" "$dir/wrk.txt"
}
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

choice=() words=()
for i in $(seq "$ROUNDS"); do
  sleep 1
  read -r poll option < <(create_poll "$PORT" "$key")
  read -r rate pcpu rcpu < <(run "$dir/choice.lua" "/v1/polls/$poll/votes" "{\"option_ids\": [\"$option\"]}")
  choice+=("$rate"); echo "round $i: single choice $rate votes/s, CPU per vote: pollcast $pcpu µs, redis $rcpu µs"
  sleep 1
  poll=$(text_poll)
  read -r rate pcpu rcpu < <(run "$dir/words.lua" "/v1/polls/$poll/votes" "")
  words+=("$rate"); echo "round $i: open text (3 entries) $rate votes/s, CPU per vote: pollcast $pcpu µs, redis $rcpu µs"
done
m_c=$(median "${choice[@]}") m_w=$(median "${words[@]}")
echo "median: single choice $m_c votes/s, open text $m_w votes/s, open text/choice $(python3 -c "print(round($m_w / $m_c, 3))")"

# 2. A big cloud and a small one.
big=$(text_poll) small=$(text_poll)
for i in $(seq 40); do # 120 entries, 120 terms: results as long as the big poll's
  curl -fs -X POST "http://127.0.0.1:$PORT/v1/polls/$small/votes" -H 'Content-Type: application/json' \
    -d "{\"entries\": [\"small$((3 * i))\", \"small$((3 * i + 1))\", \"small$((3 * i + 2))\"]}" >/dev/null
done
entries() { curl -fs "http://127.0.0.1:$PORT/v1/polls/$1/results" | python3 -c 'import json, sys; print(json.load(sys.stdin).get("total_entries", 0))'; }
filled=$(date +%s)
while [ "$(entries "$big")" -lt "$ENTRIES" ]; do
  VOTE_PATH="/v1/polls/$big/votes" VOCAB="$VOCAB" wrk -t1 -c64 -d10s -s "$dir/words.lua" "http://127.0.0.1:$PORT" >/dev/null
  sleep 2
done
echo "filled: $(entries "$big") entries in $(( $(date +%s) - filled )) s"
sock=$(find "$dir" -name "*.sock" | head -1)
tkey=$(redis-cli -s "$sock" --scan --pattern "*:terms:$big" | head -1)
terms=$(redis-cli -s "$sock" zcard "$tkey")
echo "distinct terms: $terms"
read_run() { # POLL → "reads/s p50-ms p99-ms"
  local out="$dir/read.txt"
  READ_PATH="/v1/polls/$1/results" wrk -t1 -c16 -d"$SECS"s --latency -s "$dir/read.lua" "http://127.0.0.1:$PORT" >"$out"
  if grep -q Non-2xx "$out"; then echo "refused reads:" >&2; cat "$out" >&2; exit 1; fi
  echo "$(awk '/Requests\/sec/ {print int($2)}' "$out") $(awk '$1 == "50%" {print $2}' "$out") $(awk '$1 == "99%" {print $2}' "$out")"
}
for i in $(seq "$ROUNDS"); do
  read -r r50 l50 l99 < <(read_run "$small")
  echo "round $i: results of a 120-entry poll (120 terms): $r50 reads/s, p50 $l50, p99 $l99"
  read -r rbig lbig lbig99 < <(read_run "$big")
  echo "round $i: results of a $(entries "$big")-entry poll ($terms terms): $rbig reads/s, p50 $lbig, p99 $lbig99"
done
curl -fs "http://127.0.0.1:$PORT/metrics" | awk '/^redis_used_memory_bytes/ {printf "Redis then uses %d MiB\n", $2 / 1048576}'
