#!/usr/bin/env bash
# Fuzzes the protocol parsers with libFuzzer + ASan + UBSan.
#
#   tests/fuzz/run_fuzz.sh SECONDS              build with clang in build-fuzz, run each
#                                               target for SECONDS (long run: 300 or more)
#   tests/fuzz/run_fuzz.sh --no-build SECONDS BIN_DIR
#                                               run already built targets (ctest fuzz_short)
#
# Targets: fuzz_handshake fuzz_chunk_reader fuzz_amf0 fuzz_command fuzz_media fuzz_connection
# fuzz_ts_to_rtmp fuzz_ts_sync
# (FUZZ_TARGETS="a b" runs only those). Seeds come
# from tests/fuzz/corpus/<target>/ (read only); new inputs go to a scratch
# corpus (FUZZ_WORK_DIR, default a temporary directory). A crash leaves its
# reproducer (crash-*) in FUZZ_WORK_DIR and makes the script exit non-zero.
# Each target's final libFuzzer line (execs, cov, ft, corp) is printed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build=1
if [[ "${1:-}" == "--no-build" ]]; then
  build=0
  shift
fi
seconds="${1:?usage: run_fuzz.sh [--no-build] SECONDS [BIN_DIR]}"
bin_dir="${2:-$root/build-fuzz/bin}"
targets=(${FUZZ_TARGETS:-fuzz_handshake fuzz_chunk_reader fuzz_amf0 fuzz_command fuzz_media fuzz_connection fuzz_ts_to_rtmp fuzz_ts_sync})

if [[ $build == 1 ]]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$root/build-fuzz" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DENABLE_FUZZ=ON -DENABLE_ASAN=ON -DENABLE_UBSAN=ON >/dev/null
  cmake --build "$root/build-fuzz" --target "${targets[@]}" -j"${FUZZ_BUILD_JOBS:-2}"
  bin_dir="$root/build-fuzz/bin"
fi
bin_dir="$(cd "$bin_dir" && pwd)"

work="${FUZZ_WORK_DIR:-$(mktemp -d -t rtmp-fuzz.XXXXXX)}"
status=0
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  log="$work/$t.log"
  echo "== $t: ${seconds}s, scratch corpus $work/$t"
  if ! (cd "$work" && "$bin_dir/$t" -max_total_time="$seconds" -print_final_stats=1 \
        -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
        "$work/$t" "$here/corpus/$t" >"$log" 2>&1); then
    echo "FAIL $t (see $log)"
    grep -E "ERROR|SUMMARY|runtime error" "$log" | head -5 || true
    status=1
  fi
  grep -E "^#[0-9]+[[:space:]]+DONE" "$log" | tail -1 || tail -3 "$log"
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$log" || true
done
exit $status
