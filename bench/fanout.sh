#!/usr/bin/env bash
# Fan-out benchmark: nginx-rtmp vs rtmp-ingest, one publisher at
# ~2.5 Mbps H.264+AAC, N players in steps, the two servers interleaved per step.
#
#   bench/fanout.sh                          # steps 100 250 500 1000 2000, 20 s each
#   STEPS="100 500" STEP_SECONDS=15 REPEAT=3 bench/fanout.sh
#
# Per server and step: server CPU seconds per GB delivered (utime+stime delta of
# every process of the server from /proc/PID/stat, all threads; bytes as counted
# by the players of rtmp-load), RSS (VmRSS near the end of the step, VmHWM),
# players with stalls (> 1 s between video frames), p50/p99 time to first frame
# (rtmp-load: from its TCP connect's start to the first video frame parsed),
# p99 of the setup alone (to NetStream.Play.Start; from rtmp-load's JSON),
# and rtmp-load's own CPU seconds (it competes for the same 2 cores).
#
# Pinning (PIN=1, the default): the server runs on CPU $SERVER_CPU (0), the
# player load on CPU $LOAD_CPU (1), the publisher (a separate rtmp-load process,
# a few % of a core) on the load CPU too. nginx-rtmp runs master_process on,
# worker_processes 1 (its usual live setup; more workers need rtmp_auto_push),
# rtmp-ingest runs -threads 1: so the figures are per core. PIN=0 runs
# everything unpinned and rtmp-ingest with -threads $INGEST_THREADS (default 0 =
# one per core) -- then nginx is still one worker.
#
# Servers: nginx, ingest (rtmp-ingest -merge-write 0: no merging), ingest_mw
# (rtmp-ingest -merge-write $MERGE_WRITE, 200ms), ingest_ref (like ingest_mw but
# the binary in $REF_BIN: an earlier build, for before/after in the same run).
# Environment: STEPS, STEP_SECONDS (20), REPEAT (1), SERVERS ("nginx ingest"),
# PIN (1), SERVER_CPU (0), LOAD_CPU (1), LOAD_THREADS (1), INGEST_ARGS (extra
# flags for rtmp-ingest, e.g. "-merge-write 100ms"), BIN (build-bench/bin), REF_BIN,
# FLV (cached input file), OUT (results TSV; default /tmp/fanout-<pid>.tsv; each
# run's rtmp-load JSON is kept next to it as <OUT without .tsv>-<server>-<N>-<rep>.json).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
ROOT="$(dirname "$HERE")"
BIN="${BIN:-$ROOT/build-bench/bin}"
STEPS="${STEPS:-100 250 500 1000 2000}"
STEP_SECONDS="${STEP_SECONDS:-20}"
REPEAT="${REPEAT:-1}"
SERVERS="${SERVERS:-nginx ingest}"
PIN="${PIN:-1}"
SERVER_CPU="${SERVER_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
LOAD_THREADS="${LOAD_THREADS:-1}"
INGEST_THREADS="${INGEST_THREADS:-0}"
INGEST_ARGS="${INGEST_ARGS:-}"
MERGE_WRITE="${MERGE_WRITE:-200ms}"
CACHE="${CACHE:-$HERE/.cache}"
FLV="${FLV:-$CACHE/bench-2500k.flv}"
OUT="${OUT:-/tmp/fanout-$$.tsv}"
WORK="$(mktemp -d /tmp/fanout.XXXXXX)"

for b in rtmp-ingest rtmp-load; do
  [[ -x "$BIN/$b" ]] || { echo "missing $BIN/$b (build target $b first)" >&2; exit 2; }
done
if [[ " $SERVERS " == *" ingest_ref "* && ! -x "${REF_BIN:-}/rtmp-ingest" ]]; then
  echo "ingest_ref needs REF_BIN=<dir with an earlier rtmp-ingest>" >&2; exit 2
fi
[[ -f "$NGINX_MODULE" ]] || { echo "missing $NGINX_MODULE (libnginx-mod-rtmp)" >&2; exit 2; }

max_n=0
for n in $STEPS; do (( n > max_n )) && max_n=$n; done
ulimit -n $(( max_n * 2 + 1024 )) 2>/dev/null || ulimit -n "$(ulimit -Hn)"

pin() {  # pin CPU command...
  if [[ "$PIN" == 1 ]]; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi
}
# For `pin_exec ... &`: the background job's pid is the program's own pid.
pin_exec() {
  if [[ "$PIN" == 1 ]]; then exec taskset -c "$1" "${@:2}"; else exec "${@:2}"; fi
}

# ---- input: ~2.5 Mbps H.264 (2 s GOP, 30 fps) + AAC 128k, 30 s, cached ----
if [[ ! -s "$FLV" ]]; then
  mkdir -p "$(dirname "$FLV")"
  echo "making $FLV (once)" >&2
  ffmpeg -nostdin -loglevel error -y \
    -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=44100 \
    -t 30 -c:v libx264 -preset veryfast -tune zerolatency -b:v 2350k -maxrate 2500k \
    -bufsize 2500k -g 60 -keyint_min 60 -sc_threshold 0 -pix_fmt yuv420p \
    -c:a aac -b:a 128k -ac 2 -f flv "$FLV.tmp" && mv "$FLV.tmp" "$FLV"
fi

PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT


# Server processes: the pid and its children (nginx master + worker).
server_pids() { echo "$1 $(pgrep -P "$1" | tr '\n' ' ')"; }
cpu_ticks() {  # utime+stime of every pid given, in clock ticks
  local t=0 p f
  for p in "$@"; do
    f=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    set -- $f; t=$(( t + ${12} + ${13} ))
  done
  echo $t
}
cpu_ticks_of() { cpu_ticks $(server_pids "$1"); }
mem_kb() {  # field (VmRSS/VmHWM), summed over the pids
  local t=0 p v
  for p in $2; do
    v=$(awk -v k="$1:" '$1==k{print $2}' "/proc/$p/status" 2>/dev/null || true)
    t=$(( t + ${v:-0} ))
  done
  echo $t
}
HZ=$(getconf CLK_TCK)

start_server() {  # kind port -> sets SPID
  local kind=$1 port=$2
  if [[ $kind == nginx ]]; then
    local pfx="$WORK/nginx-$port"
    write_nginx_rtmp_conf "$pfx" "$port" "$max_n"
    pin_exec "$SERVER_CPU" nginx -p "$pfx" -c "$pfx/nginx.conf" -e "$pfx/logs/error.log" \
      >"$pfx/out.log" 2>&1 &
  else
    local threads=1 extra="-merge-write 0" bin=$BIN
    [[ "$PIN" == 1 ]] || threads=$INGEST_THREADS
    [[ $kind == ingest_mw || $kind == ingest_ref ]] && extra="-merge-write $MERGE_WRITE"
    [[ $kind == ingest_ref ]] && bin=$REF_BIN
    # shellcheck disable=SC2086
    pin_exec "$SERVER_CPU" "$bin/rtmp-ingest" -listen "127.0.0.1:$port" -threads "$threads" \
      -log-level warn -log-format json -max-connections $(( max_n * 2 + 100 )) $INGEST_ARGS $extra \
      >"$WORK/ingest-$port.log" 2>&1 &
  fi
  SPID=$!
  PIDS+=("$SPID")
  wait_port "$port"
}

stop_server() {  # TERM (fast shutdown for nginx too), KILL after 10 s
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" $(pgrep -P "$1") 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# TABLE_ONLY=1 OUT=file: only print the table of an earlier run's rows.
if [[ -z "${TABLE_ONLY:-}" ]]; then
printf 'server\tplayers\trep\tserver_cpu_s\tgb\tcpu_s_per_gb\trss_mb\thwm_mb\twith_frames\tfailed\twith_stalls\tstalls\tttff_p50\tttff_p99\tttff_max\tload_cpu_s\tmbps\tsetup_p99\n' >"$OUT"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)  pin=$PIN server_cpu=$SERVER_CPU load_cpu=$LOAD_CPU" >&2

run_one() {  # kind players rep
  local kind=$1 n=$2 rep=$3 port
  port=$(free_port)
  start_server "$kind" "$port"
  local url="rtmp://127.0.0.1:$port/live/bench"
  # The publisher: its own process, so a busy player client cannot delay it.
  pin_exec "$LOAD_CPU" "$BIN/rtmp-load" -url "$url" -publishers 1 -flv "$FLV" -players 0 \
    -duration $(( STEP_SECONDS + 10 ))s -json >"$WORK/pub.json" 2>&1 &
  local ppid=$!
  PIDS+=("$ppid")
  sleep 3  # a GOP in the server's cache before the players come
  local pids c0 c1 t0 t1
  pids=$(server_pids "$SPID")
  c0=$(cpu_ticks $pids); t0=$(date +%s.%N)
  # RSS sampled in the last second of the step
  ( sleep $(( STEP_SECONDS - 1 )); mem_kb VmRSS "$pids" >"$WORK/rss" ) &
  local rpid=$!
  local load_times
  load_times=$( ( pin "$LOAD_CPU" "$BIN/rtmp-load" -url "$url" -players "$n" \
                    -duration "${STEP_SECONDS}s" -threads "$LOAD_THREADS" -json \
                    >"$WORK/load.json" 2>"$WORK/load.err" || true; times ) | tail -1)
  c1=$(cpu_ticks $pids); t1=$(date +%s.%N)
  wait $rpid || true
  local hwm rss
  hwm=$(mem_kb VmHWM "$pids"); rss=$(cat "$WORK/rss" 2>/dev/null || echo 0)
  kill "$ppid" 2>/dev/null || true; wait "$ppid" 2>/dev/null || true
  stop_server "$SPID"
  cp "$WORK/load.json" "${OUT%.tsv}-$kind-$n-$rep.json" 2>/dev/null || true
  python3 - "$kind" "$n" "$rep" "$c0" "$c1" "$HZ" "$rss" "$hwm" "$load_times" "$t0" "$t1" \
    "$WORK/load.json" >>"$OUT" <<'EOF'
import json, re, sys
kind, n, rep, c0, c1, hz, rss, hwm, times, t0, t1, path = sys.argv[1:]
try:
    r = json.loads(open(path).read().strip().splitlines()[-1])
except Exception:
    r = {}
cpu = (int(c1) - int(c0)) / int(hz)
gb = r.get("bytes_in", 0) / 1e9
m = re.findall(r"(\d+)m([\d.]+)s", times)
load_cpu = sum(int(a) * 60 + float(b) for a, b in m)
wall = float(t1) - float(t0)
print("\t".join(str(x) for x in [
    kind, n, rep, f"{cpu:.2f}", f"{gb:.3f}", f"{cpu / gb:.2f}" if gb else "nan",
    f"{int(rss) / 1024:.1f}", f"{int(hwm) / 1024:.1f}", r.get("players_with_frames", 0),
    r.get("players_failed", 0), r.get("players_with_stalls", 0), r.get("stalls", 0),
    r.get("ttff_ms_p50", 0), r.get("ttff_ms_p99", 0), r.get("ttff_ms_max", 0),
    f"{load_cpu:.2f}", f"{r.get('bytes_in', 0) * 8 / 1e6 / wall:.0f}",
    r.get("play_start_ms_p99", "nan")]))
EOF
  tail -1 "$OUT" >&2
}

i=0
for rep in $(seq 1 "$REPEAT"); do
  for n in $STEPS; do
    # interleave: alternate which server goes first at each step
    order="$SERVERS"
    (( i % 2 == 1 )) && order=$(echo $SERVERS | tr ' ' '\n' | tac | tr '\n' ' ')
    i=$((i + 1))
    for kind in $order; do run_one "$kind" "$n" "$rep"; done
  done
done
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)" >&2
fi

# ---- table: medians over repeats, ingest/nginx ratios ----
# deliv% = received Mbit/s / (players x the FLV's bitrate): under 100 % means
# players fall behind even where no > 1 s gap shows as a stall.
FLV_MBPS=$(python3 -c "import os,sys;print(os.path.getsize(sys.argv[1])*8/1e6/float(sys.argv[2]))" "$FLV" \
  "$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$FLV")")
python3 - "$OUT" "$FLV_MBPS" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def med(k, srv, n):
    v = [float(r[k]) for r in rows
         if r["server"] == srv and r["players"] == n and r.get(k) not in (None, "nan")]
    return statistics.median(v) if v else float("nan")
steps = sorted({r["players"] for r in rows}, key=int)
servers = sorted({r["server"] for r in rows}, key=lambda s: s != "nginx")
cols = [("cpu_s_per_gb", "CPUs/GB"), ("rss_mb", "RSS MB"), ("hwm_mb", "HWM MB"),
        ("with_stalls", "stalled"), ("failed", "failed"), ("ttff_p50", "TTFF p50"),
        ("ttff_p99", "TTFF p99"), ("setup_p99", "setup p99"), ("mbps", "Mbit/s"), ("deliv", "deliv%"),
        ("load_cpu_s", "load CPU s")]
for r in rows:
    r["deliv"] = str(100 * float(r["mbps"]) / (int(r["players"]) * float(sys.argv[2])))
print(f"\n{'players':>7} {'server':>7} " + " ".join(f"{h:>10}" for _, h in cols))
for n in steps:
    for s in servers:
        print(f"{n:>7} {s:>7} " + " ".join(f"{med(k, s, n):>10.1f}" for k, _ in cols))
    for s in servers:
        if s == "nginx" or "nginx" not in servers:
            continue
        def ratio(k):
            a, b = med(k, s, n), med(k, "nginx", n)
            return a / b if b else float("nan")
        print(f"{n:>7} {'ratio':>7} CPU/GB {s}/nginx {ratio('cpu_s_per_gb'):.2f}  "
              f"RSS {ratio('rss_mb'):.2f}  TTFF p99 {ratio('ttff_p99'):.2f}")
print(f"\nraw rows: {sys.argv[1]}")
EOF
