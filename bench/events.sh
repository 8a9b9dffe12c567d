#!/usr/bin/env bash
# Event pipeline benchmark. Everything on loopback; REPEAT runs of each
# part, medians printed at the end.
#
#   bench/events.sh                       # all parts
#   PARTS="a b" REPEAT=3 bench/events.sh
#
# (a) events/s end to end to the stdio sink (dispatcher -hook-stdio-format json,
#     its stderr to /dev/null), two generators:
#     a-conn: rtmp-ingest -events-bind -> rtmp-dispatcher; events made by short
#             TCP connections (rtmp-event-gen connect: connect [+ RTMP handshake],
#             close with RST; 2 or 3 events each) -- honest, but bounded by how
#             fast the machine makes TCP connections (printed: conns/s).
#     a-emit: rtmp-event-gen emit: the ingest's real emitter (ZmqEmitter, the
#             code sessions call) pushing publish_stop events as fast as ZeroMQ
#             takes them (its threads stay at most EMIT_WINDOW events ahead) ->
#             ZeroMQ tcp -> rtmp-dispatcher. Rate = dispatcher's
#             events_received_total slope (from /metrics, polled every 20 ms).
# (b) webhooks/s: dispatcher -hook-webhook '*=http://127.0.0.1:P/' to a local
#     nginx (location / { return 204; }, access_log off) at -hook-concurrency C
#     and the default -hook-queue (HOOK_QUEUE sets it: 100000 lets the puller
#     take and render every event at once, a burst's memory the default bounds),
#     vs wrk -c C -s post.lua POSTing a payload of the same size to the same
#     nginx. Ratio dispatcher / wrk. The rate runs from the first webhook to
#     the last, so it includes the generator sending and the dispatcher pulling
#     and rendering the events; b_webhook_after_pull_per_s is the rate once
#     every event is pulled (delivery alone, for diagnosis; with the default
#     queue that is only the last 10,000).
# (c) shell hooks/s: dispatcher -hook-script '*=hook.sh' -hook-concurrency 10 vs
#     `seq K | xargs -P10 -n1 hook.sh`; hook.sh is `#!/bin/sh` + `exit 0`.
# (d) event-to-delivery latency at ~1,000 events/s (LAT_EVENTS events through
#     the real emitter, emitted_unix_ns recorded per seq): to the stdio sink
#     (a reader stamps each line on arrival) and to the webhook (-webhook-secret
#     set; bench/publish_latency.py's receiver stamps each request with
#     time.time_ns() once its body is complete, and reads the seq from the body).
# (e) user-space instructions per webhook, counted by valgrind's callgrind (not
#     timed, so the figure is the same on a loaded or a different host): the
#     dispatcher delivering COST_EVENTS webhooks to the nginx of (b), split into
#     the webhook loops' threads (libcurl, libc, our code) and the others (the
#     puller: ZeroMQ, protobuf, the JSON payload; start-up included), beside
#     wrk -t1 -c C under callgrind against the same nginx: its instructions
#     per request. The kernel's share (send, receive, wake-ups) is not counted
#     on either side. LIBCURL_DIR runs the dispatcher with another libcurl.so.4
#     from that folder (LD_LIBRARY_PATH), to compare libcurl versions; when that
#     libcurl has symbols (built from source with -g), part (e) also prints the
#     inclusive instructions per webhook of four of its functions (overlapping):
#     dprintf_formatf (its printf, which builds the request head), Curl_connect,
#     Curl_readwrite (the response) and multi_done.
#
# Environment: PARTS ("a b c d"; e only when named), REPEAT (3), EMIT_EVENTS (1000000),
# EMIT_THREADS (2), EMIT_WINDOW (16384, read by rtmp-event-gen), HOOK_QUEUE (unset),
# CONN_SECONDS (10), CONN_THREADS (8), WEBHOOK_EVENTS (100000), HTTP_CONC (10),
# SHELL_RUNS (3000), LAT_EVENTS (10000), COST_EVENTS (20000), LIBCURL_DIR (unset),
# BIN (build-bench/bin), NODE_ID (the emitter's node id in a-emit, b, c and d, as
# rtmp-ingest -node-id; unset = none).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
ROOT="$(dirname "$HERE")"
BIN="${BIN:-$ROOT/build-bench/bin}"
PARTS="${PARTS:-a b c d}"
REPEAT="${REPEAT:-3}"
EMIT_EVENTS="${EMIT_EVENTS:-1000000}"
EMIT_THREADS="${EMIT_THREADS:-2}"
CONN_SECONDS="${CONN_SECONDS:-10}"
CONN_THREADS="${CONN_THREADS:-8}"
WEBHOOK_EVENTS="${WEBHOOK_EVENTS:-100000}"
HTTP_CONC="${HTTP_CONC:-10}"
SHELL_RUNS="${SHELL_RUNS:-3000}"
LAT_EVENTS="${LAT_EVENTS:-10000}"
COST_EVENTS="${COST_EVENTS:-20000}"
WORK="$(mktemp -d /tmp/events.XXXXXX)"
RES="$WORK/results.tsv"
: >"$RES"
ulimit -n 65536 2>/dev/null || true
for b in rtmp-ingest rtmp-dispatcher rtmp-event-gen; do
  [[ -x "$BIN/$b" ]] || { echo "missing $BIN/$b" >&2; exit 2; }
done

PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n "${KEEP:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT
record() { printf '%s\t%s\n' "$1" "$2" >>"$RES"; echo "  $1 = $2" >&2; }

# Polls a dispatcher's /metrics every INTERVAL s (0.02) until METRIC reaches TARGET (or stops
# moving for STALL s); prints "rate first last": the slope between the first
# poll that saw it above START and the poll that saw TARGET.
poll_rate() {  # port metric-regex start target [stall [interval]]
  python3 - "$@" <<'EOF'
import re, sys, time, urllib.request
port, rx, start, target = sys.argv[1], re.compile(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
stall = float(sys.argv[5]) if len(sys.argv) > 5 else 5.0
interval = float(sys.argv[6]) if len(sys.argv) > 6 else 0.02
def value():
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    except Exception:
        return None
    for line in body.splitlines():
        if rx.match(line):
            return float(line.rsplit(" ", 1)[1])
    return None
t_first = v_first = None
last_v, last_change = -1, time.time()
deadline = time.time() + 600
while time.time() < deadline:
    v = value()
    now = time.time()
    if v is not None:
        if v > start and t_first is None:
            t_first, v_first = now, v
        if v != last_v:
            last_v, last_change = v, now
        if v >= target or (t_first and now - last_change > stall):
            break
    time.sleep(interval)
t_last = last_change
rate = (last_v - v_first) / (t_last - t_first) if t_first and t_last > t_first else 0
print(f"{rate:.0f} {v_first} {last_v}")
EOF
}

# Part (b): the rate of webhook executions from the first to the last (the
# headline, as poll_rate), then the rate from the poll that saw every event
# pulled (events_received_total = TARGET) to the last: delivery alone, without
# the generator and the puller competing for the CPU. Prints "headline after".
poll_webhook_rates() {  # port target
  python3 - "$@" <<'EOF'
import sys, time, urllib.request
port, target = sys.argv[1], float(sys.argv[2])
def values():
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    except Exception:
        return None, None
    ex = rx = None
    for line in body.splitlines():
        if line.startswith('rtmp_dispatcher_hook_executions_total{kind="webhook"} '):
            ex = float(line.rsplit(" ", 1)[1])
        elif line.startswith("rtmp_dispatcher_events_received_total "):
            rx = float(line.rsplit(" ", 1)[1])
    return ex, rx
t_first = v_first = t_pulled = v_pulled = None
last_v, last_change = -1, time.time()
deadline = time.time() + 600
while time.time() < deadline:
    v, received = values()
    now = time.time()
    if v is not None:
        if v > 1 and t_first is None:
            t_first, v_first = now, v
        if t_first and t_pulled is None and received is not None and received >= target:
            t_pulled, v_pulled = now, v
        if v != last_v:
            last_v, last_change = v, now
        if v >= target or (t_first and now - last_change > 5):
            break
    time.sleep(0.02)
def rate(t0, v0):
    return (last_v - v0) / (last_change - t0) if t0 and last_change > t0 else 0
print(f"{rate(t_first, v_first):.0f} {rate(t_pulled, v_pulled):.0f}")
EOF
}

# DISP_WRAP: a command the dispatcher runs under (valgrind in part e);
# DISP_WAIT: seconds its metrics port may take to open (10).
start_dispatcher() {  # metrics-port endpoint args...
  local mport=$1 ep=$2; shift 2
  ${DISP_WRAP:-} "$BIN/rtmp-dispatcher" -events-connect "$ep" -metrics-addr "127.0.0.1:$mport" \
    -log-level warn -log-format json "$@" >"$WORK/dispatcher.log" 2>"${DISP_STDERR:-/dev/null}" &
  DPID=$!; PIDS+=("$DPID")
  wait_port "$mport" "${DISP_WAIT:-10}"
}
stop_pid() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

NGINX_PID=""
start_http_nginx() {  # port
  local pfx="$WORK/http"; mkdir -p "$pfx/logs"
  cat >"$pfx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes auto;
error_log $pfx/logs/error.log warn;
pid $pfx/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_buffer_size 16k;
    server {
        listen 127.0.0.1:$1;
        location / { return 204; }
    }
}
EOF
  nginx -p "$pfx" -c "$pfx/nginx.conf" -e "$pfx/logs/error.log" >/dev/null 2>&1 &
  NGINX_PID=$!; PIDS+=("$NGINX_PID")
  wait_port "$1"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

part_a() {
  local mport eport rport gen r
  # a-emit: the real emitter -> dispatcher (stdio json to /dev/null)
  mport=$(free_port); eport=$(free_port)
  start_dispatcher "$mport" "tcp://127.0.0.1:$eport" -hook-stdio-format json
  "$BIN/rtmp-event-gen" emit "tcp://127.0.0.1:$eport" "$EMIT_EVENTS" "$EMIT_THREADS" \
    >"$WORK/emit.json" &
  gen=$!
  r=$(poll_rate "$mport" '^rtmp_dispatcher_events_received_total ' 1 $((EMIT_EVENTS + 1)))
  wait $gen || true
  record a_emit_events_per_s "${r%% *}"
  record a_emit_generator_sent_per_s "$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["sent_per_second"])' "$WORK/emit.json")"
  stop_pid "$DPID"

  # a-conn: TCP connections -> rtmp-ingest -> ZeroMQ -> dispatcher
  mport=$(free_port); eport=$(free_port); rport=$(free_port)
  "$BIN/rtmp-ingest" -listen "127.0.0.1:$rport" -events-bind "tcp://127.0.0.1:$eport" \
    -log-level error -log-format json -max-connections 100000 >"$WORK/ingest.log" 2>&1 &
  local ipid=$!; PIDS+=("$ipid")
  wait_port "$rport"
  start_dispatcher "$mport" "tcp://127.0.0.1:$eport" -hook-stdio-format json
  sleep 0.5
  local base
  base=$(curl -s "127.0.0.1:$mport/metrics" | awk '/^rtmp_dispatcher_events_received_total /{print $2}')
  "$BIN/rtmp-event-gen" connect 127.0.0.1 "$rport" "$CONN_SECONDS" "$CONN_THREADS" >"$WORK/conn.json" &
  gen=$!
  r=$(poll_rate "$mport" '^rtmp_dispatcher_events_received_total ' "$base" 1e18 2)
  wait $gen || true
  record a_conn_events_per_s "${r%% *}"
  record a_conn_generator_conns_per_s "$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["per_second"])' "$WORK/conn.json")"
  stop_pid "$DPID"; stop_pid "$ipid"
}

BODY='{"type":"publish_stop","timestamp":1705312222,"conn_id":"conn-7f3a9c","stream_key":"live/bench","id":"evt-9ae9ad2c68377705-42","seq":42,"data":{"audio_packets":430,"video_packets":300,"total_bytes":1830112,"audio_codec":"AAC","video_codec":"H264","duration_sec":10.02}}'

# wrk's script: POST the payload above, as the dispatcher would.
write_post_lua() {
  cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.body = [[$BODY]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "rtmp-hooks/bench"
EOF
}

part_b() {
  local hport mport eport gen r w
  hport=$(free_port)
  start_http_nginx "$hport"
  write_post_lua
  # wrk first, then the dispatcher (order alternates with the repeat number)
  local order="wrk disp"; (( ${1:-0} % 2 == 1 )) && order="disp wrk"
  for who in $order; do
    if [[ $who == wrk ]]; then
      w=$(wrk -t2 -c"$HTTP_CONC" -d10s -s "$WORK/post.lua" "http://127.0.0.1:$hport/" |
          awk '/Requests\/sec/{print $2}')
      record b_wrk_req_per_s "$w"
    else
      mport=$(free_port); eport=$(free_port)
      start_dispatcher "$mport" "tcp://127.0.0.1:$eport" -hook-webhook "*=http://127.0.0.1:$hport/" \
        -hook-concurrency "$HTTP_CONC" ${HOOK_QUEUE:+-hook-queue "$HOOK_QUEUE"}
      "$BIN/rtmp-event-gen" emit "tcp://127.0.0.1:$eport" "$WEBHOOK_EVENTS" 1 >/dev/null &
      gen=$!
      r=$(poll_webhook_rates "$mport" $((WEBHOOK_EVENTS + 1)))
      wait $gen || true
      record b_webhook_per_s "${r%% *}"
      record b_webhook_after_pull_per_s "${r##* }"
      record b_webhook_failures "$(curl -s "127.0.0.1:$mport/metrics" | awk '/^rtmp_dispatcher_hook_failures_total\{kind="webhook"\}/{print $2}')"
      stop_pid "$DPID"
    fi
  done
  stop_pid "$NGINX_PID"
}

part_c() {
  local mport eport gen r t0 t1
  printf '#!/bin/sh\nexit 0\n' >"$WORK/hook.sh"; chmod +x "$WORK/hook.sh"
  local order="xargs disp"; (( ${1:-0} % 2 == 1 )) && order="disp xargs"
  for who in $order; do
    if [[ $who == xargs ]]; then
      t0=$(date +%s.%N)
      seq "$SHELL_RUNS" | xargs -P10 -n1 "$WORK/hook.sh"
      t1=$(date +%s.%N)
      record c_xargs_per_s "$(python3 -c "print(round($SHELL_RUNS / ($t1 - $t0)))")"
    else
      mport=$(free_port); eport=$(free_port)
      start_dispatcher "$mport" "tcp://127.0.0.1:$eport" -hook-script "*=$WORK/hook.sh" \
        -hook-concurrency 10 -hook-queue 100000
      "$BIN/rtmp-event-gen" emit "tcp://127.0.0.1:$eport" "$SHELL_RUNS" 1 >/dev/null &
      gen=$!
      r=$(poll_rate "$mport" '^rtmp_dispatcher_hook_executions_total\{kind="script"\} ' 1 $((SHELL_RUNS + 1)))
      wait $gen || true
      record c_shell_per_s "${r%% *}"
      stop_pid "$DPID"
    fi
  done
}

part_d() {
  local mport eport hport gen
  # stdio: a reader stamps each JSON line as it arrives
  cat >"$WORK/stamp.py" <<'EOF'
import json, sys, time
out = open(sys.argv[1], "w")
for line in sys.stdin:
    t = time.time_ns()
    try:
        out.write(f"{json.loads(line)['seq']} {t}\n")
    except Exception:
        pass
EOF
  mport=$(free_port); eport=$(free_port)
  mkfifo "$WORK/stdio.fifo"
  python3 "$WORK/stamp.py" "$WORK/stdio.recv" <"$WORK/stdio.fifo" &
  local spid=$!
  DISP_STDERR="$WORK/stdio.fifo" start_dispatcher "$mport" "tcp://127.0.0.1:$eport" -hook-stdio-format json
  "$BIN/rtmp-event-gen" emit "tcp://127.0.0.1:$eport" "$LAT_EVENTS" 1 1000 "$WORK/stdio.sent" >/dev/null
  sleep 1; stop_pid "$DPID"; wait $spid || true; rm -f "$WORK/stdio.fifo"
  # webhook: bench/publish_latency.py's receiver stamps each request with
  # time.time_ns() once its body is complete, before answering 204 (nginx's
  # $msec only resolves milliseconds), and notes the seq from the body
  hport=$(free_port); mport=$(free_port); eport=$(free_port)
  python3 "$HERE/publish_latency.py" receive "$hport" "$WORK/hook.got" &
  local rpid=$!; PIDS+=("$rpid")
  wait_port "$hport"
  start_dispatcher "$mport" "tcp://127.0.0.1:$eport" -hook-webhook "*=http://127.0.0.1:$hport/" \
    -webhook-secret bench-secret
  "$BIN/rtmp-event-gen" emit "tcp://127.0.0.1:$eport" "$LAT_EVENTS" 1 1000 "$WORK/hook.sent" >/dev/null
  sleep 1; stop_pid "$DPID"; stop_pid "$rpid"
  awk '$4 != "-" {print $4, $2}' "$WORK/hook.got" >"$WORK/hook.recv"
  python3 - "$WORK" >>"$RES" <<'EOF'
import sys
w = sys.argv[1]
def lat(kind):
    sent = dict(l.split() for l in open(f"{w}/{kind}.sent"))
    d = sorted((int(t) - int(sent[s])) / 1e6 for s, t in (l.split() for l in open(f"{w}/{kind}.recv")) if s in sent)
    if not d: return (0, 0, 0, 0)
    return (len(d), d[len(d) // 2], d[min(len(d) - 1, int(len(d) * 0.99))], d[-1])
for kind in ("stdio", "hook"):
    n, p50, p99, mx = lat(kind)
    print(f"d_{kind}_delivered\t{n}\nd_{kind}_p50_ms\t{p50:.2f}\nd_{kind}_p99_ms\t{p99:.2f}\nd_{kind}_max_ms\t{mx:.2f}")
EOF
  tail -8 "$RES" | sed 's/^/  /' >&2
}

part_e() {
  local hport mport eport n
  command -v valgrind >/dev/null || { echo "part e needs valgrind" >&2; return 1; }
  hport=$(free_port)
  start_http_nginx "$hport"
  write_post_lua
  valgrind --tool=callgrind --callgrind-out-file="$WORK/e-wrk.cg" \
    wrk -t1 -c"$HTTP_CONC" -d5s -s "$WORK/post.lua" "http://127.0.0.1:$hport/" \
    >"$WORK/e-wrk.out" 2>/dev/null
  n=$(awk '/requests in/{print $1}' "$WORK/e-wrk.out")
  mport=$(free_port); eport=$(free_port)
  rm -f "$WORK"/e-disp.cg.*
  DISP_WRAP="env ${LIBCURL_DIR:+LD_LIBRARY_PATH=$LIBCURL_DIR} valgrind --tool=callgrind
    --separate-threads=yes --callgrind-out-file=$WORK/e-disp.cg.%p" DISP_WAIT=120 \
    start_dispatcher "$mport" "tcp://127.0.0.1:$eport" -hook-webhook "*=http://127.0.0.1:$hport/" \
    -hook-concurrency "$HTTP_CONC"
  "$BIN/rtmp-event-gen" emit "tcp://127.0.0.1:$eport" "$COST_EVENTS" 1 >/dev/null
  # Polled once a second: every /metrics render is counted with the other
  # threads, and at 20 ms they added about 6k instructions per webhook.
  poll_rate "$mport" '^rtmp_dispatcher_hook_executions_total\{kind="webhook"\} ' 0 "$COST_EVENTS" 60 1 >/dev/null
  stop_pid "$DPID"; stop_pid "$NGINX_PID"
  python3 - "$WORK" "$n" "$COST_EVENTS" >>"$RES" <<'EOF'
import glob, re, subprocess, sys
work, wrk_requests, webhooks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
line = re.compile(r"^\s*([\d,]+) \(.*\[(.+)\]\s*$")
def by_object(path):
    """Instructions per shared object (file name) in one callgrind output."""
    out = subprocess.run(["callgrind_annotate", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    objs = {}
    for l in out.splitlines():
        m = line.match(l)
        if m:
            o = m.group(2).rsplit("/", 1)[-1]
            objs[o] = objs.get(o, 0) + int(m.group(1).replace(",", ""))
    return objs
# With a libcurl that has symbols (LIBCURL_DIR, built with -g), a few of its
# functions, inclusive of what they call (so they overlap): where its share goes.
named = {"printf": "dprintf_formatf", "connect": "Curl_connect", "readwrite": "Curl_readwrite",
         "done": "multi_done"}
fn_line = re.compile(r"^\s*([\d,]+) \(.*\)\s+\S*:(\w+) \[.*libcurl")
def add_named(path, split):
    """Adds the named libcurl functions' inclusive counts in one thread's output."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    for l in out.splitlines():
        m = fn_line.match(l)
        if m and m.group(2) in named.values():
            split[m.group(2)] = split.get(m.group(2), 0) + int(m.group(1).replace(",", ""))
wrk = sum(by_object(f"{work}/e-wrk.cg").values()) / wrk_requests
loops, others, split = {}, 0, {}
for path in glob.glob(f"{work}/e-disp.cg.*-*"):  # one file per thread
    objs = by_object(path)
    if any(o.startswith("libcurl") for o in objs):  # a webhook loop's thread
        for o, v in objs.items():
            kind = ("libcurl" if o.startswith("libcurl") else "libc" if o.startswith("libc.")
                    else "dispatcher" if o == "rtmp-dispatcher" else "other")
            loops[kind] = loops.get(kind, 0) + v
        add_named(path, split)
    else:
        others += sum(objs.values())
loop = sum(loops.values()) / webhooks
print(f"e_wrk_instr_per_request\t{wrk:.0f}")
print(f"e_loop_instr_per_webhook\t{loop:.0f}")
for kind in ("libcurl", "libc", "dispatcher", "other"):
    print(f"e_loop_{kind}_instr_per_webhook\t{loops.get(kind, 0) / webhooks:.0f}")
print(f"e_other_threads_instr_per_webhook\t{others / webhooks:.0f}")
for key, fn in named.items():
    if fn in split:
        print(f"e_loop_curl_{key}_instr_per_webhook\t{split[fn] / webhooks:.0f}")
print(f"e_dispatcher_over_wrk\t{(loop + others / webhooks) / wrk:.1f}")
EOF
  tail -8 "$RES" | sed 's/^/  /' >&2
}

for rep in $(seq 1 "$REPEAT"); do
  for p in $PARTS; do
    echo "part $p, run $rep (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    "part_$p" "$rep"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$RES" <<'EOF'
import statistics, sys
vals = {}
for line in open(sys.argv[1]):
    k, v = line.rstrip("\n").split("\t")
    try: vals.setdefault(k, []).append(float(v))
    except ValueError: pass
med = {k: statistics.median(v) for k, v in vals.items()}
print()
for k, v in vals.items():
    print(f"{k:32} median {med[k]:>12.2f}   runs {' '.join(f'{x:.2f}' for x in v)}")
def ratio(a, b, name):
    if a in med and b in med and med[b]:
        print(f"{name:32} {med[a] / med[b]:.2f}")
print()
ratio("b_webhook_per_s", "b_wrk_req_per_s", "ratio webhook / wrk")
ratio("b_webhook_after_pull_per_s", "b_wrk_req_per_s", "  after the pull: webhook / wrk")
ratio("c_shell_per_s", "c_xargs_per_s", "ratio shell / xargs -P10")
EOF
