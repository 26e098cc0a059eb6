#!/usr/bin/env bash
# Fuzzes a running pollcast from its own OpenAPI document with schemathesis: every operation
# gets generated valid and invalid requests, and every answer must be no 5xx and must match the
# document (status code, content type, headers, body schema). See docs/fuzzing.md.
#
#   bash schema/fuzz-openapi.sh [seconds per phase budget, default 300]
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-300}
shift || true
PORT=${PORT:-18090}
venv=${SCHEMATHESIS_VENV:-/tmp/pollcast-schemathesis}
if [ ! -x "$venv/bin/schemathesis" ]; then
  # CPython 3.11.7 trips over its own AST recursion check inside hypothesis; prefer newer.
  python=$(command -v python3.13 || command -v python3.12 || command -v python3)
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q 'schemathesis>=4,<5'
fi
source loadgen/start-pollcast.sh
# A poll to vote in, in a workspace of its own so the fuzzer,
# whose key can list, reset and delete its own workspace's polls, cannot touch it.
other=$(./target/release/pollcast workspace create --name voters --data-dir "$dir" | awk '/^api_key:/ {print $2}')
read -r poll option < <(curl -fs -X POST "http://127.0.0.1:$PORT/v1/polls" \
  -H "Authorization: Bearer $other" -H 'Content-Type: application/json' \
  -d '{"question": "Fuzz?", "options": [{"label": "a"}, {"label": "b"}], "dedupe": "none"}' |
  python3 -c 'import json, sys; p = json.load(sys.stdin); print(p["id"], p["options"][0]["id"])')
# Votes need that poll and one of its options, or every generated vote is refused (404, 422)
# before the ingest logic behind it runs.
cat >"$dir/schemathesis.toml" <<TOML
[[operations]]
include-operation-id = "cast_vote"
parameters = { "path.poll_id" = "$poll", "body.option_ids" = ["$option"] }
TOML
echo "fuzzing http://127.0.0.1:$PORT (poll $poll) for up to ${budget}s"
# /live is excluded: it is a WebSocket or an endless event stream, which a request/response
# fuzzer can only hang on; tests/viewers.rs and the live tests cover it.
"$venv/bin/schemathesis" --config-file "$dir/schemathesis.toml" run "http://127.0.0.1:$PORT/v1/openapi.json" \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --exclude-operation-id follow_results \
  --max-time "$budget" --workers 2 "$@" \
  || status=$?
# Evidence that generated votes got past the 404 into the ingest logic.
echo "votes counted in the fuzz poll: $(curl -fs "http://127.0.0.1:$PORT/v1/polls/$poll/results" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["total_votes"])')"
exit "${status:-0}"
