#!/usr/bin/env bash
# Capacity benchmark (target: players served without stalls >= 1.7x
# nginx-rtmp): the largest number of players one core of each server serves
# without stalls, in the regime of SRS's published anchor (~600 kbps, where the
# server saturates before the load client).
#
#   bench/capacity.sh                                  # ladder + bisection, 20 s windows
#   STEPS="1000 2000 3000" BISECT=0 REPEAT=2 bench/capacity.sh
#
# One publisher replays a ~600 kbps FLV (H.264 640x360 30 fps 2 s GOP + AAC
# 64k, made once by ffmpeg); N players join at $RAMP per second; $SETTLE s after
# the last join a window of $STEP_SECONDS s starts. A step PASSES when, in the
# window, every player got video frames, no player stalled (a gap > 1 s between
# video frames, or one still open at the end), none failed, the players
# received >= $DELIV_MIN % of N x the FLV's bit rate, and the worst player
# >= $PLAYER_MIN % of it (a server that thins the stream for some players
# without 1 s gaps does not serve them). Servers are searched
# upwards over $STEPS, interleaved per step (order alternating); a server leaves
# the ladder at its first failing step, then BISECT=1 narrows each server's (largest pass, first fail)
# down to $RESOLUTION players, still alternating between the servers.
#
# Per run: server CPU % over the window (utime+stime of all its processes and
# threads, /proc/PID/stat; ~100 % at the failing step means the server is the
# limit), the player client's CPU % over the window (it must stay well below
# 100 %, otherwise the client is the limit: the table flags runs above
# $LOAD_CPU_MAX %), delivery % (aggregate, and the 1st-percentile player),
# stalls, and the 1-minute load average at the window's start. And the server
# CPU's own view (/proc/stat): busy % and softirq %, ksoftirqd's CPU % (loopback
# receive work deferred there is not in the server's figure), packets dropped
# by that CPU's backlog (net.core.netdev_max_backlog full: each one is a
# retransmission after >= 200 ms, the usual cause of stalls when the CPU is
# shared), TCP retransmissions and listen queue overflows (machine-wide), and
# "other %": the server CPU's busy % minus the server and ksoftirqd, i.e. what
# other work took from it (the table flags runs where that exceeds
# $OTHER_MAX %: their failures say little about the server). Before each run
# the script waits up to $QUIET_WAIT s for both CPUs to be >= $QUIET_IDLE %
# idle over 2 s (QUIET_IDLE=0: do not wait). A step passes when one run of it
# passes; it fails after 1 + $CONFIRM failing runs of which one had other work
# <= $OTHER_MAX %, or after $RETRIES failing runs (then flagged CONTENDED).
# (Raising the benchmark's priority with nice does not help: it starves
# ksoftirqd, which then delays every loopback packet on that CPU.)
#
# BACKLOG=N sets net.core.netdev_max_backlog (machine-wide; default 1000) to N
# for the run and restores it at exit: a server that writes one message to
# thousands of sockets in one go overflows the loopback backlog long before
# its CPU is full, which a NIC would not do the same way.
#
# The players read with -rcvlowat $RCVLOWAT (SO_RCVLOWAT once playing: a wake
# and a read per 8 KiB instead of per message the server writes). On loopback
# the sender's CPU does the receiver's TCP input and wakes the reader: with
# eager readers nginx-rtmp (one write per message) spends most of its CPU
# waking the client, and the client saturates first (at 1000 players: nginx
# 45 %, client 51 %; with -rcvlowat 8192: 17 % and 11 %). RCVLOWAT=0 reads
# eagerly, like a real player, to show that regime. Frame counts are the same
# either way (checked side by side); gaps are measured to ~0.1 s (8 KiB at
# 600 kbit/s), well under the 1 s stall threshold.
#
# Pinning as bench/fanout.sh: server on CPU $SERVER_CPU, the players and the
# publisher (separate rtmp-load processes) on CPU $LOAD_CPU. nginx-rtmp:
# master_process on, worker_processes 1; rtmp-ingest: -threads 1 at its default
# options (-merge-write 100ms, -merge-write-bytes 64 KiB). Per core, then.
#
# Environment: SERVERS ("nginx ingest"), PLAYER_MIN (90), STEPS ("500 1000 1500 2000 3000 4000
# 5000 6000 8000"), STEP_SECONDS (20), RAMP (1000 players/s), SETTLE (5 s),
# REPEAT (1), DELIV_MIN (95), CONFIRM (1), BISECT (1), RESOLUTION (250),
# LOAD_CPU_MAX (90), RCVLOWAT (8192), OTHER_MAX (15), RETRIES (4), QUIET_IDLE
# (80), QUIET_WAIT (180), BACKLOG (unset: leave it), SERVER_CPU (0), LOAD_CPU (1), LOAD_THREADS (1), LOAD_ARGS
# (extra rtmp-load flags for the players), INGEST_ARGS (extra rtmp-ingest
# flags), BIN (build-bench/bin; rtmp-load must know -window-after), FLV (cached
# input), OUT (rows TSV; default /tmp/capacity-<pid>.tsv; each run's rtmp-load
# JSON goes to $OUT.d/). TABLE_ONLY=1 OUT=file
# prints the summary of an earlier run.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
ROOT="$(dirname "$HERE")"
BIN="${BIN:-$ROOT/build-bench/bin}"
SERVERS="${SERVERS:-nginx ingest}"
STEPS="${STEPS:-500 1000 1500 2000 3000 4000 5000 6000 8000}"
STEP_SECONDS="${STEP_SECONDS:-20}"
RAMP="${RAMP:-1000}"
SETTLE="${SETTLE:-5}"
REPEAT="${REPEAT:-1}"
DELIV_MIN="${DELIV_MIN:-95}"
PLAYER_MIN="${PLAYER_MIN:-90}"
CONFIRM="${CONFIRM:-1}"
RETRIES="${RETRIES:-4}"
BISECT="${BISECT:-1}"
RESOLUTION="${RESOLUTION:-250}"
LOAD_CPU_MAX="${LOAD_CPU_MAX:-90}"
SERVER_CPU="${SERVER_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
LOAD_THREADS="${LOAD_THREADS:-1}"
LOAD_ARGS="${LOAD_ARGS:-}"
RCVLOWAT="${RCVLOWAT:-8192}"
OTHER_MAX="${OTHER_MAX:-15}"
QUIET_IDLE="${QUIET_IDLE:-80}"
QUIET_WAIT="${QUIET_WAIT:-180}"
INGEST_ARGS="${INGEST_ARGS:-}"
CACHE="${CACHE:-$HERE/.cache}"
FLV="${FLV:-$CACHE/bench-600k.flv}"
OUT="${OUT:-/tmp/capacity-$$.tsv}"
HZ=$(getconf CLK_TCK)

# ---- summary of the rows in $OUT: per server and repeat, medians, ratio ----
summary() {
  python3 - "$OUT" "$LOAD_CPU_MAX" "$OTHER_MAX" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
load_max, other_max = float(sys.argv[2]), float(sys.argv[3])
print(f"\n{'server':>7} {'rep':>3} {'players':>7} {'pass':>4} {'srv CPU%':>8} {'load CPU%':>9} "
      f"{'deliv%':>6} {'min deliv%':>10} {'stalled':>7} {'stalls':>6} {'no frames':>9} "
      f"{'failed':>6} {'min fps':>7} {'RSS MB':>6} {'load1':>5} {'CPU busy':>8} {'softirq':>7} "
      f"{'ksoftirqd':>9} {'other':>5} {'drops':>6} {'retrans':>7}")
for r in rows:
    flag = "  <- client above %d%%" % load_max if float(r["load_cpu_pct"]) > load_max else ""
    if float(r["other_pct"]) > other_max:
        flag += "  <- other work %s%% of the server CPU" % r["other_pct"]
    print(f"{r['server']:>7} {r['rep']:>3} {r['players']:>7} {r['pass']:>4} {r['server_cpu_pct']:>8} "
          f"{r['load_cpu_pct']:>9} {r['deliv_pct']:>6} {r.get('min_deliv_pct', r['p1_deliv_pct']):>10} "
          f"{r['players_with_stalls']:>7} {r['stalls']:>6} {r['no_frames']:>9} {r['failed']:>6} "
          f"{r['min_fps']:>7} {r['rss_mb']:>6} {r['load1']:>5} {r['cpu_busy_pct']:>8} "
          f"{r['cpu_softirq_pct']:>7} {r['ksoftirqd_pct']:>9} {r['other_pct']:>5} {r['backlog_drops']:>6} "
          f"{r['retrans']:>7}{flag}")
servers = sorted({r["server"] for r in rows}, key=lambda s: s != "nginx")
reps = sorted({r["rep"] for r in rows}, key=int)
best = {}
print()
for s in servers:
    for rep in reps:
        rr = [r for r in rows if r["server"] == s and r["rep"] == rep]
        if not rr:
            continue
        ok = [int(r["players"]) for r in rr if r["pass"] == "1"]
        # A step passes if any run of it passed (noise on a shared machine only
        # makes runs fail); the first failing step is the smallest N above the
        # largest pass with no passing run.
        passed = {int(r["players"]) for r in rr if r["pass"] == "1"}
        top = max(ok) if ok else 0
        fails = sorted({int(r["players"]) for r in rr if r["pass"] == "0"} - passed)
        above = [n for n in fails if n > top]
        first_fail = above[0] if above else None
        line = f"{s:>7} rep {rep}: largest stall-free N = {top}"
        if first_fail is not None:
            fr = [r for r in rr if int(r["players"]) == first_fail]
            f = fr[-1]
            line += (f"; first failing N = {first_fail} ({f['players_with_stalls']} players stalled, "
                     f"{f['no_frames']} without frames, deliv {f['deliv_pct']} %, "
                     f"worst player {f.get('min_deliv_pct') or f['p1_deliv_pct']} %, "
                     f"server CPU {f['server_cpu_pct']} %, CPU {f['cpu_busy_pct']} % busy, "
                     f"client CPU {f['load_cpu_pct']} %, {f['backlog_drops']} backlog drops)")
            if any(float(x["load_cpu_pct"]) > load_max for x in fr):
                line += "  CLIENT-BOUND"
            if all(float(x["other_pct"]) > other_max for x in fr):
                line += "  CONTENDED (other work on the server CPU)"
        else:
            line += "; no failing step (the ladder ended)"
        print(line)
        best.setdefault(s, []).append(top)
print()
for s in servers:
    print(f"{s:>7}: median largest stall-free N over {len(best[s])} repeat(s) = "
          f"{statistics.median(best[s]):g}  (runs: {best[s]})")
if "nginx" in best:
    for s in servers:
        if s != "nginx" and statistics.median(best["nginx"]):
            print(f"ratio {s}/nginx = {statistics.median(best[s]) / statistics.median(best['nginx']):.2f}")
print(f"\nraw rows: {sys.argv[1]}")
EOF
}

if [[ -n "${TABLE_ONLY:-}" ]]; then summary; exit 0; fi

for b in rtmp-ingest rtmp-load; do
  [[ -x "$BIN/$b" ]] || { echo "missing $BIN/$b (build target $b first)" >&2; exit 2; }
done
[[ -f "$NGINX_MODULE" ]] || { echo "missing $NGINX_MODULE (libnginx-mod-rtmp)" >&2; exit 2; }
{ "$BIN/rtmp-load" -url rtmp://127.0.0.1:1/a/b -window-after x 2>&1 || true; } | grep -q 'bad duration' ||
  { echo "$BIN/rtmp-load does not know -window-after (rebuild it)" >&2; exit 2; }

max_n=0
for n in $STEPS; do (( n > max_n )) && max_n=$n; done
ulimit -n $(( max_n * 2 + 1024 )) 2>/dev/null || ulimit -n "$(ulimit -Hn)"

pin_exec() { exec taskset -c "$1" "${@:2}"; }

# ---- input: ~600 kbps H.264 640x360 (2 s GOP, 30 fps) + AAC 64k, 30 s, cached ----
if [[ ! -s "$FLV" ]]; then
  mkdir -p "$(dirname "$FLV")"
  echo "making $FLV (once)" >&2
  ffmpeg -nostdin -loglevel error -y \
    -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=440:sample_rate=44100 \
    -t 30 -c:v libx264 -preset veryfast -tune zerolatency -b:v 520k -maxrate 540k \
    -bufsize 540k -g 60 -keyint_min 60 -sc_threshold 0 -pix_fmt yuv420p \
    -c:a aac -b:a 64k -ac 2 -f flv "$FLV.tmp" && mv "$FLV.tmp" "$FLV"
fi
FLV_BPS=$(python3 -c "import os,sys;print(os.path.getsize(sys.argv[1])*8/float(sys.argv[2]))" "$FLV" \
  "$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$FLV")")

WORK="$(mktemp -d /tmp/capacity.XXXXXX)"
PIDS=()
BACKLOG_WAS=$(cat /proc/sys/net/core/netdev_max_backlog)
cleanup() {
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -z "${BACKLOG:-}" ]] || echo "$BACKLOG_WAS" >/proc/sys/net/core/netdev_max_backlog
  rm -rf "$WORK"
}
trap cleanup EXIT
[[ -z "${BACKLOG:-}" ]] || echo "$BACKLOG" >/proc/sys/net/core/netdev_max_backlog

server_pids() { echo "$1 $(pgrep -P "$1" | tr '\n' ' ')"; }
cpu_ticks() {  # utime+stime of every pid given, in clock ticks
  local t=0 p f
  for p in "$@"; do
    f=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    set -- $f; t=$(( t + ${12} + ${13} ))
  done
  echo $t
}
# The server CPU's jiffies: "busy total softirq" (/proc/stat cpuN; busy
# excludes idle and iowait).
cpu_jiffies() {
  awk -v c="cpu$SERVER_CPU" '$1==c{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9, $8}' /proc/stat
}
# Loopback packets dropped by the server CPU's backlog (softnet_stat column 2,
# netdev_max_backlog full: the receive work waits in ksoftirqd), TCP segments
# retransmitted, listen queue overflows.
net_counters() {
  local drops retrans overflows
  drops=$(( 16#$(awk -v r=$(( SERVER_CPU + 1 )) 'NR==r{print $2}' /proc/net/softnet_stat) ))
  retrans=$(awk '$1=="Tcp:" && $2 ~ /^[0-9]/{print $13}' /proc/net/snmp)
  overflows=$(awk '$1=="TcpExt:"{if(!h){for(i=1;i<=NF;i++)k[i]=$i;h=1}else for(i=1;i<=NF;i++)if(k[i]=="ListenOverflows")print $i}' /proc/net/netstat)
  echo "$drops $retrans $overflows"
}
rss_kb() {
  local t=0 p v
  for p in "$@"; do
    v=$(awk '$1=="VmRSS:"{print $2}' "/proc/$p/status" 2>/dev/null || true)
    t=$(( t + ${v:-0} ))
  done
  echo $t
}

start_server() {  # kind port -> sets SPID
  local kind=$1 port=$2
  if [[ $kind == nginx ]]; then
    local pfx="$WORK/nginx-$port"
    write_nginx_rtmp_conf "$pfx" "$port" "$max_n"
    pin_exec "$SERVER_CPU" nginx -p "$pfx" -c "$pfx/nginx.conf" -e "$pfx/logs/error.log" \
      >"$pfx/out.log" 2>&1 &
  else
    # shellcheck disable=SC2086
    pin_exec "$SERVER_CPU" "$BIN/rtmp-ingest" -listen "127.0.0.1:$port" -threads 1 \
      -log-level warn -log-format json -max-connections $(( max_n * 2 + 100 )) $INGEST_ARGS \
      >"$WORK/ingest-$port.log" 2>&1 &
  fi
  SPID=$!
  PIDS+=("$SPID")
  wait_port "$port"
}

stop_server() {  # TERM, KILL after 10 s
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" $(pgrep -P "$1") 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# Waits up to $QUIET_WAIT s until every CPU is >= $QUIET_IDLE % idle over 2 s.
quiet() {
  (( QUIET_IDLE > 0 )) || return 0
  local start=$SECONDS a b
  while (( SECONDS - start < QUIET_WAIT )); do
    a=$(awk '/^cpu[0-9]/{print $5+$6, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat | tr '\n' ' ')
    sleep 2
    b=$(awk '/^cpu[0-9]/{print $5+$6, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat | tr '\n' ' ')
    python3 -c "import sys
a, b = [list(map(int, x.split())) for x in sys.argv[1:3]]
sys.exit(0 if all(100 * (b[i] - a[i]) / max(1, b[i + 1] - a[i + 1]) >= float(sys.argv[3])
                  for i in range(0, len(a), 2)) else 1)" "$a" "$b" "$QUIET_IDLE" && return 0
  done
  echo "  (not quiet after ${QUIET_WAIT}s: load $(cut -d' ' -f1 /proc/loadavg), running anyway)" >&2
}

# run_one kind players rep -> appends a row to $OUT, sets PASS (1/0)
run_one() {
  local kind=$1 n=$2 rep=$3 port
  quiet
  port=$(free_port)
  start_server "$kind" "$port"
  local url="rtmp://127.0.0.1:$port/live/bench"
  local join=$(( (n + RAMP - 1) / RAMP ))
  # The client runs 2 s past the sampled window so it is alive at the last sample.
  local after=$(( join + SETTLE )) total=$(( join + SETTLE + STEP_SECONDS + 2 ))
  pin_exec "$LOAD_CPU" "$BIN/rtmp-load" -url "$url" -publishers 1 -flv "$FLV" -players 0 \
    -duration $(( total + 15 ))s -json >"$WORK/pub.json" 2>&1 &
  local ppid=$!
  PIDS+=("$ppid")
  sleep 3  # a GOP in the server's cache before the players come
  local spids t_launch
  spids=$(server_pids "$SPID")
  t_launch=$(date +%s.%N)
  # shellcheck disable=SC2086
  pin_exec "$LOAD_CPU" "$BIN/rtmp-load" -url "$url" -players "$n" -ramp "$RAMP" \
    -threads "$LOAD_THREADS" -duration "${total}s" -window-after "${after}s" -rcvlowat "$RCVLOWAT" -json $LOAD_ARGS \
    >"$WORK/load.json" 2>"$WORK/load.err" &
  local lpid=$!
  PIDS+=("$lpid")
  # The window: $after s after the client's start, $STEP_SECONDS long.
  sleep_until() { sleep "$(python3 -c "import time,sys;print(max(0,float(sys.argv[1])-time.time()))" "$1")"; }
  sleep_until "$(python3 -c "import sys;print(float(sys.argv[1])+float(sys.argv[2]))" "$t_launch" "$after")"
  local sc0 lc0 t0 sc1 lc1 t1 load1 rss j0 j1 k0 k1 n0 n1 ksoft
  ksoft=$(pgrep -x "ksoftirqd/$SERVER_CPU" || true)
  t0=$(date +%s.%N); sc0=$(cpu_ticks $spids); lc0=$(cpu_ticks "$lpid")
  j0=$(cpu_jiffies); k0=$(cpu_ticks $ksoft); n0=$(net_counters)
  load1=$(cut -d' ' -f1 /proc/loadavg)
  sleep_until "$(python3 -c "import sys;print(float(sys.argv[1])+float(sys.argv[2]))" "$t0" "$STEP_SECONDS")"
  kill -0 "$lpid" 2>/dev/null || echo "  warning: rtmp-load ended before the window did" >&2
  t1=$(date +%s.%N); sc1=$(cpu_ticks $spids); lc1=$(cpu_ticks "$lpid")
  j1=$(cpu_jiffies); k1=$(cpu_ticks $ksoft); n1=$(net_counters)
  rss=$(rss_kb $spids)
  wait "$lpid" || true
  kill "$ppid" 2>/dev/null || true; wait "$ppid" 2>/dev/null || true
  stop_server "$SPID"
  mkdir -p "$OUT.d"
  cp "$WORK/load.json" "$OUT.d/$kind-$n-$rep-$(date +%H%M%S).json" 2>/dev/null || true
  PASS=$(python3 - "$kind" "$n" "$rep" "$sc0" "$sc1" "$lc0" "$lc1" "$t0" "$t1" "$HZ" "$rss" \
    "$load1" "$FLV_BPS" "$DELIV_MIN" "$WORK/load.json" "$OUT" "$j0" "$j1" "$k0" "$k1" "$n0" "$n1" \
    "$PLAYER_MIN" <<'EOF'
import json, sys
(kind, n, rep, sc0, sc1, lc0, lc1, t0, t1, hz, rss, load1, flv_bps, deliv_min, path,
 out, j0, j1, k0, k1, n0, n1, player_min) = sys.argv[1:]
n = int(n)
try:
    r = json.loads(open(path).read().strip().splitlines()[-1])
except Exception:
    r = {}
wall = float(t1) - float(t0)
srv = 100 * (int(sc1) - int(sc0)) / int(hz) / wall
cli = 100 * (int(lc1) - int(lc0)) / int(hz) / wall
(b0, a0, s0), (b1, a1, s1) = ([int(x) for x in j.split()] for j in (j0, j1))
cpu_busy = 100 * (b1 - b0) / max(1, a1 - a0)
cpu_softirq = 100 * (s1 - s0) / max(1, a1 - a0)
ksoft = 100 * (int(k1) - int(k0)) / int(hz) / wall
drops, retrans, overflows = (int(b) - int(a) for a, b in zip(n0.split(), n1.split()))
other = max(0.0, cpu_busy - srv - ksoft)
ws = r.get("window_s", 0)
expect = float(flv_bps) / 8 * ws  # bytes per player in the window
deliv = 100 * r.get("window_bytes_in", 0) / (n * expect) if ws else 0
p1 = 100 * r.get("window_player_bytes_p1", 0) / expect if ws else 0
worst = 100 * r.get("window_player_bytes_min", 0) / expect if ws else 0
min_fps = r.get("window_player_vframes_min", 0) / ws if ws else 0
stalled, stalls = r.get("window_players_with_stalls", -1), r.get("window_stalls", -1)
no_frames, failed = r.get("window_players_no_frames", -1), r.get("players_failed", -1)
ok = (r.get("players_with_frames") == n and failed == 0 and stalled == 0 and no_frames == 0
      and deliv >= float(deliv_min) and worst >= float(player_min))
row = [kind, n, rep, int(ok), f"{srv:.0f}", f"{cli:.0f}", f"{deliv:.1f}", f"{p1:.1f}", stalled,
       stalls, no_frames, failed, r.get("players_with_frames", 0), f"{min_fps:.1f}",
       f"{r.get('window_max_gap_ms', 0):.0f}", f"{int(rss) / 1024:.0f}", load1, f"{ws:.1f}",
       f"{cpu_busy:.0f}", f"{cpu_softirq:.0f}", f"{ksoft:.0f}", drops, retrans, overflows,
       f"{other:.0f}", f"{worst:.1f}"]
with open(out, "a") as f:
    f.write("\t".join(str(x) for x in row) + "\n")
print(int(ok), round(other))
EOF
)
  read -r PASS LAST_OTHER <<<"$PASS"
  tail -1 "$OUT" >&2
}

printf 'server\tplayers\trep\tpass\tserver_cpu_pct\tload_cpu_pct\tdeliv_pct\tp1_deliv_pct\tplayers_with_stalls\tstalls\tno_frames\tfailed\twith_frames\tmin_fps\tmax_gap_ms\trss_mb\tload1\twindow_s\tcpu_busy_pct\tcpu_softirq_pct\tksoftirqd_pct\tbacklog_drops\tretrans\tlisten_overflows\tother_pct\tmin_deliv_pct\n' >"$OUT"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)  $(date -u +%FT%TZ)  flv $(( ${FLV_BPS%.*} / 1000 )) kbit/s  rcvlowat $RCVLOWAT  netdev_max_backlog $(cat /proc/sys/net/core/netdev_max_backlog)" >&2

# step kind n rep -> PASS: passes with one passing run; fails after 1 + CONFIRM
# failing runs one of which was not contended, or after RETRIES failing runs.
step() {
  local fails=0 clean=0
  while :; do
    run_one "$1" "$2" "$3"
    [[ $PASS == 1 ]] && return 0
    fails=$((fails + 1))
    (( LAST_OTHER <= OTHER_MAX )) && clean=$((clean + 1))
    (( fails > CONFIRM && clean > 0 )) && return 0
    (( fails >= RETRIES )) && return 0
    echo "  $1 failed at $2 (other work ${LAST_OTHER}%): again" >&2
  done
}

for rep in $(seq 1 "$REPEAT"); do
  declare -A lo=() hi=()
  active="$SERVERS"
  i=0
  for n in $STEPS; do
    [[ -z "${active// }" ]] && break
    order=$active
    (( i % 2 == 1 )) && order=$(echo $active | tr ' ' '\n' | tac | tr '\n' ' ')
    i=$((i + 1))
    for kind in $order; do
      step "$kind" "$n" "$rep"
      if [[ $PASS == 1 ]]; then lo[$kind]=$n; else hi[$kind]=$n; active=$(echo " $active " | sed "s/ $kind / /"); fi
    done
  done
  if [[ $BISECT == 1 ]]; then
    while :; do
      any=0
      for kind in $SERVERS; do
        [[ -n "${hi[$kind]:-}" ]] || continue
        l=${lo[$kind]:-0}; h=${hi[$kind]}
        (( h - l > RESOLUTION )) || continue
        any=1
        mid=$(( (l + h) / 2 / 50 * 50 ))
        (( mid > l )) || mid=$(( l + 50 ))
        step "$kind" "$mid" "$rep"
        if [[ $PASS == 1 ]]; then lo[$kind]=$mid; else hi[$kind]=$mid; fi
      done
      (( any )) || break
    done
  fi
  unset lo hi
done
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)  $(date -u +%FT%TZ)" >&2
summary
