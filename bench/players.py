#!/usr/bin/env python3
"""Players side by side: rtmp-ingest against nginx-rtmp in the same invocation.

    bench/players.py                                   # 100 200 500 1000 x 600k 2500k, rtmpdump, 3 reps
    STEPS=1000 RATES=600k CLIENT=rtmp-load REPEAT=3 bench/players.py
    SERVERS="ingest ingest_ref" REF_BIN=/tmp/base/bin STEPS=1000 bench/players.py   # before/after

One publisher (rtmp-load replaying a cached ffmpeg-made FLV in real time, looped:
H.264 2 s GOP + AAC; 600k = 640x360 ~600 kbit/s, 2500k = 1280x720 ~2.5 Mbit/s),
N players joining at once: CLIENT=rtmpdump (default: N `rtmpdump -v` processes,
each recording the whole stream to $RECORD_DIR, /dev/null unless set) or
CLIENT=rtmp-load (one process, -threads $LOAD_THREADS). Both servers with their
default settings: nginx-rtmp `application live { live on; }`, one worker
(master_process on); rtmp-ingest with no flags but -listen, -log-level warn and
-max-connections ($INGEST_ARGS appended). Unpinned by default; PIN=1 puts the
server on CPU $SERVER_CPU and publisher + players on CPU $LOAD_CPU (then
rtmp-ingest gets -threads 1).

Per run, once every player's connection is established and $SETTLE s later, a
window of $STEP_SECONDS s:
  cpu_s     utime+stime of every process of the server (/proc/PID/stat) over the window
  gb        bytes the players' sockets received in the window (ss -ti bytes_received,
            summed over established sockets whose peer is the server's port)
  s/GB      cpu_s / gb
  KiB/pl    memory per playing player: (VmHWM - VmRSS before the players) / P, and
            (VmRSS at the window's end - VmRSS before) / P (RSS columns), P = the
            players connected through the window (column "in": the median of P)
  load      the 1-minute load average at the window's start and end
Servers alternate within each step (order flipped every step), REPEAT times;
the table gives medians, the ratio ingest / nginx of the medians, and beside
each figure the load range of its runs and the CPU model. Raw rows: $OUT (TSV).

Environment: STEPS ("100 200 500 1000"), RATES ("600k 2500k"), CLIENT (rtmpdump),
REPEAT (3), STEP_SECONDS (20), SETTLE (2), SERVERS ("nginx ingest"; ingest_ref =
rtmp-ingest from $REF_BIN), PIN (0), SERVER_CPU (0), LOAD_CPU (1), LOAD_THREADS
(1), RAMP (rtmpdump players started per second; 0 = all at once: at 1,000
players on two cores some rtmpdump processes then give up before nginx-rtmp
answers them), INGEST_ARGS, REF_ARGS (ingest_ref only; with REF_BIN=$BIN, one build
under two settings), REF_COMPANION (a shell command run beside ingest_ref from
before its players join until its window ends, e.g. a dashboard open on its API:
the cost of a feature in use; its own CPU is not counted), BIN (build-bench/bin), CACHE (bench/.cache), RECORD_DIR, OUT.
"""
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ENV = os.environ.get
BIN = ENV("BIN", os.path.join(ROOT, "build-bench", "bin"))
REF_BIN = ENV("REF_BIN", "")
STEPS = [int(x) for x in ENV("STEPS", "100 200 500 1000").split()]
RATES = ENV("RATES", "600k 2500k").split()
CLIENT = ENV("CLIENT", "rtmpdump")
REPEAT = int(ENV("REPEAT", "3"))
STEP_SECONDS = float(ENV("STEP_SECONDS", "20"))
SETTLE = float(ENV("SETTLE", "2"))
SERVERS = ENV("SERVERS", "nginx ingest").split()
PIN = ENV("PIN", "0") == "1"
SERVER_CPU, LOAD_CPU = ENV("SERVER_CPU", "0"), ENV("LOAD_CPU", "1")
LOAD_THREADS = ENV("LOAD_THREADS", "1")
INGEST_ARGS = ENV("INGEST_ARGS", "").split()
REF_ARGS = ENV("REF_ARGS", "").split()
REF_COMPANION = ENV("REF_COMPANION", "")
RAMP = float(ENV("RAMP", "0"))
CACHE = ENV("CACHE", os.path.join(HERE, ".cache"))
RECORD_DIR = ENV("RECORD_DIR", "")
OUT = ENV("OUT", f"/tmp/players-{os.getpid()}.tsv")
NGINX_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
HZ = os.sysconf("SC_CLK_TCK")

# ffmpeg recipes of bench/capacity.sh (600k) and bench/fanout.sh (2500k).
FLVS = {
    "600k": ("640x360", "520k", "540k", "64k"),
    "2500k": ("1280x720", "2350k", "2500k", "128k"),
}


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def load1():
    return float(open("/proc/loadavg").read().split()[0])


def make_flv(rate):
    path = os.path.join(CACHE, f"bench-{rate}.flv")
    if os.path.getsize(path) if os.path.exists(path) else 0:
        return path
    size, vb, vmax, ab = FLVS[rate]
    os.makedirs(CACHE, exist_ok=True)
    print(f"making {path} (once)", file=sys.stderr)
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                    "-t", "30", "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
                    "-b:v", vb, "-maxrate", vmax, "-bufsize", vmax, "-g", "60", "-keyint_min", "60",
                    "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", ab,
                    "-ac", "2", "-f", "flv", path + ".tmp"], check=True)
    os.rename(path + ".tmp", path)
    return path


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def pinned(cpu, argv):
    return ["taskset", "-c", cpu] + argv if PIN else argv


def server_pids(pid):
    kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [int(k) for k in kids]


def cpu_ticks(pids):
    t = 0
    for p in pids:
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            t += int(f[11]) + int(f[12])
        except OSError:
            pass
    return t


def mem_kb(pids, key):
    t = 0
    for p in pids:
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith(key + ":"):
                    t += int(line.split()[1])
        except OSError:
            pass
    return t


def player_sockets(port):
    """(count, bytes_received) of established sockets whose peer is the server."""
    out = subprocess.run(["ss", "-tinH", "state", "established", f"( dport = :{port} )"],
                         capture_output=True, text=True).stdout
    got = [int(x) for x in re.findall(r"bytes_received:(\d+)", out)]
    return len(got), sum(got)


def start_server(kind, port, n, work):
    if kind == "nginx":
        pfx = os.path.join(work, f"nginx-{port}")
        os.makedirs(os.path.join(pfx, "logs"), exist_ok=True)
        conns = n * 2 + 1024
        open(os.path.join(pfx, "nginx.conf"), "w").write(f"""load_module {NGINX_MODULE};
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile {conns};
error_log {pfx}/logs/error.log warn;
pid {pfx}/nginx.pid;
events {{ worker_connections {conns}; }}
rtmp {{ server {{ listen 127.0.0.1:{port}; application live {{ live on; }} }} }}
""")
        argv = ["nginx", "-p", pfx, "-c", f"{pfx}/nginx.conf", "-e", f"{pfx}/logs/error.log"]
    else:
        b = REF_BIN if kind == "ingest_ref" else BIN
        argv = [f"{b}/rtmp-ingest", "-listen", f"127.0.0.1:{port}", "-log-level", "warn",
                "-max-connections", str(n * 2 + 100)] + (["-threads", "1"] if PIN else []) + INGEST_ARGS \
            + (REF_ARGS if kind == "ingest_ref" else [])
    log = open(os.path.join(work, f"{kind}-{port}.log"), "w")
    proc = subprocess.Popen(pinned(SERVER_CPU, argv), stdout=log, stderr=subprocess.STDOUT)
    wait_port(port)
    return proc


def stop(proc, sig=signal.SIGTERM, timeout=10, group=False):
    """Signals `proc` (its whole process group with `group`), then kills it after `timeout`."""
    if proc.poll() is None:
        send = (lambda s: os.killpg(proc.pid, s)) if group else proc.send_signal
        send(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            send(signal.SIGKILL)
            proc.wait()


def start_players(url, n, work):
    if CLIENT == "rtmp-load":
        argv = [f"{BIN}/rtmp-load", "-url", url, "-players", str(n), "-threads", LOAD_THREADS,
                "-duration", f"{int(STEP_SECONDS + SETTLE + 120)}s"]
        return [subprocess.Popen(pinned(LOAD_CPU, argv), stdout=subprocess.DEVNULL,
                                 stderr=open(os.path.join(work, "load.err"), "w"))]
    procs, t0 = [], time.monotonic()
    for i in range(n):
        if RAMP > 0:  # player i starts i / RAMP s after the first
            time.sleep(max(0.0, t0 + i / RAMP - time.monotonic()))
        dest = os.path.join(RECORD_DIR, f"p{i}.flv") if RECORD_DIR else "/dev/null"
        procs.append(subprocess.Popen(pinned(LOAD_CPU, ["rtmpdump", "-q", "-v", "-r", url, "-o", dest]),
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
    return procs


def run_one(kind, n, rate, rep, flv, work):
    port = free_port()
    server = start_server(kind, port, n, work)
    url = f"rtmp://127.0.0.1:{port}/live/bench"
    pub = subprocess.Popen(pinned(LOAD_CPU, [f"{BIN}/rtmp-load", "-url", url, "-publishers", "1",
                                             "-flv", flv, "-players", "0", "-duration", "600s"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    players, companion = [], None
    try:
        time.sleep(3)  # a GOP in the server's cache before the players come
        pids = server_pids(server.pid)
        rss0 = mem_kb(pids, "VmRSS")
        if kind == "ingest_ref" and REF_COMPANION:
            companion = subprocess.Popen(["sh", "-c", REF_COMPANION], start_new_session=True,
                                         stdout=open(os.path.join(work, "companion.log"), "a"),
                                         stderr=subprocess.STDOUT)
        players = start_players(url, n, work)
        deadline = time.time() + 60 + n / 20
        while player_sockets(port)[0] < n + 1 and time.time() < deadline:  # + the publisher
            time.sleep(0.5)
        time.sleep(SETTLE)
        l0 = load1()
        conns0, b0 = player_sockets(port)
        c0, t0 = cpu_ticks(pids), time.time()
        time.sleep(STEP_SECONDS)
        c1, t1 = cpu_ticks(pids), time.time()
        conns1, b1 = player_sockets(port)
        rss1, hwm = mem_kb(pids, "VmRSS"), mem_kb(pids, "VmHWM")
        l1 = load1()
    finally:
        if companion:
            stop(companion, timeout=15, group=True)
        for p in players:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in players:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        stop(pub)
        stop(server)
        if RECORD_DIR:
            for f in os.listdir(RECORD_DIR):
                if f.startswith("p") and f.endswith(".flv"):
                    os.unlink(os.path.join(RECORD_DIR, f))
    cpu = (c1 - c0) / HZ
    gb = (b1 - b0) / 1e9
    playing = max(1, min(conns0, conns1) - 1)  # per player: of those that got in
    row = dict(server=kind, client=CLIENT, players=n, rate=rate, rep=rep,
               connected=min(conns0, conns1) - 1, cpu_s=f"{cpu:.2f}", gb=f"{gb:.4f}",
               s_per_gb=f"{cpu / gb:.2f}" if gb > 0 else "nan",
               mbps=f"{(b1 - b0) * 8 / 1e6 / (t1 - t0):.1f}",
               rss0_mb=f"{rss0 / 1024:.1f}", rss_mb=f"{rss1 / 1024:.1f}", hwm_mb=f"{hwm / 1024:.1f}",
               kib_hwm=f"{(hwm - rss0) / playing:.1f}", kib_rss=f"{(rss1 - rss0) / playing:.1f}",
               load_start=f"{l0:.2f}", load_end=f"{l1:.2f}", pin=int(PIN), cpu_model=cpu_model(),
               utc=time.strftime("%H:%M:%S", time.gmtime(t0)))
    return row


COLS = ["server", "client", "players", "rate", "rep", "connected", "cpu_s", "gb", "s_per_gb", "mbps",
        "rss0_mb", "rss_mb", "hwm_mb", "kib_hwm", "kib_rss", "load_start", "load_end", "pin",
        "cpu_model", "utc"]


def table(rows):
    def med(k, s, n, r):
        v = [float(x[k]) for x in rows if x["server"] == s and int(x["players"]) == n
             and x["rate"] == r and x[k] != "nan"]
        return (statistics.median(v) if v else float("nan")), len(v)

    def loads(s, n, r):
        v = [float(x[k]) for x in rows if x["server"] == s and int(x["players"]) == n and x["rate"] == r
             for k in ("load_start", "load_end")]
        return f"{min(v):.1f}-{max(v):.1f}" if v else "-"

    print(f"\nCPU: {cpu_model()}  client: {CLIENT}  pinned: {int(PIN)}  medians of each server's runs")
    print(f"{'rate':>6} {'N':>5} {'server':>10} {'runs':>4} {'in':>6} {'s/GB':>7} {'KiB/pl HWM':>10} "
          f"{'KiB/pl RSS':>10} {'Mbit/s':>8} {'load':>9}  ratio to nginx (s/GB, KiB HWM)")
    servers = sorted({x["server"] for x in rows}, key=lambda s: s != "nginx")
    for r in dict.fromkeys(x["rate"] for x in rows):
        for n in sorted({int(x["players"]) for x in rows}):
            for s in servers:
                spg, runs = med("s_per_gb", s, n, r)
                if not runs:
                    continue
                kh, kr, mb = med("kib_hwm", s, n, r)[0], med("kib_rss", s, n, r)[0], med("mbps", s, n, r)[0]
                conn = med("connected", s, n, r)[0]
                ratio = ""
                if s != "nginx" and "nginx" in servers:
                    b, kb = med("s_per_gb", "nginx", n, r)[0], med("kib_hwm", "nginx", n, r)[0]
                    ratio = f"{spg / b:.2f}  {kh / kb:.2f}" if b and kb else ""
                print(f"{r:>6} {n:>5} {s:>10} {runs:>4} {conn:>6.0f} {spg:>7.2f} {kh:>10.1f} {kr:>10.1f} {mb:>8.0f} "
                      f"{loads(s, n, r):>9}  {ratio}")
    print(f"raw rows: {OUT}")


def main():
    if ENV("TABLE_ONLY"):
        lines = open(OUT).read().splitlines()
        table([dict(zip(lines[0].split("\t"), ln.split("\t"))) for ln in lines[1:]])
        return
    need = [f"{BIN}/rtmp-load"] + ([f"{BIN}/rtmp-ingest"] if "ingest" in SERVERS else []) \
        + ([f"{REF_BIN}/rtmp-ingest"] if "ingest_ref" in SERVERS else [])
    for b in need:
        if not os.access(b, os.X_OK):
            sys.exit(f"missing {b} (build it, or set BIN / REF_BIN)")
    if "nginx" in SERVERS and not os.path.exists(NGINX_MODULE):
        sys.exit(f"missing {NGINX_MODULE} (libnginx-mod-rtmp)")
    if CLIENT == "rtmpdump" and not shutil.which("rtmpdump"):
        sys.exit("missing rtmpdump")
    want = max(STEPS) * (4 if CLIENT == "rtmp-load" else 2) + 1024
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    flvs = {r: make_flv(r) for r in RATES}
    work = tempfile.mkdtemp(prefix="players.")
    rows = []
    print(f"CPU: {cpu_model()}  load: {open('/proc/loadavg').read().strip()}  client: {CLIENT} "
          f"pin: {int(PIN)}  rows: {OUT}", file=sys.stderr)
    with open(OUT, "w") as out:
        out.write("\t".join(COLS) + "\n")
        i = 0
        for rep in range(1, REPEAT + 1):
            for r in RATES:
                for n in STEPS:
                    order = SERVERS if i % 2 == 0 else SERVERS[::-1]
                    i += 1
                    for kind in order:
                        row = run_one(kind, n, r, rep, flvs[r], work)
                        rows.append(row)
                        out.write("\t".join(str(row[c]) for c in COLS) + "\n")
                        out.flush()
                        print("  ".join(f"{c}={row[c]}" for c in COLS if c != "cpu_model"),
                              file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)
    table(rows)


if __name__ == "__main__":
    main()
