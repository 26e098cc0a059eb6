# Sourced by the benchmark scripts: builds release binaries, starts `pollcast serve` (with its
# own redis-server) in a temp dir on port $PORT, and sets $dir, $pid and $key (an admin API
# key). The server and its files go when the calling script exits.
cargo build --release -q -p pollcast -p loadgen
dir=$(mktemp -d /tmp/pollcast-bench.XXXXXX)
key=$(./target/release/pollcast workspace create --name bench --data-dir "$dir" | awk '/^api_key:/ {print $2}')
# One load generator is one client address: the per-address limits would measure themselves.
RUST_LOG=warn ./target/release/pollcast serve --data-dir "$dir" --listen "127.0.0.1:$PORT" \
  --rate-votes-per-ip 0 --rate-votes-per-poll 0 --rate-api-per-key 0 --rate-voters-per-ip 0 \
  >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
