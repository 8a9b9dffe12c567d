#!/usr/bin/env bash
# Configures and builds one build tree. Usage: scripts/build.sh DIR [cmake -D options...]
# TARGET=name builds only that target.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
jobs=${JOBS:-$(nproc)}
cmake -S . -B "$dir" -G Ninja -DWERROR=ON "$@" >/dev/null
cmake --build "$dir" -j "$jobs" ${TARGET:+--target $TARGET}
