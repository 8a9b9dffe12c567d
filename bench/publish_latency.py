#!/usr/bin/env python3
"""Event latency at the receiver: from the RTMP publish command to the webhook's arrival.

    bench/publish_latency.py                      # embedded and external dispatcher, 3 reps each
    RATE=1000 COUNT=10000 MODES=embedded REPEAT=1 bench/publish_latency.py
    RATE=200 HOOK_EVENT='*' bench/publish_latency.py   # every event hooked: ~1,000 webhooks/s

Publishers (asyncio, in PROCS processes, each starting RATE/PROCS per second,
staggered) start at RATE per second, COUNT in all, each on its own TCP connection: handshake, connect + createStream, then `publish`
of a unique stream key; the time just before the publish command's write is
taken with time.time_ns(); once NetStream.Publish.Start arrives the connection
closes (so each publish also makes connection_accept, handshake_complete,
publish_stop and connection_close: about 5 x RATE events/s in all). The
receiver is a separate process (threads, plain sockets, HTTP/1.1 keep-alive,
204): it takes time.time_ns() as soon as a request's body is complete, before
answering. Both clocks are CLOCK_REALTIME of this host (ns resolution).
HOOK_EVENT (publish_start) is what the webhook is given: publish_start alone,
or '*' for every event (about 5 webhooks per publish, so RATE=200 is ~1,000
webhooks/s). Latency = receiver stamp of the publish_start webhook - publish
stamp, matched by stream key; the webhooks/s the receiver got is printed too.

Modes: embedded (rtmp-ingest -hook-webhook publish_start=URL) and external
(rtmp-ingest -events-bind + rtmp-dispatcher -events-connect -hook-webhook),
alternating, REPEAT times. Printed per run and as medians: delivered, p50,
p99, max (ms), the publish rate achieved, the 1-minute load average at start
and end, and the CPU model.

Environment: RATE (1000), COUNT (10000), MODES ("embedded external"), REPEAT
(3), PROCS (2), HOOK_EVENT (publish_start), BIN (build-bench/bin), HOOK_ARGS (extra
flags for whichever runs the hook).
"""
import asyncio
import os
import re
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = os.environ.get
BIN = ENV("BIN", os.path.join(os.path.dirname(HERE), "build-bench", "bin"))
RATE = float(ENV("RATE", "1000"))
COUNT = int(ENV("COUNT", "10000"))
MODES = ENV("MODES", "embedded external").split()
REPEAT = int(ENV("REPEAT", "3"))
HOOK_ARGS = ENV("HOOK_ARGS", "").split()
PROCS = max(1, int(ENV("PROCS", "2")))
HOOK_EVENT = ENV("HOOK_EVENT", "publish_start")


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def load1():
    return float(open("/proc/loadavg").read().split()[0])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


# ---- receiver (its own process: `publish_latency.py receive PORT OUTFILE`) ----
# One line per request: stream key, time.time_ns() once the body is complete,
# event type, seq ("-" when absent). bench/events.sh part d uses it too.

KEY_RE = re.compile(rb'"stream_key"\s*:\s*"([^"]*)"')
TYPE_RE = re.compile(rb'"event_type"\s*:\s*"([^"]*)"')
SEQ_RE = re.compile(rb'"seq"\s*:\s*(\d+)')


def serve_conn(conn, out, lock):
    buf = b""
    while True:
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        m = re.search(rb"(?i)content-length:\s*(\d+)", head)
        length = int(m.group(1)) if m else 0
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return
            rest += chunk
        t = time.time_ns()
        body, buf = rest[:length], rest[length:]
        k, e, s = KEY_RE.search(body), TYPE_RE.search(body), SEQ_RE.search(body)
        with lock:
            out.write(f"{(k.group(1).decode() if k else '') or '-'} {t} "
                      f"{e.group(1).decode() if e else '-'} {s.group(1).decode() if s else '-'}\n")
        conn.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")


def receive(port, path):
    out = open(path, "w", buffering=1)
    lock = threading.Lock()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(128)
    while True:
        c, _ = srv.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve_conn, args=(c, out, lock), daemon=True).start()


# ---- RTMP publisher ----

def amf_str(s):
    b = s.encode()
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf_num(x):
    return b"\x00" + struct.pack(">d", x)


def amf_obj(d):
    out = b"\x03"
    for k, v in d.items():
        kb = k.encode()
        out += struct.pack(">H", len(kb)) + kb + (amf_str(v) if isinstance(v, str) else amf_num(v))
    return out + b"\x00\x00\x09"


def chunk(csid, type_id, stream_id, payload):
    # fmt 0, timestamp 0; payloads here stay under the 4096 chunk size set first.
    return (bytes([csid]) + b"\x00\x00\x00" + struct.pack(">I", len(payload))[1:]
            + bytes([type_id]) + struct.pack("<I", stream_id) + payload)


SET_CHUNK = chunk(2, 1, 0, struct.pack(">I", 4096))


async def read_until(reader, buf, pred, timeout=10):
    deadline = time.monotonic() + timeout
    while not pred(buf):
        data = await asyncio.wait_for(reader.read(65536), max(0.01, deadline - time.monotonic()))
        if not data:
            raise ConnectionError("closed")
        buf += data
    return buf


async def publish_once(port, key, sent, errors):
    app, name = key.split("/", 1)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        writer.write(b"\x03" + struct.pack(">II", 0, 0) + os.urandom(1528))
        buf = await read_until(reader, b"", lambda b: len(b) >= 3073)
        writer.write(buf[1:1537])  # C2 echoes S1
        buf = buf[3073:]
        connect = amf_str("connect") + amf_num(1) + amf_obj(
            {"app": app, "type": "nonprivate", "tcUrl": f"rtmp://127.0.0.1:{port}/{app}"})
        writer.write(SET_CHUNK + chunk(3, 20, 0, connect)
                     + chunk(3, 20, 0, amf_str("createStream") + amf_num(2) + b"\x05"))
        marker = b"\x02\x00\x07_result"
        buf = await read_until(reader, bytearray(buf), lambda b: b.count(marker) >= 2)
        publish = amf_str("publish") + amf_num(3) + b"\x05" + amf_str(name) + amf_str("live")
        sent[key] = time.time_ns()
        writer.write(chunk(8, 20, 1, publish))
        await read_until(reader, bytearray(), lambda b: b"NetStream.Publish.Start" in b)
        writer.close()
    except Exception as e:  # noqa: BLE001 -- counted, the run goes on
        errors.append(f"{key}: {e!r}")


async def drive(port, tag, part, t0):
    # Publisher `part` of PROCS takes every PROCS-th publish of the schedule.
    sent, errors, tasks = {}, [], []
    for i in range(part, COUNT, PROCS):
        due = t0 + i / RATE
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(publish_once(port, f"live/{tag}-{i}", sent, errors)))
    await asyncio.gather(*tasks)
    return sent, errors


def drive_part(port, tag, part, t0, results):
    sent, errors = asyncio.run(drive(port, tag, part, t0))
    results.put((sent, errors, time.time()))


def drive_all(port, tag):
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    t0 = time.time() + 0.5  # every part has started by then
    parts = [ctx.Process(target=drive_part, args=(port, tag, k, t0, results)) for k in range(PROCS)]
    for p in parts:
        p.start()
    sent, errors, end = {}, [], t0
    for _ in parts:
        s, e, t = results.get()
        sent.update(s)
        errors += e
        end = max(end, t)
    for p in parts:
        p.join()
    return sent, errors, COUNT / (end - t0)


def run_one(mode, rep, work):
    hport, rport = free_port(), free_port()
    recv_path = os.path.join(work, f"recv-{mode}-{rep}.txt")
    procs = [subprocess.Popen([sys.executable, __file__, "receive", str(hport), recv_path])]
    wait_port(hport)
    hook = ["-hook-webhook", f"{HOOK_EVENT}=http://127.0.0.1:{hport}/hook"] + HOOK_ARGS
    log = open(os.path.join(work, f"{mode}-{rep}.log"), "w")
    ingest = [f"{BIN}/rtmp-ingest", "-listen", f"127.0.0.1:{rport}", "-log-level", "warn",
              "-max-connections", "20000"]
    if mode == "embedded":
        procs.append(subprocess.Popen(ingest + hook, stdout=log, stderr=log))
    else:
        eport = free_port()
        procs.append(subprocess.Popen(ingest + ["-events-bind", f"tcp://127.0.0.1:{eport}"],
                                      stdout=log, stderr=log))
        procs.append(subprocess.Popen([f"{BIN}/rtmp-dispatcher", "-events-connect",
                                       f"tcp://127.0.0.1:{eport}", "-log-level", "warn"] + hook,
                                      stdout=log, stderr=log))
    try:
        wait_port(rport)
        time.sleep(1)  # the dispatcher connects
        l0 = load1()
        sent, errors, rate = drive_all(rport, f"{mode}{rep}")
        deadline = time.time() + 15
        while time.time() < deadline:
            if sum(1 for ln in open(recv_path) if ln.split()[2] in ("publish_start", "-")) >= len(sent):
                break
            time.sleep(0.2)
        l1 = load1()
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    got, stamps = {}, []
    for line in open(recv_path):
        k, t, ev, _ = line.split()
        stamps.append(int(t))
        if ev in ("publish_start", "-"):
            got.setdefault(k, int(t))
    span = (max(stamps) - min(stamps)) / 1e9 if len(stamps) > 1 else 0.0
    hook_rate = (len(stamps) - 1) / span if span > 0 else 0.0
    d = sorted((got[k] - t) / 1e6 for k, t in sent.items() if k in got)
    n = len(d)
    pick = (lambda q: d[min(n - 1, int(n * q))]) if n else (lambda q: float("nan"))
    return dict(mode=mode, rep=rep, published=len(sent), delivered=n, errors=len(errors),
                rate=rate, hook_rate=hook_rate, p50=pick(0.5), p99=pick(0.99), max=d[-1] if n else float("nan"),
                load=f"{l0:.1f}-{l1:.1f}", first_error=errors[0] if errors else "")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "receive":
        receive(int(sys.argv[2]), sys.argv[3])
        return
    for b in ["rtmp-ingest"] + (["rtmp-dispatcher"] if "external" in MODES else []):
        if not os.access(f"{BIN}/{b}", os.X_OK):
            sys.exit(f"missing {BIN}/{b}")
    import resource
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(65536, hard), hard))
    work = tempfile.mkdtemp(prefix="publat.")
    print(f"CPU: {cpu_model()}  load: {open('/proc/loadavg').read().strip()}  rate {RATE:.0f}/s "
          f"count {COUNT}  work {work}", file=sys.stderr)
    rows, i = [], 0
    for rep in range(1, REPEAT + 1):
        order = MODES if i % 2 == 0 else MODES[::-1]
        i += 1
        for mode in order:
            r = run_one(mode, rep, work)
            rows.append(r)
            print(f"{r['mode']:>9} rep {rep}: delivered {r['delivered']}/{r['published']} "
                  f"(errors {r['errors']}) at {r['rate']:.0f} publishes/s, "
                  f"{r['hook_rate']:.0f} webhooks/s  p50 {r['p50']:.3f} ms  "
                  f"p99 {r['p99']:.3f} ms  max {r['max']:.3f} ms  load {r['load']}  {r['first_error']}",
                  file=sys.stderr)
    print(f"\nCPU: {cpu_model()}; medians over runs; publish -> webhook receiver (time.time_ns)")
    print(f"hooked: {HOOK_EVENT}; publisher processes: {PROCS}")
    print(f"{'mode':>9} {'runs':>4} {'pub/s':>7} {'hooks/s':>7} {'delivered':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8}  load (1-min, per run)")
    for mode in MODES:
        rs = [r for r in rows if r["mode"] == mode]
        med = lambda k: statistics.median(r[k] for r in rs)  # noqa: E731
        print(f"{mode:>9} {len(rs):>4} {med('rate'):>7.0f} {med('hook_rate'):>7.0f} {med('delivered'):>9.0f} {med('p50'):>8.3f} "
              f"{med('p99'):>8.3f} {med('max'):>8.3f}  {' '.join(r['load'] for r in rs)}")


if __name__ == "__main__":
    main()
