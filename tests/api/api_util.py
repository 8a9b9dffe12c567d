"""Helpers for the HTTP API process tests: requests with http.client, a live
event (SSE) reader on a raw socket, ffmpeg's own figures of what it sent."""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile

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
    """A live-event client: sse_dump.py in its own process reads the response
    into a file; snapshot() parses what has arrived into (id, data) pairs."""

    def __init__(self, port, path="/api/v1/events", token=None, last_event_id=None,
                 pause_file=None):
        fd, self.file = tempfile.mkstemp(prefix="sse-", suffix=".raw")
        os.close(fd)
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sse_dump.py")
        self.proc = subprocess.Popen([sys.executable, script, str(port), path, self.file,
                                      last_event_id or "", token or "", pause_file or ""])
        self.events = []  # (id, data text)
        self._status = None
        self._raw = b""
        self._body_at = None
        self._done = False

    @property
    def status(self):
        """The response's HTTP status, once its head has arrived."""
        self._parse()
        return self._status

    @property
    def closed(self):
        """The server ended the response (or the reader was closed)."""
        return self.proc.poll() is not None

    def _parse(self):
        if self._done:
            return
        with open(self.file, "rb") as f:
            f.seek(len(self._raw))
            self._raw += f.read()
        if self._body_at is None:
            end = self._raw.find(b"\r\n\r\n")
            if end < 0:
                return
            self._status = int(self._raw.split(b" ", 2)[1])
            self._body_at = end + 4
        while True:
            end = self._raw.find(b"\n\n", self._body_at)
            if end < 0:
                return
            ev_id, data = None, None
            for line in self._raw[self._body_at:end].decode("utf-8").split("\n"):
                if line.startswith("id: "):
                    ev_id = line[4:]
                elif line.startswith("data: "):
                    data = line[6:]
            if data is not None:
                self.events.append((ev_id, data))
            self._body_at = end + 2

    def snapshot(self):
        self._parse()
        return list(self.events)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._parse()
        self._done = True
        try:
            os.unlink(self.file)
        except OSError:
            pass


def stdio_lines(ingest):
    """The stdio hook's JSON lines (the exact text), in order."""
    return [l for l in h.read_text(ingest.proc.stderr_path).splitlines() if l.startswith("{")]


def open_events(port):
    """A raw live-event request; returns (socket, the response head as text)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            break
        head += chunk
    return s, head.decode(errors="replace")
