"""-events-buffer full, with real dispatchers: drop oldest, count, report as gap.

rtmp-ingest (-node-id gap-node, -events-buffer 50) emits 300 events (100 raw
connections that handshake and close) while no dispatcher is up. The buffer
keeps the newest 50; the oldest 250 go to the ingest's stderr (stdio fallback),
counted in its metrics. Then two rtmp-dispatchers start, pulling from it:

- the receiver gets exactly seqs 251..300, each once; stderr has exactly 1..250;
- the 250 lost seqs are reported once, as one range, by the dispatcher that got
  the first event: a WARN "ingest … (node gap-node) lost 250 event(s), seqs
  1-250", and rtmp_dispatcher_node_events_lost_total{node="gap-node"} summed over
  the two dispatchers is 250 (each dispatcher's /metrics carries the node label);
- events after that are delivered with nothing more reported lost.
"""
import json
import os
import re
import socket
import time

import ops_util as u
from ops_util import h

BUFFER = 50
CONNS = 100
PER_CONN = 3  # connection_accept, handshake_complete, connection_close
NODE = "gap-node"


def handshake_and_close(port):
    """C0+C1 (plain), read S0+S1+S2, C2 = echo of S1, close."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"\x03" + int(time.time()).to_bytes(4, "big") + b"\0\0\0\0" + os.urandom(1528))
        buf = b""
        while len(buf) < 1 + 1536 + 1536:
            chunk = s.recv(4096)
            h.check(chunk, f"closed after {len(buf)} handshake bytes")
            buf += chunk
        s.sendall(buf[1:1537])


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest's own event pipeline")
    rx = u.Receiver()
    eport, imetrics = h.free_port(), h.free_port()
    server = h.Ingest(ctx, stdio_events=False, args=[
        "-events-bind", f"tcp://127.0.0.1:{eport}", "-events-buffer", str(BUFFER),
        "-node-id", NODE, "-metrics-addr", f"127.0.0.1:{imetrics}", "-log-level", "info"])
    ims = u.Scraper(imetrics)
    h.wait_for(lambda: u.http_get(imetrics, "/healthz")[0] == 200, 30, "the ingest's /healthz")
    for _ in range(CONNS):
        handshake_and_close(server.port)
    total = CONNS * PER_CONN
    lost = total - BUFFER
    ims.wait(lambda m: m.get("rtmp_ingest_events_emitted_total") == total and
             m.get("rtmp_ingest_events_buffered") == BUFFER and
             m.get("rtmp_ingest_events_fallback_total") == lost, 60,
             f"{total} events: {BUFFER} buffered, {lost} to the fallback")

    disps = []
    for i in range(2):
        mport = h.free_port()
        p = ctx.proc(f"dispatcher{i}", [u.dispatcher_binary(),
                                        "-events-connect", f"tcp://127.0.0.1:{eport}",
                                        "-hook-webhook", f"*={rx.url}/d{i}",
                                        "-metrics-addr", f"127.0.0.1:{mport}",
                                        "-log-format", "text"])
        disps.append((p, u.Scraper(mport)))
    h.wait_for(lambda: len(rx.snapshot()) >= BUFFER, 60, f"the {BUFFER} buffered events")
    for p, _ in disps:
        p.wait_line(r"connected to ingest", 60, "stdout")
    # More events once the dispatchers are there: nothing more is lost.
    for _ in range(10):
        handshake_and_close(server.port)
    total += 10 * PER_CONN
    h.wait_for(lambda: len(rx.snapshot()) >= total - lost, 60, "the later events")

    def node_sum(name):
        return sum(s.scrape(check=False).get(f'{name}{{node="{NODE}"}}', 0) for _, s in disps)
    h.wait_for(lambda: node_sum("rtmp_dispatcher_node_events_total") == total - lost, 30,
               "the dispatchers' per-node event count")
    h.check(node_sum("rtmp_dispatcher_node_events_lost_total") == lost,
            f"per-node lost count {node_sum('rtmp_dispatcher_node_events_lost_total')}, want {lost}")
    for _, s in disps:
        s.scrape()  # promtool-checked with the node label
    warns = [line for p, _ in disps for line in p.stdout().splitlines()
             if re.search(r"lost \d+ event", line)]
    h.check(len(warns) == 1, f"lost seqs reported {len(warns)} times: {warns}")
    h.check(re.search(rf"\(node {NODE}\) lost {lost} event\(s\), seqs 1-{lost}\b", warns[0]),
            f"report: {warns[0]}")
    h.log(f"reported once: {warns[0].strip()}")

    server.stop(expect_code=0, timeout=60)
    fell = [json.loads(line) for line in server.proc.stderr().splitlines()
            if line.startswith("{")]
    got = rx.snapshot()
    ids = [e["id"] for _, e, _ in got]
    h.check(len(ids) == len(set(ids)), "an event was delivered twice")
    seqs = sorted(e["seq"] for _, e, _ in got)
    h.check(seqs == list(range(lost + 1, total + 1)),
            f"delivered seqs {seqs[:3]}..{seqs[-3:]}, want {lost + 1}..{total}")
    h.check(sorted(e["seq"] for e in fell) == list(range(1, lost + 1)),
            f"the fallback holds {len(fell)} events, want seqs 1..{lost}")
    h.check(all(e["node"] == NODE for _, e, _ in got) and all(e["node"] == NODE for e in fell),
            "an event without the ingest's node")
    for p, _ in disps:
        p.send_signal(h.signal.SIGTERM)
    for p, _ in disps:
        h.check(p.wait_exit(60) == 0, f"{p.name} exit status not 0")
    rx.close()
    h.log(f"{total} events: {total - lost} delivered once, {lost} on stderr and reported lost")


if __name__ == "__main__":
    h.run(main)
