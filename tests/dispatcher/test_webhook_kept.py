"""Webhooks over connections kept from earlier requests (http1 + KeptConnections):
a raw HTTP receiver answers in every framing a server may use -- chunked with an
extension and a trailer, 100 Continue before the answer, a body in pieces,
HTTP/1.0 with and without keep-alive, Connection: close, a chunked 500 that is
retried. Every event is delivered once per hook with its status honoured, and
connections are reused. Two more receivers: one resets a kept connection when
the next request arrives (the request goes again over a fresh connection, not
counted as an attempt), one never answers a second request on a connection
(the hook fails at -hook-timeout with a timeout)."""
import socket
import threading
import time

import proc_util as pu

ROUTES = {  # event type -> path (and so how the receiver answers)
    "publish_start": "/chunked", "publish_stop": "/continue", "play_start": "/split",
    "play_stop": "/http10ka", "stream_create": "/http10", "stream_delete": "/close",
    "codec_detected": "/fail500",
}
ROUNDS = 8


class RawReceiver:
    """A threaded HTTP/1.1 server on raw sockets; `answer(conn_state, path, n)`
    writes the response and returns False to close the connection."""

    def __init__(self, answer):
        self.answer = answer
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.lock = threading.Lock()
        self.requests = []  # (path, webhook-id, body, connection number)
        self.conns = 0
        self.stopped = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conns += 1
                n = self.conns
            threading.Thread(target=self.serve, args=(c, n), daemon=True).start()

    def read_request(self, c, buf):
        while b"\r\n\r\n" not in buf:
            chunk = c.recv(65536)
            if not chunk:
                return None, b""
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        headers = {k.strip().lower(): v.strip()
                   for k, _, v in (l.partition(":") for l in lines[1:])}
        length = int(headers.get("content-length", 0))
        while len(rest) < length:
            chunk = c.recv(65536)
            if not chunk:
                return None, b""
            rest += chunk
        return (lines[0].split(" ")[1], headers, rest[:length]), rest[length:]

    def serve(self, c, conn_no):
        state = {"served": 0, "conn": conn_no}
        buf = b""
        with c:
            while True:
                if state["served"] and not self.answer(state, None, c):
                    return  # the behaviour ended the connection before reading
                req, buf = self.read_request(c, buf)
                if req is None:
                    return
                path, headers, body = req
                with self.lock:
                    self.requests.append((path, headers.get("webhook-id"), body, conn_no))
                state["served"] += 1
                if not self.answer(state, req, c):
                    return

    def close(self):
        self.stopped = True
        self.sock.close()


def framing_answer(state, req, c):
    if req is None:
        return True
    path = req[0]
    if path == "/chunked":
        c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"4;ext=1\r\nokay\r\n0\r\nX-Trailer: t\r\n\r\n")
    elif path == "/continue":
        c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        time.sleep(0.01)
        c.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
    elif path == "/split":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Le")
        time.sleep(0.01)
        c.sendall(b"ngth: 10\r\n\r\n01234")
        time.sleep(0.01)
        c.sendall(b"56789")
    elif path == "/http10ka":
        c.sendall(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok")
    elif path == "/http10":
        c.sendall(b"HTTP/1.0 200 OK\r\n\r\nbody until the close")
        return False
    elif path == "/close":
        c.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
        return False
    elif path == "/fail500":
        wid = req[1].get("webhook-id")
        first = sum(1 for r in RX.requests if r[1] == wid) == 1
        status = b"500 Oops" if first else b"200 OK"
        c.sendall(b"HTTP/1.1 " + status + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"3\r\nerr\r\n0\r\n\r\n")
    return True


def reset_second(state, req, c):
    """Serves one request per connection; resets it when the next one arrives."""
    if req is None:  # before reading the next request
        try:
            c.recv(1, socket.MSG_PEEK)
        except OSError:
            return False
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        with RESETS_LOCK:
            RESETS[0] += 1
        return False  # close with unread data (and linger 0): the client sees a reset
    c.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
    return True


def hang_second(state, req, c):
    """Serves the first request of a connection, never answers the next."""
    if req is None:
        return True
    if state["served"] == 1:
        c.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
        return True
    time.sleep(5)
    return False


RX = None
RESETS = [0]  # kept connections reset by reset_second
RESETS_LOCK = threading.Lock()


def main(ctx):
    global RX
    RX = RawReceiver(framing_answer)
    stale = RawReceiver(reset_second)
    hang = RawReceiver(hang_second)
    for rx in (RX, stale, hang):
        ctx.cleanups.append(rx.close)
    types = list(ROUTES)
    count = ROUNDS * len(types)
    hooks = []
    for t, path in ROUTES.items():
        hooks += ["-hook-webhook", f"{t}={RX.url}{path}"]
    pusher = pu.Pusher(ctx, "pusher", ["-count", str(count), "-types", ",".join(types),
                                       "-rate", "100", "-wait-peers", "1"])
    d = pu.dispatcher(ctx, "dispatcher", [
        "-events-connect", pusher.endpoint, *hooks,
        "-hook-webhook", f"publish_start={stale.url}/stale",
        "-hook-stdio-format", "json", "-hook-concurrency", "2", "-webhook-threads", "1",
        "-log-level", "debug",
    ])
    pusher.wait_sent()
    d.wait_log(r"webhook .* (ok|failed) in", 60, count=count + ROUNDS)
    stdio = pu.stdio_events(d)
    pu.check(len(stdio) == count, f"stdio lines: {len(stdio)}")

    # Every event once on its path (the 500s twice), body = payload, statuses honoured.
    for path in ROUTES.values():
        got = [r for r in RX.requests if r[0] == path]
        ids = [r[1] for r in got]
        want = 2 if path == "/fail500" else 1
        pu.check(len(set(ids)) == ROUNDS and all(ids.count(i) == want for i in set(ids)),
                 f"{path}: {len(got)} requests for {len(set(ids))} events")
        for _, wid, body, _ in got:
            pu.check(body == stdio[wid][0].encode(), f"{path}: body of {wid}")
    pu.check(d.count_log(r"failed in") == 0, "no failed hook")
    pu.check(d.count_log(r"attempt 1 failed: HTTP 500 err") == ROUNDS, "each 500 retried once")
    pu.check(d.count_log(r"attempt \d failed") == ROUNDS, "no other failed attempt")
    total = len(RX.requests)
    pu.log(f"framings: {total} requests over {RX.conns} connections")
    # /http10 and /close end their connections (16); the others are reused.
    pu.check(total - RX.conns >= total // 3, f"connections not reused: {RX.conns} for {total}")

    # Reset kept connections: each event delivered once, never a failed attempt.
    got = [r[1] for r in stale.requests]
    pu.log(f"stale: {len(got)} requests over {stale.conns} connections")
    pu.check(sorted(got) == sorted(set(got)) and len(got) == ROUNDS, f"stale: {got}")
    pu.log(f"stale: {RESETS[0]} kept connections reset under a request")
    pu.check(RESETS[0] >= ROUNDS // 2, "requests went over kept connections")
    pu.check(ROUNDS <= stale.conns <= ROUNDS + 2, f"stale: {stale.conns} connections")
    pu.check(d.stop() == 0, "exit status")

    # A kept connection that never answers: the hook fails at its timeout.
    pusher2 = pu.Pusher(ctx, "pusher2", ["-count", "2", "-types", "play_start",
                                         "-rate", "5", "-wait-peers", "1"])
    d2 = pu.dispatcher(ctx, "dispatcher2", [
        "-events-connect", pusher2.endpoint, "-hook-webhook", f"play_start={hang.url}/h",
        "-hook-timeout", "1s", "-hook-concurrency", "1", "-webhook-threads", "1",
        "-log-level", "debug",
    ])
    d2.wait_log(r"webhook play_start id=evt-pusher2?-1 .*ok in", 30)
    failed = d2.wait_log(r"webhook play_start id=evt-pusher2?-2 .*failed in (\d+)ms .*Timeout", 30)
    took = int(failed[0].group(1))
    pu.log(f"no answer on a kept connection: failed after {took}ms")
    pu.check(900 <= took <= 3000, f"failed after {took}ms, want ~1000")
    pu.check(d2.stop() == 0, "exit status 2")


pu.run(main)
