#!/usr/bin/env bash
# Regenerates the SDKs' generated halves from schema/openapi.json: typescript/src/rest/ with
# @hey-api/openapi-ts and python/pollcast/rest/ with openapi-python-client, both pinned and
# installed by setup.sh. Run it after changing the API (POLLCAST_UPDATE_OPENAPI=1 cargo test
# -p pollcast-openapi rewrites the document first).
#
# `generate.sh OUT` writes them to OUT/typescript and OUT/python instead and leaves the tree
# alone: services/pollcast/tests/clients.rs does that and fails if they differ from what is
# checked in.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ts_out="$here/typescript/src/rest"
py_out="$here/python/pollcast/rest"
if [ $# -gt 0 ]; then
  mkdir -p "$1"
  out="$(cd "$1" && pwd)"
  ts_out="$out/typescript"
  py_out="$out/python"
fi
(cd "$here/typescript" && POLLCAST_SDK_OUT="$ts_out" npx --no-install openapi-ts >/dev/null)
# The generator's hooks call ruff, pinned in the same environment.
PATH="$here/python/.venv/bin:$PATH" openapi-python-client generate --overwrite --meta none \
  --path "$here/../openapi.json" --config "$here/python/generator.yaml" --output-path "$py_out" >/dev/null
