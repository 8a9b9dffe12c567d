#!/usr/bin/env python3
"""Embedded hooks and external dispatchers each see every event.

rtmp-ingest -events-bind tcp://127.0.0.1:P -hook-stdio-format json runs its
hooks in-process and also serves external dispatchers. One real
rtmp-dispatcher -events-connect tcp://127.0.0.1:P -hook-stdio-format json is
attached. 40 raw connections (plain handshake, close: connection_accept,
handshake_complete, connection_close each) make 120 events:

- the embedded stdio hook (the ingest's stderr) gets every one, seq 1..120;
- the external dispatcher, the only one, gets every one too, seq 1..120;
- nothing went to the stdio fallback or is counted undelivered.

Then, with no dispatcher attached and -events-buffer 5, the ingest counts
(rtmp_ingest_events_undelivered_total) and WARNs about the events no external
dispatcher could take, while the embedded hook still sees every event once
(the fallback repeats none of them: the embedded hooks took them).
"""

import concurrent.futures
import os

import e2e_util as u
from e2e_util import h

CONNS = 40
EVENTS = 3 * CONNS


def dispatcher_binary():
    path = os.environ.get("DISPATCHER_BIN") or os.path.join(
        os.path.dirname(h.ingest_binary()), "rtmp-dispatcher")
    h.check(os.access(path, os.X_OK), f"rtmp-dispatcher not found at {path}")
    return path


def stdio_events(path):
    """Events among the JSON lines of a stdio hook's stderr (log lines have no type)."""
    return [e for e in h.read_events(path) if e.get("type")]


def raw_connections(port, n):
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: u.raw_handshake(port), range(n)))


def seqs(events):
    return sorted(e["seq"] for e in events)


def both_see_everything(ctx):
    events_port = h.free_port()
    metrics_port = h.free_port()
    server = h.Ingest(ctx, args=["-events-bind", f"tcp://127.0.0.1:{events_port}",
                                 "-metrics-addr", f"127.0.0.1:{metrics_port}"])
    disp = ctx.proc("dispatcher", [dispatcher_binary(), "-events-connect",
                                   f"tcp://127.0.0.1:{events_port}", "-hook-stdio-format",
                                   "json", "-log-level", "debug"])
    # Attached before any event, so a PUSH socket shared with the embedded
    # hooks would split the events between the two.
    disp.wait_line(r"connected to ingest", 60, stream="stdout")
    raw_connections(server.port, CONNS)

    want = list(range(1, EVENTS + 1))
    try:
        h.wait_for(lambda: len(stdio_events(server.proc.stderr_path)) >= EVENTS, 60,
                   f"the embedded stdio hook to print {EVENTS} events")
    finally:
        h.log(f"embedded: {len(stdio_events(server.proc.stderr_path))} events, external: "
              f"{len(stdio_events(disp.stderr_path))}")
    h.wait_for(lambda: len(stdio_events(disp.stderr_path)) >= EVENTS, 60,
               f"the external dispatcher to print {EVENTS} events")
    embedded = stdio_events(server.proc.stderr_path)
    external = stdio_events(disp.stderr_path)
    h.check(seqs(embedded) == want, f"embedded hook got seqs {seqs(embedded)[:10]}… "
            f"({len(embedded)} events), want 1..{EVENTS} once each")
    h.check(seqs(external) == want, f"external dispatcher got seqs {seqs(external)[:10]}… "
            f"({len(external)} events), want 1..{EVENTS} once each")
    m = u.scrape(metrics_port)
    h.check(m.get("rtmp_ingest_events_undelivered_total") == 0,
            f"undelivered {m.get('rtmp_ingest_events_undelivered_total')}, want 0")
    h.check(m.get("rtmp_ingest_events_fallback_total") == 0,
            f"fallback {m.get('rtmp_ingest_events_fallback_total')}, want 0")
    h.check(disp.stop() == 0, "dispatcher exit status")
    server.stop()
    h.log(f"embedded and external each got all {EVENTS} events")


def undelivered_is_counted(ctx):
    events_port = h.free_port()
    metrics_port = h.free_port()
    server = h.Ingest(ctx, name="lonely", args=[
        "-events-bind", f"tcp://127.0.0.1:{events_port}", "-events-buffer", "5",
        "-metrics-addr", f"127.0.0.1:{metrics_port}"])
    raw_connections(server.port, CONNS)
    h.wait_for(lambda: len(stdio_events(server.proc.stderr_path)) >= EVENTS, 60,
               f"the embedded stdio hook to print {EVENTS} events")
    h.wait_for(lambda: u.scrape(metrics_port).get("rtmp_ingest_events_undelivered_total")
               == EVENTS - 5, 60, f"rtmp_ingest_events_undelivered_total == {EVENTS - 5}")
    # The embedded hooks took them all, so none is repeated by the fallback.
    embedded = stdio_events(server.proc.stderr_path)
    h.check(seqs(embedded) == list(range(1, EVENTS + 1)),
            f"stderr holds seqs {seqs(embedded)[:12]}… ({len(embedded)} events), want 1..{EVENTS}")
    server.proc.wait_line(r"warn.*the external dispatchers \(-events-bind\) could not take "
                          r"\d+ events", 30, stream="stdout")
    server.stop()
    h.log(f"{EVENTS - 5} undelivered events counted and logged")


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip(f"rtmp-ingest's own events; nothing to check on {h.server_kind()}")
    both_see_everything(ctx)
    undelivered_is_counted(ctx)


if __name__ == "__main__":
    h.run(main)
