"""Helpers for the dispatcher's process tests (Python 3 stdlib only).

Real processes (build/bin/rtmp-dispatcher, event_pusher), a real HTTP receiver
(http.server, HTTP/1.1 keep-alive), waiting on conditions with generous
deadlines, never on bare sleeps.

Environment (set by CMake): DISPATCHER_BIN, PUSHER_BIN. KEEP_TMP=1 keeps the
temp dir of a passing test.
"""

import base64
import hashlib
import hmac
import http.server
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from ports import free_port, free_ports  # noqa: E402,F401  (tests/integration/ports.py)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def _bin(env, default):
    path = os.environ.get(env) or os.path.join(REPO, "build", "bin", default)
    if not os.path.exists(path):
        raise SystemExit(f"{env}: {path} not built")
    return path


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Failure(AssertionError):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def wait_for(pred, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise Failure(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Proc:
    """A child process with stdout/stderr captured to files in the temp dir."""

    def __init__(self, ctx, name, args, env=None):
        self.name = name
        self.out_path = os.path.join(ctx.tmp, f"{name}.stdout")
        self.err_path = os.path.join(ctx.tmp, f"{name}.stderr")
        full_env = dict(os.environ)
        full_env.update(env or {})
        log(f"start {name}: {' '.join(args)}")
        self.p = subprocess.Popen(args, stdout=open(self.out_path, "wb"),
                                  stderr=open(self.err_path, "wb"), env=full_env,
                                  stdin=subprocess.DEVNULL)
        self.pid = self.p.pid
        ctx.procs.append(self)

    def stdout(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def lines(self):
        return self.stdout().splitlines()

    def wait_log(self, pattern, timeout=30, count=1):
        """Waits until `pattern` matches `count` stdout lines; returns the matches."""
        rx = re.compile(pattern)

        def found():
            self.check_alive_or_done()
            hits = [m for m in (rx.search(l) for l in self.lines()) if m]
            return hits if len(hits) >= count else None
        return wait_for(found, timeout, f"{self.name} log /{pattern}/ x{count}")

    def count_log(self, pattern):
        rx = re.compile(pattern)
        return sum(1 for l in self.lines() if rx.search(l))

    def check_alive_or_done(self):
        pass

    def signal(self, sig):
        if self.p.poll() is None:
            self.p.send_signal(sig)

    def wait_exit(self, timeout=60):
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failure(f"{self.name} did not exit within {timeout}s")

    def stop(self, timeout=60):
        self.signal(signal.SIGTERM)
        return self.wait_exit(timeout)


def dispatcher(ctx, name, args):
    return Proc(ctx, name, [_bin("DISPATCHER_BIN", "rtmp-dispatcher")] + args)


class Pusher(Proc):
    def __init__(self, ctx, name, args):
        super().__init__(ctx, name, [_bin("PUSHER_BIN", "event_pusher")] + args)
        self.endpoint = self.wait_log(r"^bound (\S+)", timeout=30)[0].group(1)

    def wait_sent(self, timeout=120):
        return int(self.wait_log(r"^sent (\d+)", timeout=timeout)[0].group(1))


def json_lines(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]


def dead_letters(path):
    """The -dead-letter file's lines, parsed ([] before the file exists)."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return json_lines(f.read())


def stdio_events(proc):
    """The dispatcher's stdio json hook lines, by event id: (raw line, parsed)."""
    out = {}
    for line in proc.stderr().splitlines():
        if line.startswith("{"):
            obj = json.loads(line)
            out[obj["id"]] = (line, obj)
    return out


# ------------------------------------------------------------------ HTTP receiver

class Request:
    def __init__(self, path, headers, body, client, started):
        self.path, self.headers, self.body, self.client = path, headers, body, client
        self.started, self.ended = started, None
        self.json = json.loads(body) if body else None


class Receiver:
    """A real HTTP/1.1 server recording every request.

    `behave(req, n)` returns (status, delay_s), (status, delay_s, options) or
    None to never answer; n counts earlier requests to the same path with the
    same webhook-id (0 = first). options: "headers" (a dict added to the
    answer), "stall_body" (seconds: the answer promises 100 body bytes, sends
    10, then waits that long and closes), "break_body" (True: the answer
    promises 100 body bytes, sends 10, then resets the connection).
    """

    def __init__(self, behave=None, tls=None):
        self.behave = behave or (lambda req, n: (204, 0))
        self.requests = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.released = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                started = time.monotonic()
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                req = Request(self.path, dict(self.headers.items()), body,
                              self.client_address, started)
                with receiver.lock:
                    key = (self.path, req.headers.get("webhook-id"))
                    n = sum(1 for r in receiver.requests
                            if (r.path, r.headers.get("webhook-id")) == key)
                    receiver.requests.append(req)
                    receiver.in_flight += 1
                    receiver.max_in_flight = max(receiver.max_in_flight, receiver.in_flight)
                try:
                    action = receiver.behave(req, n)
                    if action is None:
                        receiver.released.wait(600)
                        self.close_connection = True
                        return
                    status, delay, *more = action
                    options = more[0] if more else {}
                    if delay:
                        time.sleep(delay)  # the slow hook itself, not a test wait
                    reply = b"" if status in (204, 304) or status < 200 else b"ok"
                    self.send_response(status)
                    for name, value in options.get("headers", {}).items():
                        self.send_header(name, value)
                    if options.get("break_body"):
                        self.send_header("Content-Length", "100")
                        self.end_headers()
                        self.wfile.write(b"x" * 10)
                        self.wfile.flush()
                        # SO_LINGER 0: close() sends a reset, not a FIN.
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                                   struct.pack("ii", 1, 0))
                        self.connection.close()
                        self.close_connection = True
                        return
                    if "stall_body" in options:
                        self.send_header("Content-Length", "100")
                        self.end_headers()
                        self.wfile.write(b"x" * 10)
                        self.wfile.flush()
                        time.sleep(options["stall_body"])  # the stalled body itself
                        self.close_connection = True
                        return
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                finally:
                    with receiver.lock:
                        receiver.in_flight -= 1
                        req.ended = time.monotonic()

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        self.server = Server(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls:
            import ssl
            sslctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            sslctx.load_cert_chain(*tls)
            self.server.socket = sslctx.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.port = self.server.server_address[1]
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def snapshot(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]

    def wait_count(self, n, timeout, path=None, done=True):
        def enough():
            reqs = self.snapshot(path)
            if done:
                reqs = [r for r in reqs if r.ended is not None]
            return len(reqs) >= n
        wait_for(enough, timeout, f"{n} requests on {path or 'any path'}")
        return self.snapshot(path)

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def standard_webhooks_verify(secret, req):
    """Verifies a request's Standard Webhooks signature independently."""
    key = base64.b64decode(secret[len("whsec_"):]) if secret.startswith("whsec_") \
        else secret.encode()
    msg_id = req.headers["webhook-id"]
    ts = req.headers["webhook-timestamp"]
    signed = msg_id.encode() + b"." + ts.encode() + b"." + req.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    sigs = req.headers["webhook-signature"].split(" ")
    return f"v1,{expected}" in sigs and abs(int(ts) - time.time()) < 300


# ------------------------------------------------------------------ /proc checks

def proc_children(pid):
    """(child pid, state) of every process whose parent is `pid`."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        rest = stat[stat.rindex(")") + 2:].split()
        if int(rest[1]) == pid:
            out.append((int(entry), rest[0]))
    return out


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def process_state(pid):
    """'Z', 'S', ... or None when the process no longer exists."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        return stat[stat.rindex(")") + 2:].split()[0]
    except OSError:
        return None


def gone(pid):
    return process_state(pid) in (None, "Z", "X")


# ------------------------------------------------------------------ running a test

class Ctx:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="disp-test-")
        self.procs = []
        self.cleanups = []

    def write_script(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o755)
        return path

    def close(self):
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception:
                pass
        for p in self.procs:
            if p.p.poll() is None:
                p.p.kill()
                p.p.wait()


def metric(port, name):
    """A metric's value from a /metrics endpoint, `name` with its labels."""
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def run(main):
    ctx = Ctx()
    ok = False
    try:
        main(ctx)
        ok = True
    except Exception:
        traceback.print_exc()
        for p in ctx.procs:
            print(f"--- {p.name} stdout (tail)", flush=True)
            print("\n".join(p.lines()[-30:]))
            print(f"--- {p.name} stderr (tail)")
            print("\n".join(p.stderr().splitlines()[-10:]), flush=True)
    finally:
        ctx.close()
    if ok and not os.environ.get("KEEP_TMP"):
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    else:
        print(f"temp dir: {ctx.tmp}")
    print("PASS" if ok else "FAIL", flush=True)
    sys.exit(0 if ok else 1)
