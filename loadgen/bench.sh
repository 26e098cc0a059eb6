#!/usr/bin/env bash
# The benchmark suite: builds release binaries, starts `pollcast serve` (its own redis-server,
# SQLite, every service in one process), measures the cost of a vote against the bare XADD
# endpoint (loadgen/ratio.sh), measures the baselines that bound this machine, runs the
# standard scenarios, and prints each figure next to its baseline. Reports (JSON and HTML)
# go to $OUT (default loadgen-reports/<time>). See docs/benchmarks.md.
#
#   bash loadgen/bench.sh            # the standard run (about 10 minutes)
#   QUICK=1 bash loadgen/bench.sh    # a short run of everything (about 2 minutes)
#   SOAK_SECS=1800 bash loadgen/bench.sh   # with the 30-minute soak
set -euo pipefail
cd "$(dirname "$0")/.."
# Tens of thousands of viewers need as many descriptors, in pollcast and in loadgen.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
PORT=${PORT:-18080}
BASELINE_PORT=${BASELINE_PORT:-18099}
OUT=${OUT:-loadgen-reports/$(date -u +%Y%m%dT%H%M%SZ)}
if [ -n "${QUICK:-}" ]; then
  secs=5; requests=20000; steady_rate=${STEADY_RATE:-2000}; viewers=${VIEWERS:-2000}
  load_viewers=200; soak_secs=${SOAK_SECS:-10}
else
  secs=30; requests=200000; steady_rate=${STEADY_RATE:-5000}; viewers=${VIEWERS:-10000}
  load_viewers=${LOAD_VIEWERS:-1000}; soak_secs=${SOAK_SECS:-120}
fi
mkdir -p "$OUT"

echo "== the cost of a vote: pollcast against the bare XADD endpoint, everysec and always (loadgen/ratio.sh)"
if command -v wrk >/dev/null; then
  if [ -n "${QUICK:-}" ]; then ratio_rounds=1 ratio_secs=5; else ratio_rounds=3 ratio_secs=10; fi
  ROUNDS=$ratio_rounds SECS=$ratio_secs bash loadgen/ratio.sh | tee "$OUT/ratio.txt"
else
  echo "(skipped: wrk is needed, apt-get install -y wrk)" | tee "$OUT/ratio.txt"
fi

command -v redis-benchmark >/dev/null || { echo "redis-benchmark is needed (apt-get install -y redis-tools)"; exit 1; }
source loadgen/start-pollcast.sh
lg=./target/release/loadgen
base="http://127.0.0.1:$PORT"
common=(--base "$base" --api-key "$key" --server-pid "$pid" --out-dir "$OUT")

echo "== baseline: redis-benchmark XADD, pipelined 64, on pollcast's own redis-server"
redis-benchmark -s "$dir/redis/redis.sock" -P 64 -n "$((requests * 5))" -q \
  XADD pollcast-bench:baseline MAXLEN '~' 100000 '*' poll p opts o at 0 | tee "$OUT/baseline-xadd.txt"

echo "== baseline: a minimal actix-web endpoint (2 workers), same client as below"
$lg baseline-server --listen "127.0.0.1:$BASELINE_PORT" --workers 2 >/dev/null 2>&1 &
bpid=$!
trap 'kill $bpid 2>/dev/null || true; kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -fs -X POST "http://127.0.0.1:$BASELINE_PORT/x" >/dev/null && break; sleep 0.1; done
$lg ceiling --url "http://127.0.0.1:$BASELINE_PORT/v1/polls/x/votes" --requests "$requests" \
  --concurrency 64 | tee "$OUT/ceiling-baseline.json"
wrk_post() { # URL BODY OUTFILE: a C client (wrk, if installed) that costs the machine little
  if command -v wrk >/dev/null; then
    printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = %s\n' \
      "'$2'" >"$dir/post.lua"
    wrk -t1 -c64 -d"$secs"s -s "$dir/post.lua" "$1" | tee "$3"
  fi
}
wrk_post "http://127.0.0.1:$BASELINE_PORT/v1/polls/x/votes" '{"option_ids": ["aaaaaaaa"]}' "$OUT/wrk-baseline.txt"
kill $bpid

echo "== pollcast: the same closed loop against the vote endpoint"
read -r poll option < <(create_poll "$PORT" "$key")
$lg ceiling --url "$base/v1/polls/$poll/votes" --body "{\"option_ids\": [\"$option\"]}" \
  --requests "$requests" --concurrency 64 | tee "$OUT/ceiling-pollcast.json"
wrk_post "$base/v1/polls/$poll/votes" "{\"option_ids\": [\"$option\"]}" "$OUT/wrk-pollcast.txt"

echo "== pollcast: the whole pipeline, closed loop (HTTP to WebSocket)"
$lg pipeline --base "$base" --api-key "$key" --votes "$requests" --concurrency 128 --polls 4 |
  tee "$OUT/pipeline.json"

echo "== scenarios"
# Enough voters that the hottest poll (28% of the votes with 20 polls) never runs out.
voters=$(( steady_rate * (secs > 16 ? secs : 16) * 3 / 10 + 1000 ))
$lg steady "${common[@]}" --rate "$steady_rate" --duration-secs "$secs" --viewers "$load_viewers" \
  --voters "$voters"
$lg spike "${common[@]}" --rate "$((steady_rate / 10))" --spike-factor 10 --spike-at-secs 5 \
  --spike-hold-secs 5 --duration-secs "$((secs < 16 ? 16 : secs))" --viewers "$load_viewers" --voters "$voters"
$lg viewers "${common[@]}" --viewers "$viewers" --source-addrs 16 --hold-secs 5
$lg soak "${common[@]}" --rate "$((steady_rate < 5000 ? steady_rate : 5000))" \
  --duration-secs "$soak_secs" --viewers "$load_viewers" --dedupe none

echo "== figures and their baselines"
python3 - "$OUT" <<'PY'
import json, re, sys, pathlib
out = pathlib.Path(sys.argv[1])
load = lambda name: json.loads((out / name).read_text())
xadd = float(re.search(r"([\d.]+) requests per second", (out / "baseline-xadd.txt").read_text()).group(1))
http_base = load("ceiling-baseline.json")["requests_per_second"]
http_poll = load("ceiling-pollcast.json")["requests_per_second"]
pipeline = json.loads((out / "pipeline.json").read_text())["pipeline_votes_per_second"]
steady, spike, viewers, soak = (load(f"{s}.json") for s in ("steady", "spike", "viewers", "soak"))
rows = [
    ("votes/s accepted over HTTP (closed loop, awc)", http_poll, "minimal HTTP endpoint", http_base),
    ("votes/s through the whole pipeline", pipeline, "redis XADD, pipelined", xadd),
    ("votes/s through the whole pipeline", pipeline, "minimal HTTP endpoint", http_base),
    (f"steady {steady['profile']['rate']:.0f}/s: accepted/s", steady["votes"]["accepted_per_second"], "asked rate", steady["profile"]["rate"]),
]
wrk = lambda name: float(re.search(r"Requests/sec:\s+([\d.]+)", (out / name).read_text()).group(1))
if (out / "wrk-pollcast.txt").exists():
    rows.insert(1, ("votes/s accepted over HTTP (closed loop, wrk)", wrk("wrk-pollcast.txt"), "minimal HTTP endpoint (wrk)", wrk("wrk-baseline.txt")))
print(f"{'figure':55} {'pollcast':>12}  {'baseline':28} {'value':>12} {'ratio':>7}")
for name, v, bname, b in rows:
    print(f"{name:55} {v:12.0f}  {bname:28} {b:12.0f} {v / b:7.2f}")
def lat(r, k): return r[k]["p99"]
print()
for r in (steady, spike, soak):
    print(f"{r['scenario']:8} accepted {r['votes']['accepted']:>8} counted {r['votes']['counted']:>8} lost {r['votes']['lost']}"
          f"  HTTP p99 {lat(r, 'http_latency_ms'):8.1f} ms  vote-to-screen p99 {lat(r, 'vote_to_screen_ms'):8.1f} ms"
          f" (each frame's oldest {lat(r, 'vote_to_screen_frame_worst_ms'):8.1f} ms)"
          f"  dropped {r['arrivals']['dropped']}  all counted {r['votes']['settle_secs']:.2f} s after the last answer"
          f"  loadgen CPU {r['machine']['loadgen_cpu_percent']:.0f}%")
v = viewers["viewers"]; rss = v["server_rss_kib"]
if rss["before_viewers"] is not None and v["connected_at_end"]:
    print(f"viewers  {v['connected_at_end']} connected, server RSS {rss['max'] / 1024:.0f} MiB "
          f"({(rss['max'] - rss['before_viewers']) / v['connected_at_end']:.1f} KiB per viewer)")
for r in (steady, spike, viewers, soak):
    for w in r["trust"]["warnings"]:
        print(f"warning ({r['scenario']}): {w}")
print()
print((out / "ratio.txt").read_text().strip())
print(f"\nreports: {out}")
PY
