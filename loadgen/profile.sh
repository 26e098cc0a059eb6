#!/usr/bin/env bash
# Where a vote's instructions go: runs `pollcast serve` (every service, release build) under
# valgrind's callgrind twice, for N1 and N2 votes (loadgen's closed loop, 16 in flight, a
# `dedupe: none` poll), waits until tally has counted them all, and prints the difference per
# vote for each group of threads: the HTTP workers (actix: HTTP, JSON, checks, the vote
# handler), the Tokio workers (group commit, tally's read/commit/ack, the publisher, the
# fan-out, the Redis client's reply parsing) and the blocking pool (the SQLite vote log).
# Instruction counts do not depend on the machine's noise; the difference of two runs takes
# start-up out. Then the bare endpoint (loadgen/ratio.sh's baseline) measured the same way,
# for scale, and the 25 functions with the most instructions of their own in the N2 run.
#
#   bash loadgen/profile.sh             # N1=2000 N2=6000, about 2 minutes
#   OUT=dir bash loadgen/profile.sh     # keep the callgrind files in dir
#   POLLCAST_BIN=/tmp/old/pollcast bash loadgen/profile.sh   # another build of pollcast
#   SERVICES=api,vote-ingest,tally,results-broadcast bash loadgen/profile.sh   # some services
#   HOOKED=1 bash loadgen/profile.sh    # with one `vote.created` endpoint (a `loadgen
#                                       # webhook-receiver`, not profiled): each run also waits
#                                       # until every vote was delivered, so the difference is
#                                       # what a vote and its delivery cost
set -euo pipefail
cd "$(dirname "$0")/.."
N1=${N1:-2000} N2=${N2:-6000} PORT=${PORT:-18381}
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install -y valgrind)"; exit 1; }
source loadgen/serve.sh
cargo build --release -q -p pollcast -p loadgen
bin=${POLLCAST_BIN:-$PWD/target/release/pollcast} lg=$PWD/target/release/loadgen
OUT=${OUT:-$(mktemp -d /tmp/pollcast-profile.XXXXXX)}
mkdir -p "$OUT"
HOOKED=${HOOKED:-} RECEIVER_PORT=${RECEIVER_PORT:-18398}
if [ -n "$HOOKED" ]; then
  "$lg" webhook-receiver --listen "127.0.0.1:$RECEIVER_PORT" --workers 1 >/dev/null 2>&1 &
  receiver=$!
  trap 'kill $receiver 2>/dev/null || true' EXIT
fi

run() { # VOTES → $OUT/VOTES.cg-<thread>
  local n=$1 dir key pid poll option c=0
  dir=$(mktemp -d /tmp/pollcast-profile-run.XXXXXX)
  key=$(new_workspace "$bin" "$dir")
  RUST_LOG=warn valgrind --tool=callgrind --separate-threads=yes \
    --callgrind-out-file="$OUT/$n.cg" "$bin" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" \
    ${SERVICES:+--services "$SERVICES"} "${LIMITS_OFF[@]}" --webhook-allow-private 127.0.0.0/8 --webhook-allow-http >"$dir/serve.log" 2>&1 &
  pid=$!
  wait_ready "$PORT" 600
  read -r poll option < <(create_poll "$PORT" "$key")
  if [ -n "$HOOKED" ]; then
    curl -fs -X POST "http://127.0.0.1:$RECEIVER_PORT/reset" >/dev/null
    vote_endpoint "$PORT" "$key" "http://127.0.0.1:$RECEIVER_PORT/votes"
  fi
  "$lg" ceiling --url "http://127.0.0.1:$PORT/v1/polls/$poll/votes" \
    --body "{\"option_ids\": [\"$option\"]}" --requests "$n" --concurrency 16 >/dev/null
  for _ in $(seq 600); do
    c=$(curl -fs "http://127.0.0.1:$PORT/v1/polls/$poll/results" -H "Authorization: Bearer $key" |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["total_votes"])')
    [ "$c" -ge "$n" ] && break; sleep 0.2
  done
  [ "$c" -eq "$n" ] || { echo "counted $c of $n" >&2; exit 1; }
  if [ -n "$HOOKED" ]; then
    for _ in $(seq 600); do [ "$(received "$RECEIVER_PORT" /votes)" -ge "$n" ] && break; sleep 0.2; done
    local d; d=$(received "$RECEIVER_PORT" /votes)
    [ "$d" -eq "$n" ] || { echo "delivered $d of $n" >&2; exit 1; }
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}

run "$N1"
run "$N2"
echo "== $(date -u +%Y-%m-%dT%H:%MZ) $bin ($(git rev-parse --short HEAD)): instructions per vote${HOOKED:+ and its vote.created delivery}${SERVICES:+ (--services $SERVICES)}, ($N2 - $N1 votes) / $((N2 - N1))"
python3 - "$OUT" "$N1" "$N2" <<'PY'
import glob, re, sys
out, n1, n2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def group(text):
    # Tokio's workers also run on its blocking pool's threads: test for them first.
    if 'multi_thread::worker::run' in text: return 'Tokio workers: group commit, tally, publisher, fan-out, webhook dispatcher, Redis replies'
    if 'actix_server::worker' in text: return 'HTTP workers: HTTP, JSON, checks, the vote handler'
    if 'blocking::pool' in text: return 'blocking pool: SQLite (the vote log, the webhook log)'
    return 'other threads'
def load(n):
    totals = {}
    for f in glob.glob(f'{out}/{n}.cg-*'):
        text = open(f, errors='replace').read()
        m = re.search(r'^(?:totals|summary): (\d+)', text, re.M)
        g = group(text)
        totals[g] = totals.get(g, 0) + int(m.group(1) if m else 0)
    return totals
a, b = load(n1), load(n2)
for g in sorted(set(a) | set(b), key=lambda g: -(b.get(g, 0) - a.get(g, 0))):
    print(f'{(b.get(g, 0) - a.get(g, 0)) / (n2 - n1):>10,.0f}  {g}')
print(f'{(sum(b.values()) - sum(a.values())) / (n2 - n1):>10,.0f}  all')
PY
echo "== for scale: the bare endpoint (loadgen baseline-server --redis: parse, one XADD), the same way"
bare_dir=$(mktemp -d /tmp/pollcast-profile-bare.XXXXXX)
redis-server --port 0 --unixsocket "$bare_dir/redis.sock" --dir "$bare_dir" --appendonly yes \
  --appendfsync everysec --save '' >/dev/null 2>&1 &
rpid=$!
for n in "$N1" "$N2"; do
  valgrind --tool=callgrind --callgrind-out-file="$OUT/bare-$n.cg" "$lg" baseline-server \
    --listen "127.0.0.1:$PORT" --workers 2 --redis "unix://$bare_dir/redis.sock" >/dev/null 2>&1 &
  bpid=$!
  for _ in $(seq 300); do curl -fs -X POST -d '{}' "http://127.0.0.1:$PORT/x" >/dev/null && break; sleep 0.2; done
  "$lg" ceiling --url "http://127.0.0.1:$PORT/v1/polls/x/votes" --body '{"option_ids": ["aaaaaaaa"]}' \
    --requests "$n" --concurrency 16 >/dev/null
  kill "$bpid"; wait "$bpid" 2>/dev/null || true
done
kill "$rpid"; wait "$rpid" 2>/dev/null || true
rm -rf "$bare_dir"
total() { grep -m1 -E '^(totals|summary):' "$1" | awk '{print $2}'; }
echo "$(( ($(total "$OUT/bare-$N2.cg") - $(total "$OUT/bare-$N1.cg")) / (N2 - N1) )) instructions a request"

echo "== the 25 functions with the most instructions of their own, all threads, $N2 votes"
for f in "$OUT/$N2".cg-*; do
  callgrind_annotate --auto=no "$f" 2>/dev/null | sed -n '/file:function/,$p'
done | python3 -c '
import re, sys
own = {}
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) \([ \d.]+%\)  (\S.*?)(?: \[[^]]*\])?$", line)
    if m:
        name = m.group(2).split(":", 1)[-1]
        own[name] = own.get(name, 0) + int(m.group(1).replace(",", ""))
total = sum(own.values())
for name, n in sorted(own.items(), key=lambda kv: -kv[1])[:25]:
    print(f"{n / total:6.1%}  {name[:150]}")
'
echo "(callgrind files: $OUT)"
