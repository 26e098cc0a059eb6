#!/usr/bin/env bash
# The cost of a vote as one number: pollcast's votes/s against the bare durable endpoint (an
# actix-web handler that parses the vote and does one XADD: `loadgen baseline-server --redis`),
# measured in the same run, with the same client (wrk, 1 thread, 64 connections, one vote body),
# on the same redis-server (pollcast's own, so both have the same persistence settings), once
# with `appendfsync everysec` and once with `always`. Rounds alternate the sides so drift on a
# noisy machine hits all of them. Per-address and per-poll vote limits are off (one client
# is one address); de-duplication, the vote log, metrics and AOF stay on.
#
# Figures per setting, first what users run:
#   bare       the bare endpoint's votes/s
#   serve      `pollcast serve` as shipped (every service): votes answered 202 / seconds from
#              the first vote until tally has counted as many (so a tally that falls behind
#              lowers it), and the CPU time pollcast and its redis-server spent per vote
#   hooked     the same with one `vote.created` endpoint on a fast local receiver (`loadgen
#              webhook-receiver`); the run fails unless every vote is delivered, and the
#              seconds until the last delivery are reported beside it
#   pipeline   `--services api,vote-ingest,tally,results-broadcast` the same way (no webhook
#              dispatcher, web or console)
#   ingest     `--services api,vote-ingest`: 202s/s, nothing counts
#
#   bash loadgen/ratio.sh                  # 3 rounds of 10 s per setting (about 10 minutes)
#   ROUNDS=1 SECS=5 bash loadgen/ratio.sh  # a quick look
#   POLLCAST_BIN=/tmp/old/pollcast bash loadgen/ratio.sh   # another build of pollcast
#   BEFORE=/tmp/old/pollcast bash loadgen/ratio.sh # also `serve` of that build, in each round
#   MEASURES="serve" bash loadgen/ratio.sh         # only some of the figures (bare always)
#   STORE=scylla bash loadgen/ratio.sh     # the pipeline also with the ScyllaDB store (a CQL
#                                          # server from ../shared/cql-server on this machine)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3} SECS=${SECS:-10} FSYNCS=${FSYNCS:-everysec always}
MEASURES=${MEASURES:-serve hooked pipeline ingest}
PORT=${PORT:-18280} BARE_PORT=${BARE_PORT:-18299} RECEIVER_PORT=${RECEIVER_PORT:-18298}
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install -y wrk)"; exit 1; }
source loadgen/serve.sh
cargo build --release -q -p pollcast -p loadgen
bin=${POLLCAST_BIN:-./target/release/pollcast} lg=./target/release/loadgen
work=$(mktemp -d /tmp/pollcast-ratio.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
STORES=(sqlite)
if [ "${STORE:-sqlite}" = scylla ]; then
  STORES+=(scylla)
  start_cql "$work/cql"
  trap 'stop_cql; cleanup' EXIT
fi

start() { # FSYNC SERVICES [STORE] → sets dir, pid, key, poll, option ("" SERVICES: all of them)
  dir=$(mktemp -d "$work/serve.XXXXXX")
  store_flags=()
  [ "${3:-sqlite}" = scylla ] && scylla_flags
  key=$(new_workspace "$bin" "$dir" "${store_flags[@]}")
  local services=()
  [ -n "$2" ] && services=(--services "$2")
  RUST_LOG=warn "$bin" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" --redis-fsync "$1" \
    "${services[@]}" "${LIMITS_OFF[@]}" "${store_flags[@]}" \
    --webhook-allow-private 127.0.0.0/8 --webhook-allow-http >"$dir/serve.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_ready "$PORT"
  read -r poll option < <(create_poll "$PORT" "$key")
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }

wrk_votes() { # URL BODY → "accepted seconds"
  printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = %s\n' \
    "'$2'" >"$work/post.lua"
  wrk -t1 -c64 -d"$SECS"s -s "$work/post.lua" "$1" >"$work/wrk.txt"
  awk '/requests in/ {n = $1; s = $4 + 0} /Non-2xx/ {bad = $NF}
       END {print n - bad, s}' "$work/wrk.txt"
}

counted() {
  curl -fs "http://127.0.0.1:$PORT/v1/polls/$poll/results" -H "Authorization: Bearer $key" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["total_votes"])'
}

# Each measure sets $rate; they run in this shell (not in $(...)), so the exit trap knows
# every process they start.
bare() { # FSYNC → votes/s of the bare endpoint, on pollcast's own (idle) redis-server
  start "$1" api
  $lg baseline-server --listen "127.0.0.1:$BARE_PORT" --workers 2 \
    --redis "unix://$dir/redis/redis.sock" >/dev/null 2>&1 &
  local b=$!; pids+=("$b")
  for _ in $(seq 50); do curl -fs -X POST -d '{}' "http://127.0.0.1:$BARE_PORT/x" >/dev/null && break; sleep 0.1; done
  read -r n s < <(wrk_votes "http://127.0.0.1:$BARE_PORT/v1/polls/x/votes" '{"option_ids": ["aaaaaaaa"]}')
  kill "$b"; wait "$b" 2>/dev/null || true
  stop
  rate=$(python3 -c "print(round($n / $s))")
}

ingest() { # FSYNC → 202s per second with nothing counting
  start "$1" api,vote-ingest
  read -r n s < <(wrk_votes "http://127.0.0.1:$PORT/v1/polls/$poll/votes" "{\"option_ids\": [\"$option\"]}")
  stop
  rate=$(python3 -c "print(round($n / $s))")
}


counts() { # SERVICES [STORE] [hooked] → sets $rate: accepted votes per second from the first
  # vote to the last one counted, $cpu: the CPU each vote cost pollcast and its redis-server,
  # and with `hooked`, $delivered_in: seconds from the first vote to the last delivery
  start "$fsync" "$1" "${2:-sqlite}"
  local hooked=${3:-} t0 n s rpid p0 r0
  if [ -n "$hooked" ]; then
    curl -fs -X POST "http://127.0.0.1:$RECEIVER_PORT/reset" >/dev/null
    vote_endpoint "$PORT" "$key" "http://127.0.0.1:$RECEIVER_PORT/votes"
  fi
  rpid=$(pgrep -f "redis-server.*$dir" | head -1)
  p0=$(cpu_ticks "$pid") r0=$(cpu_ticks "$rpid")
  t0=$(date +%s.%N)
  read -r n s < <(wrk_votes "http://127.0.0.1:$PORT/v1/polls/$poll/votes" "{\"option_ids\": [\"$option\"]}")
  for _ in $(seq 6000); do [ "$(counted)" -ge "$n" ] && break; sleep 0.05; done
  local t1; t1=$(date +%s.%N)
  # wrk cuts the requests in flight when its time is up: the server may have accepted up to 64
  # votes more than wrk saw answered.
  local c; c=$(counted)
  [ "$c" -ge "$n" ] && [ "$c" -le $((n + 64)) ] || { echo "counts: counted $c, $n answered 202" >&2; exit 1; }
  if [ -n "$hooked" ]; then
    for _ in $(seq 12000); do [ "$(received "$RECEIVER_PORT" /votes)" -ge "$c" ] && break; sleep 0.05; done
    local d; d=$(received "$RECEIVER_PORT" /votes)
    [ "$d" -eq "$c" ] || { echo "hooked: $d delivered, $c counted" >&2; exit 1; }
    delivered_in=$(python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')")
  fi
  local hz; hz=$(getconf CLK_TCK)
  cpu=$(python3 -c "print(f'{($(cpu_ticks "$pid") - $p0) / $hz / $c * 1e6:.0f} us pollcast + {($(cpu_ticks "$rpid") - $r0) / $hz / $c * 1e6:.0f} us redis')")
  stop
  rate=$(python3 -c "print(round($n / ($t1 - $t0)))")
}

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
ratio() { python3 -c "print(f'{$1} ({$1/$2:.2f}x)')"; }
$lg webhook-receiver --listen "127.0.0.1:$RECEIVER_PORT" --workers 1 >/dev/null 2>&1 &
pids+=("$!")
summary=()
wants() { [[ " $MEASURES " == *" $1 "* ]]; }
for fsync in $FSYNCS; do
  b=() v=() o=() h=() p=() i=() q=()
  for r in $(seq "$ROUNDS"); do
    bare "$fsync"; b+=("$rate"); line="appendfsync $fsync, round $r: bare ${b[-1]}"
    if wants serve; then counts ""; v+=("$rate"); line+=", serve ${v[-1]} ($cpu a vote)"; fi
    if [ -n "${BEFORE:-}" ]; then
      ours=$bin bin=$BEFORE
      counts ""; o+=("$rate"); line+=", serve of $BEFORE ${o[-1]} ($cpu)"
      bin=$ours
    fi
    if wants hooked; then
      counts "" sqlite hooked; h+=("$rate"); line+=", hooked ${h[-1]} (delivered in ${delivered_in} s; $cpu)"
    fi
    if wants pipeline; then
      counts api,vote-ingest,tally,results-broadcast; p+=("$rate"); line+=", pipeline ${p[-1]} ($cpu)"
    fi
    if wants ingest; then ingest "$fsync"; i+=("$rate"); line+=", ingest ${i[-1]}"; fi
    if [ ${#STORES[@]} -gt 1 ]; then
      counts api,vote-ingest,tally,results-broadcast scylla; q+=("$rate")
      line+=", pipeline on ScyllaDB ${q[-1]} ($cpu)"
    fi
    echo "$line votes/s"
  done
  mb=$(median "${b[@]}")
  line="appendfsync $fsync: bare $mb"
  for m in "serve:v" "serve of ${BEFORE:-}:o" "hooked:h" "pipeline:p" "ingest:i" "pipeline on ScyllaDB:q"; do
    declare -n got=${m##*:}
    [ ${#got[@]} -gt 0 ] && line+=", ${m%:*} $(ratio "$(median "${got[@]}")" "$mb")"
    unset -n got
  done
  summary+=("$line votes/s (medians of $ROUNDS)")
done
echo "== $(date -u +%Y-%m-%dT%H:%MZ) $bin ($(git rev-parse --short HEAD)) wrk -t1 -c64 -d${SECS}s"
printf '%s\n' "${summary[@]}"
