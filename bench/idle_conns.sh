#!/usr/bin/env bash
# Idle connection memory: N (5,000) RTMP connections that
# finish the handshake, connect and createStream, then stay idle; server RSS
# delta / N, for rtmp-ingest and (for reference) nginx-rtmp, one after the other.
#
#   bench/idle_conns.sh                 # N=5000
#   N=5000 SERVERS="ingest" bench/idle_conns.sh
#
# RSS is VmRSS of the server's processes (nginx: master + worker) read from
# /proc: once after start (baseline, with one warm-up connection made and gone)
# and once while all N are connected (counted with ss). rtmp-ingest runs with
# -idle-timeout 10m so nothing is closed for idleness during the measurement.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
ROOT="$(dirname "$HERE")"
BIN="${BIN:-$ROOT/build-bench/bin}"
N="${N:-5000}"
SERVERS="${SERVERS:-ingest nginx}"
INGEST_ARGS="${INGEST_ARGS:-}"
WORK="$(mktemp -d /tmp/idle.XXXXXX)"
ulimit -n $(( N * 2 + 1024 ))
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

rss_kb() { local t=0 p v; for p in $1 $(pgrep -P "$1"); do v=$(awk '$1=="VmRSS:"{print $2}' "/proc/$p/status"); t=$((t + ${v:-0})); done; echo $t; }
established() { ss -Htn state established "( sport = :$1 )" | wc -l; }

echo "load: $(cut -d' ' -f1-3 /proc/loadavg)  N=$N" >&2
printf "%-7s %8s %10s %10s %12s %14s\n" server conns base_MB loaded_MB delta_MB "KiB/conn"
for kind in $SERVERS; do
  port=$(free_port)
  if [[ $kind == nginx ]]; then
    pfx="$WORK/nginx"
    write_nginx_rtmp_conf "$pfx" "$port" "$N"
    nginx -p "$pfx" -c "$pfx/nginx.conf" -e "$pfx/logs/error.log" >/dev/null 2>&1 &
  else
    # shellcheck disable=SC2086
    "$BIN/rtmp-ingest" -listen "127.0.0.1:$port" -idle-timeout 10m -log-level warn \
      -max-connections $(( N + 100 )) $INGEST_ARGS >"$WORK/ingest.log" 2>&1 &
  fi
  spid=$!; PIDS+=("$spid")
  wait_port "$port"
  "$BIN/rtmp-load" -url "rtmp://127.0.0.1:$port/live/idle" -players 1 -idle -duration 1s >/dev/null || true
  sleep 1
  base=$(rss_kb "$spid")
  "$BIN/rtmp-load" -url "rtmp://127.0.0.1:$port/live/idle" -players "$N" -idle -ramp 2000 \
    -duration 60s -threads 2 -json >"$WORK/load.json" 2>&1 &
  lpid=$!; PIDS+=("$lpid")
  # wait until all N are established (and a little more for the commands)
  for _ in $(seq 1 100); do (( $(established "$port") >= N )) && break; sleep 0.5; done
  sleep 3
  conns=$(established "$port")
  loaded=$(rss_kb "$spid")
  kill "$lpid" 2>/dev/null || true; wait "$lpid" 2>/dev/null || true
  kill -TERM "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
  awk -v k="$kind" -v c="$conns" -v b="$base" -v l="$loaded" 'BEGIN{
    printf "%-7s %8d %10.1f %10.1f %12.1f %14.1f\n", k, c, b/1024, l/1024, (l-b)/1024, (c? (l-b)/c : 0)}'
done
