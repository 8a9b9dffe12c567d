#!/usr/bin/env python3
"""A bare rtmp-ingest (no -hook-*, no -events-bind) prints events at once.

With no consumer configured, every event goes to the stdio fallback (stderr,
one JSON line each) as it happens, not at shutdown; /readyz answers 200 (no
dispatcher was asked for) and nothing is buffered or counted undelivered.
Checked while the server runs: 5 raw connections' 15 events are on stderr
within the deadline, in seq order.
"""

import re
import urllib.error
import urllib.request

import e2e_util as u
from e2e_util import h

CONNS = 5
EVENTS = 3 * CONNS


def readyz(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip(f"rtmp-ingest's own behaviour; nothing to check on {h.server_kind()}")
    metrics_port = h.free_port()
    server = h.Ingest(ctx, stdio_events=False,
                      args=["-metrics-addr", f"127.0.0.1:{metrics_port}"])
    for _ in range(CONNS):
        u.raw_handshake(server.port)
    h.wait_for(lambda: len(server.events()) >= EVENTS, 30,
               f"{EVENTS} events on stderr while the ingest runs")
    h.check(server.proc.running(), "the ingest exited")
    events = server.events()
    h.check([e["seq"] for e in events] == list(range(1, EVENTS + 1)),
            f"stderr seqs {[e['seq'] for e in events]}, want 1..{EVENTS}")
    h.check(events[0]["type"] == "connection_accept", f"first event {events[0]['type']}")
    status = readyz(metrics_port)
    h.check(status == 200, f"/readyz answered {status} with no dispatcher asked for")
    m = u.scrape(metrics_port)
    h.check(m.get("rtmp_ingest_events_buffered") == 0,
            f"rtmp_ingest_events_buffered {m.get('rtmp_ingest_events_buffered')}")
    h.check(m.get("rtmp_ingest_events_undelivered_total") == 0,
            f"rtmp_ingest_events_undelivered_total {m.get('rtmp_ingest_events_undelivered_total')}")
    h.check(re.search(r"events to stderr", server.log_text()),
            "the startup line does not say where events go")
    server.stop()
    h.check(len(server.events()) == EVENTS, f"{len(server.events())} events after shutdown, "
            f"want {EVENTS}: none repeated")
    warned = re.search(r'"level":"warn"[^\n]*fallback', server.log_text())
    h.check(not warned, f"a WARN about the stdio fallback in a bare ingest: {warned and warned[0]}")


if __name__ == "__main__":
    h.run(main)
