"""Helpers of the relay process tests: relay events read from an ingest's
stdio JSON events, their pairing and order checks, and fake targets (one that
accepts TCP and never answers, a proxy that reads 1 KB/s)."""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402

RELAY_TYPES = ("relay_start", "relay_stop", "relay_error")


def relay_events(ingest, types=RELAY_TYPES):
    return [e for e in ingest.events() if e["type"] in types]


def wait_relay_events(ingest, type_, count, timeout, what=None):
    def enough():
        if not ingest.proc.running():
            h.fail(f"rtmp-ingest exited ({ingest.proc.poll()}); see {ingest.proc.stdout_path}")
        return len(relay_events(ingest, (type_,))) >= count
    h.wait_for(enough, timeout, what or f"{count} {type_} event(s)", 0.05)
    return relay_events(ingest, (type_,))


def check_relay_pairing(ingest, key):
    """Every relay_start of `key` has exactly one relay_stop after it (before the next
    start), and every relay event falls between the publish's publish_start and
    publish_stop. Returns the relay events in seq order."""
    evs = sorted(ingest.events(), key=lambda e: e["seq"])
    pub_start = [e["seq"] for e in evs if e["type"] == "publish_start" and e["stream_key"] == key]
    pub_stop = [e["seq"] for e in evs if e["type"] == "publish_stop" and e["stream_key"] == key]
    h.check(len(pub_start) == 1 and len(pub_stop) == 1,
            f"one publish_start/publish_stop of {key}: {pub_start} {pub_stop}")
    relays = [e for e in evs if e["type"] in RELAY_TYPES and e["stream_key"] == key]
    open_target = {}
    for e in relays:
        h.check(pub_start[0] < e["seq"] < pub_stop[0],
                f"{e['type']} seq {e['seq']} outside its publish ({pub_start[0]}..{pub_stop[0]})")
        t = e["data"]["target"]
        if e["type"] == "relay_start":
            h.check(not open_target.get(t), f"relay_start seq {e['seq']} while one is open")
            open_target[t] = True
        elif e["type"] == "relay_stop":
            h.check(open_target.get(t), f"relay_stop seq {e['seq']} without a relay_start")
            open_target[t] = False
    h.check(not any(open_target.values()), f"a relay_start without relay_stop: {open_target}")
    return relays


def check_redacted(ingest, secrets):
    text = ingest.log_text() + h.read_text(ingest.proc.stderr_path)
    for s in secrets:
        h.check(s not in text, f"{s!r} appears in the relay's logs or events")


def accept_pair(sock, backend_port):
    """The next client of a proxy's listening socket and a connection to its
    backend: (client, backend), (client, None) when the backend refused (the
    client is closed), or None once the listening socket is closed."""
    try:
        c, _ = sock.accept()
    except OSError:
        return None
    try:
        b = socket.create_connection(("127.0.0.1", backend_port), timeout=5)
    except OSError:
        c.close()
        return c, None
    b.settimeout(None)  # the timeout was for the connect only
    return c, b


class StuckTarget:
    """Accepts TCP connections and never reads or answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stopped = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def close(self):
        self.stopped = True
        self.sock.close()
        for c in self.conns:
            c.close()


class SlowProxy:
    """Forwards to a real RTMP server; reads what the relay sends at `rate` bytes/s
    (what the server sends back goes through at once)."""

    def __init__(self, backend_port, rate=1024):
        self.backend_port = backend_port
        self.rate = rate
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.stopped = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while not self.stopped:
            pair = accept_pair(self.sock, self.backend_port)
            if pair is None:
                return
            self.accepted += 1
            c, b = pair
            if b is None:
                continue
            threading.Thread(target=self._slow, args=(c, b), daemon=True).start()
            threading.Thread(target=self._fast, args=(b, c), daemon=True).start()

    def _slow(self, src, dst):
        step = 128
        try:
            while not self.stopped:
                data = src.recv(step)
                if not data:
                    break
                dst.sendall(data)
                time.sleep(len(data) / self.rate)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.close()
            except OSError:
                pass

    def _fast(self, src, dst):
        try:
            while not self.stopped:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.close()
            except OSError:
                pass

    def close(self):
        self.stopped = True
        self.sock.close()


class StallProxy:
    """Forwards to a real RTMP server until stall(); from then on it reads nothing
    more of what the relay sends (connections stay open, what the server sends
    back still goes through). Its receive buffer is small, as a target's own would
    be once full, so what the relay writes after the stall waits in A's socket.
    `forwarded` counts the bytes passed on to the server."""

    def __init__(self, backend_port):
        self.backend_port = backend_port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # inherited
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.forwarded = 0
        self.stalled = threading.Event()
        self.stopped = threading.Event()
        self.conns = []
        threading.Thread(target=self._run, daemon=True).start()

    def stall(self):
        self.stalled.set()

    def _run(self):
        while not self.stopped.is_set():
            pair = accept_pair(self.sock, self.backend_port)
            if pair is None:
                return
            c, b = pair
            if b is None:
                continue
            self.conns += [c, b]
            threading.Thread(target=self._upstream, args=(c, b), daemon=True).start()
            threading.Thread(target=self._downstream, args=(b, c), daemon=True).start()

    def _upstream(self, src, dst):
        try:
            while not self.stalled.is_set():
                data = src.recv(4096)
                if not data:
                    return
                dst.sendall(data)
                self.forwarded += len(data)
        except OSError:
            return
        self.stopped.wait()  # stalled: hold the connection open, read nothing

    def _downstream(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    return
                dst.sendall(data)
        except OSError:
            pass

    def close(self):
        self.stopped.set()
        self.sock.close()
        for s in self.conns:
            try:
                s.close()
            except OSError:
                pass
