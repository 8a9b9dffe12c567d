#!/usr/bin/env bash
# Installs everything, builds and runs every test:
#   1. the release build (-Werror): unit tests and the process tests with real
#      clients (ffmpeg, rtmpdump, GStreamer, HTTP receivers, scripts, ZeroMQ),
#      except those labelled `slow`;
#   2. an ASan+UBSan build: every test, the `slow` ones included;
#   3. a TSan build: every test except those labelled `slow`;
#   4. a clang libFuzzer build: a short run of every fuzz target.
# `slow` tests run real-time media (encodes that take as long as the media
# they make, serialised so they do not starve each other on 2 cores): they run
# once, under the sanitizers that check memory and undefined behaviour, so the
# whole run stays within CI's time on a 2-core machine.
# Set STAGES="release asan tsan fuzz" (default: all) to run fewer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
stages=${STAGES:-release asan tsan fuzz}
jobs=${JOBS:-$(nproc)}
export CTEST_OUTPUT_ON_FAILURE=1
failed=()

run_stage() {
  local name=$1 dir=$2 ctest_args=$3 started=$SECONDS
  shift 3
  echo "=== stage ${name}: build ${dir} ==="
  scripts/build.sh "$dir" "$@"
  echo "=== stage ${name}: test ==="
  # shellcheck disable=SC2086
  if ! ctest --test-dir "$dir" -j "$jobs" --timeout 900 $ctest_args; then
    failed+=("$name")
  fi
  echo "=== stage ${name}: $((SECONDS - started)) s ==="
}

for stage in $stages; do
  case $stage in
    release) run_stage release build "-LE slow" ;;
    asan) run_stage asan build-asan "" -DENABLE_ASAN=ON -DENABLE_UBSAN=ON -DCMAKE_BUILD_TYPE=Debug ;;
    tsan)
      # Only Debian's uninstrumented libzmq/libspdlog/libnats are suppressed (tests/tsan.supp).
      TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$PWD/tests/tsan.supp" \
        run_stage tsan build-tsan "-LE slow" -DENABLE_TSAN=ON -DCMAKE_BUILD_TYPE=Debug ;;
    fuzz) TARGET=fuzz_targets run_stage fuzz build-fuzz "-R fuzz_short" -DENABLE_FUZZ=ON -DENABLE_ASAN=ON \
            -DENABLE_UBSAN=ON -DCMAKE_CXX_COMPILER=clang++ -DBUILD_TESTING=ON ;;
    *) echo "unknown stage $stage" >&2; exit 2 ;;
  esac
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED stages: ${failed[*]}"
  exit 1
fi
echo "all stages passed: $stages"
