# Sourced by the benchmark scripts: builds release binaries, starts `pollcast serve` (with its
# own redis-server) in a temp dir on port $PORT, and sets $dir, $pid and $key (an admin API
# key). The server and its files go when the calling script exits.
cargo build --release -q -p pollcast -p loadgen
dir=$(mktemp -d /tmp/pollcast-bench.XXXXXX)
source loadgen/serve.sh
key=$(new_workspace ./target/release/pollcast "$dir")
RUST_LOG=warn ./target/release/pollcast serve --data-dir "$dir" --listen "127.0.0.1:$PORT" \
  "${LIMITS_OFF[@]}" >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
wait_ready "$PORT"
