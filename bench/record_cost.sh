#!/usr/bin/env bash
# The server CPU that recording costs: N streams (default 20) replayed from one
# ffmpeg-made FLV with `ffmpeg -re -c copy` into rtmp-ingest, once with
# -record-all true and once without, ROUNDS times alternating (side by side
# on the same machine, so load from elsewhere hits both alike). Reports the
# ingest's CPU seconds (utime+stime from /proc/PID/stat) per run and the
# median of the per-round differences. Recordings go to a temporary
# directory (RECORD_DIR to choose the disk), removed at the end.
#
#   bench/record_cost.sh                 # 20 streams, 20 s, 3 rounds
#   N=20 SECONDS_PER_RUN=30 ROUNDS=5 FORMAT=mp4 bench/record_cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

N=${N:-20}
SECS=${SECONDS_PER_RUN:-20}
ROUNDS=${ROUNDS:-3}
FORMAT=${FORMAT:-auto}
BITRATE=${BITRATE:-1500k}
INGEST=${INGEST:-build/bin/rtmp-ingest}
WORK=$(mktemp -d)
REC=${RECORD_DIR:-$WORK/recordings}
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"; [ -z "${RECORD_DIR:-}" ] || rm -rf "$REC"' EXIT

ffmpeg -hide_banner -nostdin -v error -y -f lavfi -i "testsrc2=size=1280x720:rate=30" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$((SECS + 5))" \
  -c:v libx264 -preset ultrafast -g 60 -b:v "$BITRATE" -c:a aac -b:a 128k "$WORK/src.flv"

cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
HZ=$(getconf CLK_TCK)

run() {  # $1 = on|off; prints the ingest's CPU seconds over the run
  local port args pid t0 t1
  port=$(free_port)
  args=(-listen "127.0.0.1:$port" -log-level warn)
  [ "$1" = off ] || args+=(-record-all true -record-dir "$REC" -record-format "$FORMAT")
  "$INGEST" "${args[@]}" >"$WORK/ingest.log" 2>&1 &
  pid=$!
  wait_port "$port"
  t0=$(cpu_ticks "$pid")
  local pubs=()
  for i in $(seq 1 "$N"); do
    ffmpeg -hide_banner -nostdin -v error -re -t "$SECS" -i "$WORK/src.flv" -c copy -f flv \
      "rtmp://127.0.0.1:$port/live/s$i" &
    pubs+=($!)
  done
  wait "${pubs[@]}"
  sleep 1  # recordings finish their files
  t1=$(cpu_ticks "$pid")
  kill -TERM "$pid"
  wait "$pid" || true
  rm -rf "$REC"
  awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN{printf "%.2f", (b - a) / hz}'
}

echo "record_cost: $N streams x ${SECS}s at $BITRATE (+128k AAC), format $FORMAT, $ROUNDS rounds"
diffs=()
for r in $(seq 1 "$ROUNDS"); do
  off=$(run off)
  on=$(run on)
  d=$(awk -v a="$on" -v b="$off" 'BEGIN{printf "%.2f", a - b}')
  diffs+=("$d")
  echo "round $r: recording off ${off} s CPU, on ${on} s CPU, extra ${d} s" \
       "($(awk -v d="$d" -v s="$SECS" -v n="$N" 'BEGIN{printf "%.2f%% of one core, %.3f%% per stream", 100*d/s, 100*d/s/n}'))"
done
median=$(printf '%s\n' "${diffs[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
echo "median extra CPU for recording $N streams: ${median} s over ${SECS} s" \
     "= $(awk -v d="$median" -v s="$SECS" 'BEGIN{printf "%.1f", 100*d/s}') % of one core"
