"""Helpers for the operations tests: scraping /metrics, promtool, a webhook
receiver counting events by id, the dispatcher binary. Built on
tests/integration/harness.py (processes, waiting, temp dirs)."""
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness as h  # noqa: E402


def dispatcher_binary():
    path = os.environ.get("DISPATCHER_BIN") or os.path.join(
        os.path.dirname(h.ingest_binary()), "rtmp-dispatcher")
    h.check(os.access(path, os.X_OK), f"rtmp-dispatcher not found at {path}")
    return path


def http_get(port, path, timeout=10):
    """(status, body) of GET http://127.0.0.1:port/path."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$")


def parse_metrics(text):
    """{'name' or 'name{labels}': float} of a Prometheus text page."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        h.check(m, f"unparsable metrics line: {line!r}")
        out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def promtool_check(text, what):
    """`promtool check metrics` on a scraped page (Debian's prometheus package)."""
    if not shutil.which("promtool"):
        h.log("promtool not installed; parsed the page only")
        parse_metrics(text)
        return
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=60)
    h.check(r.returncode == 0, f"promtool check metrics ({what}): {r.stdout}{r.stderr}")


class Scraper:
    def __init__(self, port):
        self.port = port
        self.pages = 0

    def scrape(self, check=True):
        status, body = http_get(self.port, "/metrics")
        h.check(status == 200, f"/metrics answered {status}")
        self.pages += 1
        if check:
            promtool_check(body, f"scrape {self.pages}")
        return parse_metrics(body)

    def wait(self, pred, timeout, what):
        """Scrapes until pred(metrics) is true; returns those metrics."""
        last = {}

        def ok():
            nonlocal last
            last = self.scrape(check=False)
            return pred(last)
        try:
            h.wait_for(ok, timeout, what, interval=0.25)
        except h.TestFailure:
            h.log("last scrape: " + ", ".join(f"{k}={v:g}" for k, v in sorted(last.items())
                                               if "_bucket" not in k))
            raise
        return last


def metric(port, name):
    """One value from /metrics on `port` (0 when absent)."""
    return parse_metrics(http_get(port, "/metrics")[1]).get(name, 0)


def short_connections(port, n):
    """n TCP connections closed at once: connection_accept + connection_close each."""
    for _ in range(n):
        with socket.create_connection(("127.0.0.1", port), timeout=10):
            pass


def check_no_sanitizer_reports(ctx):
    for p in ctx.procs:
        for marker in ("WARNING: ThreadSanitizer", "ERROR: AddressSanitizer", "runtime error:"):
            h.check(marker not in p.output(), f"{p.name}: sanitizer report; see {p.stderr_path}")


class BlackHole:
    """Accepts TCP connections and never reads nor answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.conns, self.stop = [], False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                self.conns.append(self.sock.accept()[0])
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self.stop = True
        self.thread.join(5)
        for c in self.conns:
            c.close()
        self.sock.close()


class Receiver:
    """A real HTTP/1.1 webhook receiver recording every POST.

    `events`: (path, event, arrival time) at arrival; `answered`: (path, event,
    answer time) once the 204 is written. `delay(event)` (seconds) makes
    chosen hooks slow, as a real slow endpoint would be.
    """

    def __init__(self, delay=None):
        self.events = []
        self.answered = []
        self.lock = threading.Lock()
        self.delay = delay or (lambda event: 0)
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                event = json.loads(body)
                with receiver.lock:
                    receiver.events.append((self.path, event, time.monotonic()))
                wait = receiver.delay(event)
                if wait:
                    time.sleep(wait)  # the slow endpoint itself, not a test wait
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.wfile.flush()
                with receiver.lock:
                    receiver.answered.append((self.path, event, time.monotonic()))

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def answered_snapshot(self):
        with self.lock:
            return list(self.answered)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
