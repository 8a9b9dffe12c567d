"""The compose topology without Docker. One rtmp-ingest
(-events-bind on loopback) and three rtmp-dispatcher processes pulling from it
share 3,000 events: 1,000 short TCP connections that each complete a plain RTMP
handshake and close (connection_accept, handshake_complete, connection_close).
A real HTTP receiver counts them by id: none lost, none doubled, seq 1..3000
each once, every dispatcher took a share. The metrics agree (ingest emitted
3,000, the dispatchers received 3,000 between them). Each dispatcher's /readyz
is 200 while connected and 503 once the ingest is gone; all exit 0 on SIGTERM.
"""
import os
import socket
import threading
import time

import ops_util as u
from ops_util import h

CONNECTIONS = 1000
PER_CONN = 3  # connection_accept, handshake_complete, connection_close
TOTAL = CONNECTIONS * PER_CONN
DISPATCHERS = 3
THREADS = 4


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError(f"closed after {len(buf)} of {n} bytes")
        buf += chunk
    return buf


def handshake_and_close(port):
    """C0+C1 (plain: zero version field), read S0+S1+S2, C2 = echo of S1, close."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        c1 = int(time.time()).to_bytes(4, "big") + b"\0\0\0\0" + os.urandom(1528)
        s.sendall(b"\x03" + c1)
        s0s1s2 = recv_exact(s, 1 + 1536 + 1536)
        h.check(s0s1s2[0] == 3, f"S0 version {s0s1s2[0]}")
        s.sendall(s0s1s2[1:1537])
        # The ingest's handshake_complete fires on C2; closing right after is the point.


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest's own event pipeline")
    rx = u.Receiver()
    events_port, imetrics = h.free_port(), h.free_port()
    server = h.Ingest(ctx, stdio_events=False,
                      args=["-events-bind", f"tcp://127.0.0.1:{events_port}",
                            "-metrics-addr", f"127.0.0.1:{imetrics}", "-log-level", "info"])
    disps = []
    for i in range(DISPATCHERS):
        mport = h.free_port()
        p = ctx.proc(f"dispatcher{i}", [u.dispatcher_binary(),
                                        "-events-connect", f"tcp://127.0.0.1:{events_port}",
                                        "-hook-webhook", f"*={rx.url}/d{i}",
                                        "-metrics-addr", f"127.0.0.1:{mport}",
                                        "-log-format", "text"])
        disps.append((p, mport))
    # All three connected before the first event: PUSH only spreads over connected peers.
    for p, mport in disps:
        p.wait_line(r"connected to ingest", 60, "stdout")
        h.wait_for(lambda: u.http_get(mport, "/readyz")[0] == 200, 30, f"{p.name} /readyz 200")

    t0 = time.monotonic()
    errors = []

    def worker(n):
        try:
            for _ in range(n):
                handshake_and_close(server.port)
        except Exception as e:  # reported below
            errors.append(repr(e))
    threads = [threading.Thread(target=worker, args=(CONNECTIONS // THREADS,))
               for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    h.check(not errors, f"client errors: {errors[:3]}")
    h.log(f"{CONNECTIONS} connections in {time.monotonic() - t0:.1f}s")

    def ids():
        return {e["id"] for _, e, _ in rx.snapshot()}
    h.wait_for(lambda: len(ids()) >= TOTAL, 180, f"{TOTAL} distinct events at the receiver",
               interval=0.25)
    h.log(f"{TOTAL} events delivered {time.monotonic() - t0:.1f}s after the first connection")
    ims = u.Scraper(imetrics)
    h.check(ims.scrape()["rtmp_ingest_events_emitted_total"] == TOTAL, "ingest emitted != 3000")
    dms = [u.Scraper(m) for _, m in disps]
    h.wait_for(lambda: sum(s.scrape(check=False)["rtmp_dispatcher_hook_executions_total"
                                                 '{kind="webhook"}'] for s in dms) >= TOTAL,
               60, "every webhook execution finished")

    evs = rx.snapshot()
    by_id = {}
    for path, e, _ in evs:
        by_id.setdefault(e["id"], []).append(path)
    doubled = {i: p for i, p in by_id.items() if len(p) > 1}
    h.check(not doubled, f"{len(doubled)} events delivered more than once, e.g. "
                         f"{list(doubled.items())[:3]}")
    seqs = sorted(e["seq"] for _, e, _ in evs)
    h.check(seqs == list(range(1, TOTAL + 1)), f"seqs are not 1..{TOTAL} once each")
    per = {f"/d{i}": 0 for i in range(DISPATCHERS)}
    for path, _, _ in evs:
        per[path] += 1
    h.log(f"share per dispatcher: {per}")
    for path, n in per.items():
        h.check(n >= TOTAL // (DISPATCHERS * 10), f"dispatcher {path} took only {n} events")
    conns = {}
    for _, e, _ in evs:
        conns.setdefault(e["conn_id"], []).append(e["type"])
    h.check(len(conns) == CONNECTIONS, f"{len(conns)} connections in the events")
    for c, types in conns.items():
        h.check(sorted(types) == ["connection_accept", "connection_close", "handshake_complete"],
                f"{c}: {types}")

    received = 0
    for i, (s, (p, _)) in enumerate(zip(dms, disps)):
        m = s.scrape()  # promtool-checked
        n = m["rtmp_dispatcher_events_received_total"]
        h.check(n == per[f"/d{i}"], f"{p.name}: received {n:g}, receiver saw {per[f'/d{i}']}")
        h.check(m['rtmp_dispatcher_hook_duration_seconds_count{kind="webhook"}'] == n,
                f"{p.name}: duration histogram count != events received")
        received += n
    h.check(received == TOTAL, f"dispatchers received {received} events in all")

    server.stop(expect_code=0, timeout=60)
    for p, mport in disps:
        h.wait_for(lambda: u.http_get(mport, "/readyz")[0] == 503, 30,
                   f"{p.name} /readyz 503 with the ingest gone")
    for p, _ in disps:
        p.send_signal(h.signal.SIGTERM)
    for p, _ in disps:
        h.check(p.wait_exit(60) == 0, f"{p.name} exit status not 0")
    h.log(f"{len(rx.snapshot())} requests, {len(by_id)} distinct events")


if __name__ == "__main__":
    h.run(main)
