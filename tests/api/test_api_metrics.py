#!/usr/bin/env python3
"""The HTTP API's metrics on -metrics-addr, with real clients and no media.

rtmp-ingest runs with -api-token and a small -api-sse-buffer (64 KiB). Requests
with http.client to every route (right and wrong token, unknown stream, bad
method, unknown path, the dashboard) must show in
rtmp_ingest_api_requests_total{route,status} exactly as many times as made,
under the route's pattern, never the path. One live-event reader that reads
and one that sends its GET and never reads (4 KiB receive buffer): while both
are connected rtmp_ingest_api_sse_clients is 2; bare RTMP connections then make
events, 25 connections at a time, each batch once the reader has read the
last one's events, until the non-reader is dropped (WARN line), after which the gauge is
1, rtmp_ingest_api_sse_clients_dropped_total 1, and the
rtmp_ingest_api_sse_dropped_events histogram has one observation of at least
one event. A GET of the events with an unknown ?type= is a 400, a token sent
as "bearer" (any case, any number of spaces before the token) is accepted,
and once the reader leaves the gauge is 0 within seconds. Bytes that are not an HTTP/1.x request get 400, a body over
the limit 413 (both counted under route "other"), and a target in absolute
form (http://host/path) is routed by its path. Live-event clients that read
and then hang up while events flow are not counted as dropped."""

import os
import re
import socket
import threading
import urllib.request

import api_util as u
from api_util import h

TOKEN = "t0ken"
MAX_CONNECTS = int(os.environ.get("API_METRICS_MAX_CONNECTS", "5000"))
BATCH = 25
HANG_UP_ROUNDS = 15


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def raw_exchange(port, data):
    """Sends bytes, reads until the server closes: the response's status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the body was all sent: the answer is still there
        got = b""
        try:
            while chunk := s.recv(65536):
                got += chunk
        except ConnectionResetError:
            pass
    return got.split(b"\r\n", 1)[0].decode(errors="replace")


def requests_total(m, route, status):
    return m.get(f'rtmp_ingest_api_requests_total{{route="{route}",status="{status}"}}', 0)


def main(ctx):
    metrics_port = h.free_port()
    ingest = h.Ingest(ctx, args=["-api-addr", "127.0.0.1:0", "-api-token", TOKEN,
                                 "-api-sse-buffer", "65536",
                                 "-metrics-addr", f"127.0.0.1:{metrics_port}"])
    port = u.api_port_from_log(ingest)
    h.wait_port(metrics_port)

    made = [  # (method, path, token, expected status, route pattern)
        ("GET", "/api/v1/streams", TOKEN, 200, "/api/v1/streams"),
        ("GET", "/api/v1/streams", TOKEN, 200, "/api/v1/streams"),
        ("GET", "/api/v1/streams", None, 401, "/api/v1/streams"),
        ("GET", "/api/v1/streams/live/nope", TOKEN, 404, "/api/v1/streams/{app}/{name}"),
        ("GET", "/api/v1/streams/live%2Fnope", TOKEN, 404, "/api/v1/streams/{app}/{name}"),
        ("POST", "/api/v1/streams/live/nope/kick", TOKEN, 404, "/api/v1/streams/{app}/{name}/kick"),
        ("GET", "/api/v1/connections/c-1", TOKEN, 405, "/api/v1/connections/{conn_id}"),
        ("DELETE", "/api/v1/connections/c-1", TOKEN, 404, "/api/v1/connections/{conn_id}"),
        ("POST", "/api/v1/events", TOKEN, 405, "/api/v1/events"),
        ("GET", "/api/v1/events", "wrong", 401, "/api/v1/events"),
        ("GET", "/api/v1/events?type=publish_start,bogus", TOKEN, 400, "/api/v1/events"),
        ("GET", "/no/such/path", TOKEN, 404, "other"),
        ("GET", "/", None, 200, "/"),
    ]
    want = {}
    for method, path, token, status, route in made:
        st, _, _ = u.request(port, method, path, token=token)
        h.check(st == status, f"{method} {path}: {st}, expected {status}")
        want[(route, status)] = want.get((route, status), 0) + 1
    # The scheme name is case-insensitive.
    st, _, _ = u.request(port, "GET", "/api/v1/streams", headers={"Authorization": f"bearer {TOKEN}"})
    h.check(st == 200, f"GET /api/v1/streams with 'bearer': {st}, expected 200")
    st, _, _ = u.request(port, "GET", "/api/v1/streams",
                         headers={"Authorization": f"BEARER   {TOKEN}"})
    h.check(st == 200, f"GET /api/v1/streams with 'BEARER' and three spaces: {st}, expected 200")
    want[("/api/v1/streams", 200)] += 2
    # What the HTTP parser refuses gets an answer too, then the connection closes.
    for raw, status in ((b"HELLO\r\n\r\n", 400), (b"GET / HTTP/9.9\r\n\r\n", 400),
                        (b"POST /api/v1/streams/live/a/kick HTTP/1.1\r\nHost: x\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n10000\r\n" + b"x" * 65536 +
                         b"\r\n0\r\n\r\n", 413)):
        head = raw_exchange(port, raw)
        h.check(head.startswith(f"HTTP/1.1 {status} "), f"{raw[:40]!r}...: answered {head!r}")
        want[("other", status)] = want.get(("other", status), 0) + 1
    # A target in absolute form routes by its path.
    head = raw_exchange(port, f"GET http://127.0.0.1:{port}/api/v1/streams HTTP/1.1\r\nHost: x\r\n"
                              f"Authorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n".encode())
    h.check(head.startswith("HTTP/1.1 200 "), f"absolute-form GET answered {head!r}")
    want[("/api/v1/streams", 200)] += 1

    reader = u.SseReader(port, f"/api/v1/events?access_token={TOKEN}")
    stuck = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.connect(("127.0.0.1", port))
    stuck.sendall(f"GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}"
                  "\r\n\r\n".encode())
    want[("/api/v1/events", 200)] = 2
    h.wait_for(lambda: scrape(metrics_port).get("rtmp_ingest_api_sse_clients") == 2, 20,
               "rtmp_ingest_api_sse_clients 2")

    reader_base = len(reader.snapshot())
    addr = "%s:%d" % stuck.getsockname()
    dropped = re.compile(r"live-event client " + re.escape(addr) + " dropped")
    made_connects = 0
    while not dropped.search(ingest.log_text()):
        h.check(made_connects < MAX_CONNECTS,
                f"the non-reader was not dropped after {made_connects} connections")
        for _ in range(BATCH):
            socket.create_connection(("127.0.0.1", ingest.port), timeout=10).close()
        made_connects += BATCH
        # The reader gets each batch's events (connection_accept and
        # connection_close of each) before the next batch starts, so the
        # server never holds more than one batch (~12 KiB) for it: on a
        # loaded machine, where the API thread may wait for a core, a longer
        # burst could fill its -api-sse-buffer too.
        want_read = reader_base + 2 * made_connects
        h.wait_for(lambda: len(reader.snapshot()) >= want_read, 20,
                   f"the reading client to get {want_read} events")
    h.log(f"non-reader {addr} dropped after {made_connects} bare connections")

    h.wait_for(lambda: scrape(metrics_port).get("rtmp_ingest_api_sse_clients") == 1, 20,
               "rtmp_ingest_api_sse_clients back to 1")
    m = scrape(metrics_port)
    h.check(m.get("rtmp_ingest_api_sse_clients_dropped_total") == 1,
            f"rtmp_ingest_api_sse_clients_dropped_total {m.get('rtmp_ingest_api_sse_clients_dropped_total')}")
    h.check(m.get("rtmp_ingest_api_sse_dropped_events_count") == 1,
            f"rtmp_ingest_api_sse_dropped_events_count {m.get('rtmp_ingest_api_sse_dropped_events_count')}")
    h.check(m.get("rtmp_ingest_api_sse_dropped_events_sum", 0) >= 1,
            f"rtmp_ingest_api_sse_dropped_events_sum {m.get('rtmp_ingest_api_sse_dropped_events_sum')}")
    for (route, status), n in sorted(want.items()):
        got = requests_total(m, route, status)
        h.check(got == n, f"requests_total route={route} status={status}: {got}, expected {n}")
    served = {k for k in m if k.startswith("rtmp_ingest_api_requests_total")}
    h.check(len(served) == len(want), f"unexpected request series: {sorted(served)}")
    h.check(not any("nope" in k or "c-1" in k or "no/such" in k for k in served),
            "a path appears in a route label")
    h.log(f"{len(want)} request series as made; SSE gauge, drop counter and histogram right")
    stuck.close()
    # A client that goes away is no longer counted: at once, not at the next
    # keepalive (every 15 s) that fails to reach it.
    reader.close()
    h.wait_for(lambda: scrape(metrics_port).get("rtmp_ingest_api_sse_clients") == 0, 10,
               "rtmp_ingest_api_sse_clients 0 once the reader left")
    ingest.stop()
    hang_ups(ctx)


def hang_ups(ctx):
    """Clients that read and then close while events flow are not drops (the
    counter also counted a client the hub reached while it was closing). The
    default -api-sse-buffer (1 MiB) holds far more than they stay unread."""
    metrics_port = h.free_port()
    ingest = h.Ingest(ctx, name="ingest-hang-ups",
                      args=["-api-addr", "127.0.0.1:0", "-api-token", TOKEN,
                            "-metrics-addr", f"127.0.0.1:{metrics_port}"])
    port = u.api_port_from_log(ingest)
    h.wait_port(metrics_port)
    stop = threading.Event()

    def events():
        while not stop.is_set():
            socket.create_connection(("127.0.0.1", ingest.port), timeout=10).close()

    makers = [threading.Thread(target=events) for _ in range(2)]
    for t in makers:
        t.start()
    try:
        for _ in range(HANG_UP_ROUNDS):
            clients = []
            for _ in range(40):
                c = socket.create_connection(("127.0.0.1", port), timeout=10)
                c.sendall(f"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n"
                          f"Authorization: Bearer {TOKEN}\r\n\r\n".encode())
                clients.append(c)
            for c in clients:
                c.recv(65536)  # its header at least: it was served, and read
                c.close()
    finally:
        stop.set()
        for t in makers:
            t.join()
    h.wait_for(lambda: scrape(metrics_port).get("rtmp_ingest_api_sse_clients") == 0, 20,
               "rtmp_ingest_api_sse_clients back to 0 after the hang-ups")
    h.check("dropped:" not in ingest.log_text(), "a client that read was dropped for not reading")
    m = scrape(metrics_port)
    h.check(m.get("rtmp_ingest_api_sse_clients_dropped_total") == 0 and
            m.get("rtmp_ingest_api_sse_dropped_events_count") == 0,
            f"clients that hung up counted as dropped: dropped_total "
            f"{m.get('rtmp_ingest_api_sse_clients_dropped_total')}, histogram count "
            f"{m.get('rtmp_ingest_api_sse_dropped_events_count')}")
    h.log(f"{HANG_UP_ROUNDS * 40} clients that read and hung up: not counted as dropped")
    ingest.stop()


if __name__ == "__main__":
    h.run(main)
