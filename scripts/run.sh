#!/usr/bin/env bash
# Installs what rtmp-hooks needs, builds it, and starts rtmp-ingest on :1935
# with every lifecycle event printed to the terminal as a JSON line.
# Extra arguments go to rtmp-ingest (e.g. -hook-webhook "*=http://…").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build-only
scripts/build.sh build -DBUILD_TESTING=OFF
exec build/bin/rtmp-ingest -listen :1935 -hook-stdio-format json "$@"
