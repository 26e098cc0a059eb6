#!/usr/bin/env bash
# Scaling out as far as this machine's cores allow, every setup in the same run: votes per
# second from the first vote until tally has counted as many, with separate processes
# (`pollcast serve --services ...`, one SQLite data dir) over
#   one       one redis-server (AOF, appendfsync everysec)
#   cluster   a Redis Cluster of 3 masters (AOF, everysec; `redis-cli --cluster create`)
#   cluster+r the same with a replica per master and `--redis-wait-replicas 1`
# and N vote-ingest × M tally instances (`INGEST`/`TALLY` lists). Eight polls spread the
# votes over the four shards. wrk (1 thread, 64 connections; 32 to each of two ingest
# instances) for SECS seconds; rounds alternate the setups so drift hits all of them.
#
#   bash loadgen/scale.sh                     # 3 rounds of 10 s (about 15 minutes)
#   ROUNDS=1 SECS=5 bash loadgen/scale.sh     # a quick look
#   SETUPS="one:1x1 one:2x1" bash loadgen/scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3} SECS=${SECS:-10}
SETUPS=${SETUPS:-one:1x1 one:2x1 one:1x2 cluster:1x1 cluster:2x2 cluster+r:1x1}
BASE_PORT=${BASE_PORT:-18400} REDIS_BASE=${REDIS_BASE:-17400}
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install -y wrk)"; exit 1; }
source loadgen/serve.sh
cargo build --release -q -p pollcast
bin=./target/release/pollcast
work=$(mktemp -d /tmp/pollcast-scale.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

redis() { # DIR PORT [cluster] → a redis-server in the background
  mkdir -p "$1"
  local extra=()
  [ -n "${3:-}" ] && extra=(--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000)
  redis-server --port "$2" --bind 127.0.0.1 --dir "$1" --save "" --appendonly yes \
    --appendfsync everysec --daemonize no "${extra[@]}" >"$1/log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 50); do redis-cli -p "$2" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "redis-server on $2 did not start" >&2; exit 1
}

start_redis() { # KIND → sets $url
  case "$1" in
    one) redis "$dir/redis" "$REDIS_BASE"; url="redis://127.0.0.1:$REDIS_BASE" ;;
    cluster|cluster+r)
      local n=3 replicas=0 nodes=()
      [ "$1" = cluster+r ] && n=6 replicas=1
      for i in $(seq 0 $((n - 1))); do
        redis "$dir/redis$i" $((REDIS_BASE + i)) cluster
        nodes+=("127.0.0.1:$((REDIS_BASE + i))")
      done
      redis-cli --cluster create "${nodes[@]}" --cluster-replicas "$replicas" --cluster-yes >/dev/null
      for _ in $(seq 100); do
        redis-cli -p "$REDIS_BASE" cluster info | grep -q cluster_state:ok && break; sleep 0.1
      done
      sleep 1
      url="redis+cluster://$(IFS=,; echo "${nodes[*]}")" ;;
  esac
}

proc() { # PORT SERVICES [FLAGS...]
  local port=$1 services=$2; shift 2
  RUST_LOG=warn "$bin" serve --services "$services" --data-dir "$dir" --redis-url "$url" \
    --listen "127.0.0.1:$port" "${LIMITS_OFF[@]}" "$@" >>"$dir/serve.log" 2>&1 &
  pids+=("$!"); procs+=("$!")
  wait_ready "$port"
}

# SETUP (kind:NxM) → sets $rate
measure() {
  local kind=${1%%:*} shape=${1#*:}
  local ingests=${shape%x*} tallies=${shape#*x}
  dir=$(mktemp -d "$work/run.XXXXXX") procs=()
  start_redis "$kind"
  local flags=()
  [ "$kind" = cluster+r ] && flags=(--redis-wait-replicas 1)
  key=$(new_workspace "$bin" "$dir")
  local port=$BASE_PORT
  proc "$port" api,results-broadcast "${flags[@]}"
  local api=$port urls=()
  for _ in $(seq "$ingests"); do port=$((port + 1)); proc "$port" vote-ingest "${flags[@]}"; urls+=("$port"); done
  for _ in $(seq "$tallies"); do port=$((port + 1)); proc "$port" tally "${flags[@]}"; done
  local polls=() paths=()
  for _ in $(seq 8); do
    read -r poll option < <(create_poll "$api" "$key")
    polls+=("$poll")
    paths+=("{\"/v1/polls/$poll/votes\", '{\"option_ids\": [\"$option\"]}'}")
  done
  { printf 'local votes = {%s}\nlocal i = 0\n' "$(IFS=,; echo "${paths[*]}")"
    printf 'request = function()\n  i = i %% #votes + 1\n  return wrk.format("POST", votes[i][1], {["Content-Type"] = "application/json"}, votes[i][2])\nend\n'
  } >"$dir/votes.lua"
  local conns=$((64 / ingests)) t0 t1 n=0 wrks=()
  t0=$(date +%s.%N)
  for p in "${urls[@]}"; do
    wrk -t1 -c"$conns" -d"$SECS"s -s "$dir/votes.lua" "http://127.0.0.1:$p" >"$dir/wrk-$p.txt" &
    wrks+=("$!")
  done
  wait "${wrks[@]}"
  for p in "${urls[@]}"; do
    n=$((n + $(awk '/requests in/ {n = $1} /Non-2xx/ {bad = $NF} END {print n - bad}' "$dir/wrk-$p.txt")))
  done
  total() {
    local sum=0 t
    for poll in "${polls[@]}"; do
      t=$(curl -fs "http://127.0.0.1:$api/v1/polls/$poll/results" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["total_votes"])')
      sum=$((sum + t))
    done
    echo "$sum"
  }
  for _ in $(seq 3000); do [ "$(total)" -ge "$n" ] && break; sleep 0.1; done
  t1=$(date +%s.%N)
  local c; c=$(total)
  [ "$c" -ge "$n" ] && [ "$c" -le $((n + 64)) ] || { echo "$1: counted $c, $n answered 202" >&2; exit 1; }
  for p in "${procs[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  rm -rf "$dir"
  rate=$(python3 -c "print(round($n / ($t1 - $t0)))")
}

declare -A got
for r in $(seq "$ROUNDS"); do
  line="round $r:"
  for s in $SETUPS; do
    measure "$s"
    got[$s]="${got[$s]:-} $rate"
    line="$line $s $rate"
  done
  echo "$line"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
first=${SETUPS%% *}
base=$(median ${got[$first]})
echo "median votes/s over $ROUNDS rounds of $SECS s (ratio to $first):"
for s in $SETUPS; do
  m=$(median ${got[$s]})
  python3 -c "print(f'  {\"$s\":<12} {$m:>7}  ({$m / $base:.2f}x)')"
done
