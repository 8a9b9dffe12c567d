"""Helpers for the HTTP API process tests: requests with http.client, a live
event (SSE) reader on a raw socket, ffmpeg's own figures of what it sent."""

import http.client
import json
import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402


def request(port, method, path, token=None, headers=None, timeout=10):
    """(status, parsed JSON body or text, headers) of one request."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    hdrs = dict(headers or {})
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    conn.request(method, path, headers=hdrs)
    res = conn.getresponse()
    body = res.read().decode("utf-8", "replace")
    conn.close()
    ctype = res.getheader("Content-Type", "")
    if ctype.startswith("application/json"):
        try:
            return res.status, json.loads(body), res
        except json.JSONDecodeError:
            h.fail(f"{method} {path}: body is not JSON: {body[:300]!r}")
    return res.status, body, res


def api_port_from_log(ingest, timeout=20):
    line = ingest.proc.wait_line(r"rtmp-ingest API on \S+ \(port \d+\)", timeout)
    return int(re.search(r"\(port (\d+)\)", line.group(0)).group(1))


def progress_samples(path):
    """[(out_time_us, total_size)] from an ffmpeg -progress file."""
    text = h.read_text(path)
    out = []
    for block in text.split("progress=")[:-1]:
        t = re.findall(r"^out_time_us=(\d+)", block, re.M)
        s = re.findall(r"^total_size=(\d+)", block, re.M)
        if t and s:
            out.append((int(t[-1]), int(s[-1])))
    return out


def ffmpeg_kbps(path, window_s=5.0):
    """What ffmpeg wrote over the last `window_s` of media time, in kbit/s."""
    samples = progress_samples(path)
    h.check(len(samples) >= 2, f"{path}: not enough -progress samples")
    t1, s1 = samples[-1]
    base = samples[0]
    for t, s in samples:
        if t1 - t >= window_s * 1e6:
            base = (t, s)
    t0, s0 = base
    h.check(t1 > t0, f"{path}: no time between -progress samples")
    return (s1 - s0) * 8 / 1000 / ((t1 - t0) / 1e6)


class SseReader:
    """A live-event client on a raw socket: sends the GET, then collects
    (id, data) pairs on a thread until closed."""

    def __init__(self, port, path="/api/v1/events", token=None, last_event_id=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Accept: text/event-stream"]
        if token:
            lines.append(f"Authorization: Bearer {token}")
        if last_event_id:
            lines.append(f"Last-Event-ID: {last_event_id}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.events = []  # (id, data text)
        self.status = None
        self.closed = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        buf = b""
        self.sock.settimeout(None)
        try:
            while b"\r\n\r\n" not in buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    self.closed = True
                    return
                buf += chunk
            head, buf = buf.split(b"\r\n\r\n", 1)
            self.status = int(head.split(b" ", 2)[1])
            while True:
                while b"\n\n" in buf:
                    frame, buf = buf.split(b"\n\n", 1)
                    ev_id, data = None, None
                    for line in frame.decode("utf-8").split("\n"):
                        if line.startswith("id: "):
                            ev_id = line[4:]
                        elif line.startswith("data: "):
                            data = line[6:]
                    if data is not None:
                        with self.lock:
                            self.events.append((ev_id, data))
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
        except OSError:
            pass
        self.closed = True

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(10)


def stdio_lines(ingest):
    """The stdio hook's JSON lines (the exact text), in order."""
    return [l for l in h.read_text(ingest.proc.stderr_path).splitlines() if l.startswith("{")]
