#!/usr/bin/env bash
# Installs what the SDKs' tests and generators need, from pinned versions: typescript/'s
# node_modules from its committed lockfile, and python/.venv from python/requirements.txt.
# Run by .ci/run; services/pollcast/tests/clients.rs skips (or, in CI, fails) without them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
npm ci --prefix "$here/typescript" --no-audit --no-fund
[ -x "$here/python/.venv/bin/python" ] || python3 -m venv "$here/python/.venv"
"$here/python/.venv/bin/pip" install -q --disable-pip-version-check -r "$here/python/requirements.txt"
