"""A raw RTMP client for hostile tests: hand-built bytes, nothing from ffmpeg.

Plain handshake (C0=3, C1 of 1536 bytes, C2 = S1), chunk headers by hand, AMF0
encode/decode of the few types commands use, and a chunk reader for the server's
replies. Also RSS and socket helpers shared by the hostile tests.
"""

import os
import re
import socket
import struct
import time

import harness as h

# Set by CMake for ASan/UBSan/TSan builds: time and memory bounds are scaled by
# SANITIZER_FACTOR there (the behaviour checks are not).
SANITIZED = os.environ.get("RTMP_TEST_SANITIZED") == "1"
SANITIZER_FACTOR = 4


def bound(value):
    """A time or memory bound, scaled for sanitizer builds."""
    return value * SANITIZER_FACTOR if SANITIZED else value


def check_sanitizer_clean(ctx):
    """No sanitizer report in any process of the test (some are SIGKILLed on purpose,
    so an exit status alone would not show one)."""
    for p in ctx.procs:
        text = p.output()
        for marker in ("WARNING: ThreadSanitizer", "ERROR: AddressSanitizer",
                       "runtime error:", "ERROR: LeakSanitizer"):
            h.check(marker not in text, f"{p.name}: sanitizer report ({marker}); see "
                    f"{p.stderr_path}")


if SANITIZED:
    h.log(f"sanitizer build: time and memory bounds x{SANITIZER_FACTOR}")

# --------------------------------------------------------------------------- AMF0


def amf_num(v):
    return b"\x00" + struct.pack(">d", float(v))


def amf_bool(v):
    return b"\x01" + (b"\x01" if v else b"\x00")


def amf_str(s):
    b = s.encode() if isinstance(s, str) else s
    if len(b) > 0xFFFF:
        return b"\x0c" + struct.pack(">I", len(b)) + b
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf_null():
    return b"\x05"


def amf_key(k):
    b = k.encode()
    return struct.pack(">H", len(b)) + b


def amf_obj(d):
    out = b"\x03"
    for k, v in d.items():
        out += amf_key(k) + amf_any(v)
    return out + b"\x00\x00\x09"


def amf_any(v):
    if v is None:
        return amf_null()
    if isinstance(v, bool):
        return amf_bool(v)
    if isinstance(v, (int, float)):
        return amf_num(v)
    if isinstance(v, (str, bytes)):
        return amf_str(v)
    if isinstance(v, dict):
        return amf_obj(v)
    raise TypeError(v)


def command(name, txn, *args):
    return amf_str(name) + amf_num(txn) + b"".join(amf_any(a) for a in args)


class AmfReader:
    def __init__(self, data):
        self.d, self.p = data, 0

    def value(self):
        t = self.d[self.p]
        self.p += 1
        if t == 0x00:
            v = struct.unpack(">d", self.d[self.p:self.p + 8])[0]
            self.p += 8
            return v
        if t == 0x01:
            self.p += 1
            return self.d[self.p - 1] != 0
        if t == 0x02:
            return self._str(2)
        if t == 0x0C:
            return self._str(4)
        if t in (0x05, 0x06):
            return None
        if t == 0x03:
            return self._props()
        if t == 0x08:
            self.p += 4
            return self._props()
        raise ValueError(f"AMF0 type {t:#x} not decoded by the test client")

    def _str(self, n):
        ln = int.from_bytes(self.d[self.p:self.p + n], "big")
        self.p += n
        s = self.d[self.p:self.p + ln].decode(errors="replace")
        self.p += ln
        return s

    def _props(self):
        out = {}
        while True:
            k = self._str(2)
            if not k and self.d[self.p] == 0x09:
                self.p += 1
                return out
            out[k] = self.value()

    def all(self):
        vals = []
        while self.p < len(self.d):
            vals.append(self.value())
        return vals


# --------------------------------------------------------------------------- chunks


def basic_header(fmt, csid):
    if csid < 64:
        return bytes([(fmt << 6) | csid])
    if csid < 320:
        return bytes([fmt << 6, csid - 64])
    return bytes([(fmt << 6) | 1]) + struct.pack("<H", csid - 64)


def chunk_message(csid, type_id, payload, stream_id=0, ts=0, chunk_size=128):
    """One message as a fmt 0 chunk plus fmt 3 continuations."""
    ext = ts >= 0xFFFFFF
    hdr = basic_header(0, csid) + (0xFFFFFF if ext else ts).to_bytes(3, "big") + \
        len(payload).to_bytes(3, "big") + bytes([type_id]) + struct.pack("<I", stream_id)
    ext_bytes = struct.pack(">I", ts) if ext else b""
    out = hdr + ext_bytes + payload[:chunk_size]
    pos = chunk_size
    while pos < len(payload):
        out += basic_header(3, csid) + ext_bytes + payload[pos:pos + chunk_size]
        pos += chunk_size
    return out


def command_msg(name, txn, *args, stream_id=0, csid=3):
    return chunk_message(csid, 20, command(name, txn, *args), stream_id)


CONNECT_OBJ = {"app": "live", "type": "nonprivate", "flashVer": "FMLE/3.0",
               "tcUrl": "rtmp://127.0.0.1/live"}


class ChunkParser:
    """Reassembles the server's messages: (type, stream id, payload, timestamp ms)."""

    def __init__(self):
        self.buf = b""
        self.chunk_size = 128
        self.streams = {}  # csid -> [ts, len, type, sid, partial, ext]

    def feed(self, data):
        self.buf += data
        msgs = []
        while True:
            m = self._one()
            if m is None:
                return msgs
            if m is not True:
                msgs.append(m)

    def _one(self):
        b = self.buf
        if not b:
            return None
        fmt, csid, p = b[0] >> 6, b[0] & 0x3F, 1
        if csid == 0:
            if len(b) < 2:
                return None
            csid, p = 64 + b[1], 2
        elif csid == 1:
            if len(b) < 3:
                return None
            csid, p = 64 + b[1] + 256 * b[2], 3
        need = p + (11, 7, 3, 0)[fmt]
        if len(b) < need:
            return None
        # per csid: [timestamp, length, type, stream id, partial payload, extended, delta]
        st = self.streams.setdefault(csid, [0, 0, 0, 0, b"", False, 0])
        field = None
        if fmt <= 2:
            field = int.from_bytes(b[p:p + 3], "big")
            st[5] = field == 0xFFFFFF
            if fmt <= 1:
                st[1] = int.from_bytes(b[p + 3:p + 6], "big")
                st[2] = b[p + 6]
            if fmt == 0:
                st[3] = struct.unpack("<I", b[p + 7:p + 11])[0]
        p = need
        if st[5]:
            if len(b) < p + 4:
                return None
            if fmt <= 2:
                field = struct.unpack(">I", b[p:p + 4])[0]
            p += 4
        n = min(self.chunk_size, st[1] - len(st[4]))
        if len(b) < p + n:
            return None
        if fmt == 0:
            st[0], st[6] = field, 0
        elif fmt <= 2:
            st[6] = field
            st[0] += field
        elif not st[4]:
            st[0] += st[6]  # fmt 3 starting a new message: the last delta again
        st[4] += b[p:p + n]
        self.buf = b[p + n:]
        if len(st[4]) < st[1]:
            return True
        msg = (st[2], st[3], st[4], st[0])
        st[4] = b""
        if msg[0] == 1:
            self.chunk_size = struct.unpack(">I", msg[2][:4])[0] & 0x7FFFFFFF
        return msg


# --------------------------------------------------------------------------- client


class RawClient:
    """One TCP connection to the ingest, driven byte by byte."""

    def __init__(self, port, timeout=30, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.local = self.sock.getsockname()
        self.addr = f"{self.local[0]}:{self.local[1]}"
        self.parser = ChunkParser()
        self.msgs = []

    def send(self, data):
        """sendall; False if the server already closed (reset / broken pipe)."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def recv_exact(self, n, timeout=30):
        self.sock.settimeout(timeout)
        out = b""
        while len(out) < n:
            d = self.sock.recv(n - len(out))
            if not d:
                h.fail(f"{self.addr}: EOF after {len(out)} of {n} bytes")
            out += d
        return out

    def handshake(self):
        c1 = struct.pack(">II", 0, 0) + os.urandom(1528)
        self.send(b"\x03" + c1)
        s = self.recv_exact(1 + 1536 + 1536)
        h.check(s[0] == 3, f"S0 version {s[0]}")
        self.send(s[1:1537])

    def connect(self):
        self.send(command_msg("connect", 1, CONNECT_OBJ))
        return self.wait_command(lambda c: c[0] in ("_result", "_error") and c[1] == 1,
                                 "connect _result")

    def create_stream(self, txn=2):
        self.send(command_msg("createStream", txn, None))
        c = self.wait_command(lambda c: c[0] == "_result" and c[1] == txn, "createStream _result")
        return int(c[3])

    def commands(self):
        out = []
        for t, sid, payload, ts in self.msgs:
            if t == 20:
                try:
                    out.append(AmfReader(payload).all())
                except (ValueError, IndexError, struct.error):
                    pass
        return out

    def pump(self, timeout):
        """Read what arrives within timeout; returns False at EOF."""
        self.sock.settimeout(timeout)
        try:
            d = self.sock.recv(65536)
        except socket.timeout:
            return True
        except ConnectionResetError:
            return False
        if not d:
            return False
        self.msgs += self.parser.feed(d)
        return True

    def wait_command(self, pred, what, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for c in self.commands():
                if pred(c):
                    return c
            left = deadline - time.monotonic()
            if left <= 0:
                h.fail(f"{self.addr}: no {what} within {timeout}s; got {self.commands()}")
            if not self.pump(min(left, 0.5)):
                for c in self.commands():
                    if pred(c):
                        return c
                h.fail(f"{self.addr}: EOF before {what}; got {self.commands()}")

    def wait_eof(self, timeout):
        """True if the server closes the connection within timeout (reading all it sends)."""
        deadline = time.monotonic() + timeout
        self.sock.settimeout(0.5)
        while time.monotonic() < deadline:
            try:
                d = self.sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                return True
            if not d:
                return True
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def raw_publisher(port, name, timeout=30):
    """A RawClient that has connected to app `live`, created a stream and sent
    publish(name) (no media): the server answers and emits publish_start."""
    c = RawClient(port, timeout=timeout)
    c.handshake()
    c.connect()
    sid = c.create_stream()
    c.send(command_msg("publish", 5, None, name, "live", stream_id=sid, csid=8))
    return c


def raw_player(port, key, rcvbuf=None, timeout=30, what="NetStream.Play.Start"):
    """A RawClient that has connected to app `live`, created a stream, sent
    play(key) and seen NetStream.Play.Start (`what` names it in a failure)."""
    c = RawClient(port, timeout=timeout, rcvbuf=rcvbuf)
    c.handshake()
    c.connect()
    sid = c.create_stream(2)
    c.send(command_msg("play", 3, None, key, stream_id=sid, csid=8))
    c.wait_command(lambda m: m[0] == "onStatus" and isinstance(m[-1], dict)
                   and m[-1].get("code") == "NetStream.Play.Start", what, timeout=timeout)
    return c


# --------------------------------------------------------------------------- ingest logs


def log_lines(ingest):
    """The ingest's JSON log lines (stdout), parsed; non-JSON lines skipped."""
    import json
    out = []
    for line in ingest.proc.stdout().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def closing_lines(ingest, addr):
    return [l for l in log_lines(ingest)
            if l.get("remote_addr") == addr and str(l.get("msg", "")).startswith("closing:")]


def wait_closing_line(ingest, addr, timeout=20):
    """Wait for the one "closing:" line of the connection from addr; return its msg."""
    lines = h.wait_for(lambda: closing_lines(ingest, addr), timeout,
                       f"a closing: log line for {addr}")
    return lines[0]


def rss_kb(pid):
    """VmRSS of a process in kB (0 if gone)."""
    m = re.search(r"^VmRSS:\s+(\d+) kB", h.read_text(f"/proc/{pid}/status"), re.M)
    return int(m.group(1)) if m else 0


class RssSampler:
    """Samples a process's RSS on each call to sample(); remembers the peak."""

    def __init__(self, pid):
        self.pid = pid
        self.samples = []

    def sample(self):
        v = rss_kb(self.pid)
        if v:
            self.samples.append((time.monotonic(), v))
        return v

    def peak_mb(self):
        return max((v for _, v in self.samples), default=0) / 1024.0


# --------------------------------------------------------------------------- webhook targets


class BlackHole:
    """A TCP listener that accepts connections and never answers (nor reads)."""

    def __init__(self, port=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(4096)
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        self.stop_flag = False
        import threading
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.sock.settimeout(0.2)
        while not self.stop_flag:
            try:
                c, _ = self.sock.accept()
                self.accepted.append(c)
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self.stop_flag = True
        self.thread.join(5)
        for c in self.accepted:
            c.close()
        self.sock.close()


class Receiver:
    """An HTTP server answering 204 to every POST; records the webhook-id headers."""

    def __init__(self, port=0):
        import http.server
        import threading
        ids = self.ids = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(n)
                import json
                try:
                    ids.append(json.loads(body).get("seq"))
                except ValueError:
                    ids.append(None)
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Producer:
    """Short TCP connections (connect, close) to the ingest at `rate` per second, in a
    thread, until stop() or `limit` connections; each gives connection_accept +
    connection_close."""

    def __init__(self, port, rate, limit=None):
        import threading
        self.port, self.rate, self.limit = port, rate, limit
        self.count, self.stop_flag, self.error = 0, False, None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        t0 = time.monotonic()
        try:
            while not self.stop_flag and (self.limit is None or self.count < self.limit):
                with socket.create_connection(("127.0.0.1", self.port), timeout=10):
                    pass
                self.count += 1
                delay = t0 + self.count / self.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        except OSError as e:
            self.error = e

    def stop(self, timeout=60):
        self.stop_flag = True
        self.thread.join(timeout)
        h.check(self.error is None, f"connection producer failed: {self.error}")
        return self.count

    def wait(self, timeout):
        self.thread.join(timeout)
        h.check(not self.thread.is_alive(), f"producer still running after {timeout}s")
        h.check(self.error is None, f"connection producer failed: {self.error}")
        return self.count


def metric(port, name, labels=""):
    """A value from an HTTP /metrics endpoint (None if absent)."""
    import urllib.request
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    m = re.search(r"^" + re.escape(name) + (r"\{[^}]*" + re.escape(labels) + r"[^}]*\}" if labels
                                            else r"(?:\{[^}]*\})?") + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else None
