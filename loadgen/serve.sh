# Sourced by the benchmark scripts: what every one of them does to a `pollcast serve` run.
# One load generator is one client address, so the per-address and per-poll limits would
# measure themselves: benchmarks turn them off (LIMITS_OFF), as an operator expecting a crowd
# behind one address would raise them.
LIMITS_OFF=(--rate-votes-per-ip 0 --rate-votes-per-poll 0 --rate-api-per-key 0 --rate-voters-per-ip 0)

new_workspace() { # BIN DIR [STORE FLAGS...] → prints the new workspace's admin API key
  "$1" workspace create --name bench --data-dir "$2" "${@:3}" | awk '/^api_key:/ {print $2}'
}

start_cql() { # DIR → sets $cql (host:port) from a CQL server of the bench's own, from
  # ../shared/cql-server (Apache Cassandra speaking CQL v4; needs Java 17). Stop: stop_cql.
  cql=$(../shared/cql-server/start "$1" | tail -1)
  cql_dir=$1
}

stop_cql() { kill "$(cat "$cql_dir/pid")" 2>/dev/null || true; }

scylla_flags() { # → sets $store_flags: a fresh keyspace on $cql, one replica
  store_flags=(--store "scylla://$cql/bench_$(date +%s%N)" --scylla-replication SimpleStrategy:1)
}

wait_ready() { # PORT [TRIES of 0.2 s, default 100]
  for _ in $(seq "${2:-100}"); do
    curl -fs "http://127.0.0.1:$1/readyz" >/dev/null && return 0
    sleep 0.2
  done
  echo "pollcast on port $1 did not become ready" >&2
  return 1
}

create_poll() { # PORT KEY → prints "<poll id> <first option id>" of a new `dedupe: none` poll
  curl -fs -X POST "http://127.0.0.1:$1/v1/polls" \
    -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -d '{"question": "bench", "options": [{"label": "a"}, {"label": "b"}], "dedupe": "none"}' |
    python3 -c 'import json, sys; p = json.load(sys.stdin); print(p["id"], p["options"][0]["id"])'
}

vote_endpoint() { # PORT KEY URL → a `vote.created` endpoint of KEY's workspace, at URL
  curl -fs -X POST "http://127.0.0.1:$1/v1/webhooks" -H "Authorization: Bearer $2" \
    -H 'Content-Type: application/json' \
    -d "{\"url\": \"$3\", \"events\": [\"vote.created\"]}" >/dev/null
}

received() { # RECEIVER_PORT PATH → how many deliveries `loadgen webhook-receiver` had on PATH
  curl -fs "http://127.0.0.1:$1/stats" |
    python3 -c "import json, sys; print(json.load(sys.stdin).get('$2', {}).get('count', 0))"
}

cpu_ticks() { # PID → the CPU time it has used, in clock ticks (user + system)
  awk '{print $14 + $15}' "/proc/$1/stat"
}

vote_lua() { # FILE → a wrk script that POSTs the JSON $VOTE_BODY to $VOTE_PATH, again and again
  cat >"$1" <<'LUA'
local path, body = os.getenv("VOTE_PATH"), os.getenv("VOTE_BODY")
request = function()
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
LUA
}

timed_votes() { # PID RPID PORT SECS LUA OUT → "votes/s pollcast-µs redis-µs": wrk (1 thread,
  # 64 connections) runs LUA (which reads its own environment) for SECS; votes answered 2xx
  # a second, and the CPU time pollcast (PID) and its redis-server (RPID) spent per vote.
  # Fails if any vote was refused. Tally counts a run's votes in the pause after it, so the
  # CPU is read once it has caught up (2 s later).
  local p0 r0 n hz
  hz=$(getconf CLK_TCK)
  p0=$(cpu_ticks "$1") r0=$(cpu_ticks "$2")
  wrk -t1 -c64 -d"$4"s -s "$5" "http://127.0.0.1:$3" >"$6"
  if grep -q Non-2xx "$6"; then echo "refused votes:" >&2; cat "$6" >&2; exit 1; fi
  sleep 2
  n=$(awk '/requests in/ {print $1}' "$6")
  echo "$(awk '/Requests\/sec/ {print int($2)}' "$6") \
    $(python3 -c "print(round(($(cpu_ticks "$1") - $p0) / $hz / $n * 1e6, 1), round(($(cpu_ticks "$2") - $r0) / $hz / $n * 1e6, 1))")"
}
