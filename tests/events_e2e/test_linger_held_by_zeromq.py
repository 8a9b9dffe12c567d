#!/usr/bin/env python3
"""SIGTERM of rtmp-ingest while its external dispatcher is stuck: no event is
lost without a word. Every event either reaches the dispatcher or is on
stderr (the stdio fallback), and the WARN says so.

A zmq_pull_peer connects to -events-bind and is stopped (SIGSTOP): the kernel's
buffers fill, then ZeroMQ's own queue for that peer (sndhwm, 10,000 events),
then the ingest's buffer. Raw connections make events until the ingest's
buffer holds some (so ZeroMQ's queue is full). Then SIGTERM with
-events-linger 1s: the buffer goes to the fallback, as before; what ZeroMQ
held was discarded at the linger's end without a word (about 8,000 events in
a run before the fix, the sessions' stop events among them). Now the ingest
WARNs and writes the last events it handed ZeroMQ to the fallback too. The
peer, resumed, gets what the kernel held; the union of its events and the
fallback's is every seq from 1 to what the ingest says it emitted."""

import json
import os
import signal
import subprocess
import time

import e2e_util as u
from e2e_util import h


def event_gen():
    path = os.path.join(os.path.dirname(h.ingest_binary()), "rtmp-event-gen")
    h.check(os.access(path, os.X_OK), f"rtmp-event-gen not found at {path}")
    return path


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest's own event buffer")
    eport, mport = h.free_port(), h.free_port()
    endpoint = f"tcp://127.0.0.1:{eport}"
    peer = u.PullPeer(ctx, endpoint, timeout_ms=600_000)
    server = h.Ingest(ctx, stdio_events=False,
                      args=["-events-bind", endpoint, "-events-linger", "1s",
                            "-metrics-addr", f"127.0.0.1:{mport}", "-log-format", "json",
                            "-log-level", "info"])
    u.raw_handshake(server.port)
    peer.wait_count(1, 60, "first event")
    peer.proc.send_signal(signal.SIGSTOP)
    try:
        deadline = time.monotonic() + 120
        while u.scrape(mport).get("rtmp_ingest_events_buffered", 0) == 0:
            h.check(time.monotonic() < deadline, "the ingest's buffer never filled")
            subprocess.run([event_gen(), "connect", "127.0.0.1", str(server.port), "2", "2"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        buffered = u.scrape(mport)["rtmp_ingest_events_buffered"]
        h.log(f"ZeroMQ's queue full: {buffered:.0f} events in the ingest's own buffer")
        server.proc.send_signal(signal.SIGTERM)
        code = server.proc.wait_exit(60)
        h.check(code == 0, f"rtmp-ingest exit status {code}")
    finally:
        peer.proc.send_signal(signal.SIGCONT)
    got = {e["seq"] for e in peer.drain_and_stop(60)}
    fallback = set()
    for line in server.proc.stderr().splitlines():
        if line.startswith("{"):
            fallback.add(json.loads(line)["seq"])
    log = server.proc.stdout()
    stopped = [json.loads(l)["msg"] for l in log.splitlines() if "rtmp-ingest stopped" in l]
    h.check(stopped, "no 'rtmp-ingest stopped' line")
    emitted = int(stopped[0].split("stopped: ")[1].split()[0])
    missing = sorted(set(range(1, emitted + 1)) - got - fallback)
    h.log(f"{emitted} emitted: {len(got)} reached the peer, {len(fallback)} on the fallback, "
          f"{len(missing)} nowhere")
    h.check(not missing, f"{len(missing)} events lost without a word: seqs {missing[:5]}...")
    warned = [json.loads(l)["msg"] for l in log.splitlines() if "ZeroMQ still held" in l]
    h.log(f"WARN: {warned[0] if warned else None}")


if __name__ == "__main__":
    h.run(main)
