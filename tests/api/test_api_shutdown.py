#!/usr/bin/env python3
"""Live-event clients get the shutdown's own events.

Raw publishers (hand-built RTMP, no media) and bare TCP connections are open
when rtmp-ingest gets SIGTERM; its teardown emits publish_stop and
connection_close (reason shutdown) for each. Two live-event (SSE) readers, one
unfiltered and one with ?type=publish_stop, must receive every one of those
events the stdio hook prints, then see the server end the response (EOF), and
rtmp-ingest must exit 0 within its -shutdown-timeout. The unfiltered reader
stops reading from just before SIGTERM until 2 s after it, so the teardown's
events (more than the kernel's socket buffers hold) wait in the server for it:
a server that closes its API at once loses them."""

import json
import os
import socket
import sys
import threading

import api_util as u
from api_util import h

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
import rtmp_raw as r  # noqa: E402

PUBLISHERS = int(os.environ.get("API_SHUTDOWN_PUBLISHERS", "150"))
BARE = int(os.environ.get("API_SHUTDOWN_BARE", "150"))
PAUSE_S = 2.0
TIMEOUT = r.bound(30)


def main(ctx):
    ingest = h.Ingest(ctx, args=["-api-addr", "127.0.0.1:0", "-idle-timeout", "120s",
                                 "-handshake-timeout", "120s", "-shutdown-timeout", "20s", "-api-sse-buffer", "16777216"])
    port = u.api_port_from_log(ingest)
    pause = ctx.path("pause")
    full = u.SseReader(port, pause_file=pause)
    typed = u.SseReader(port, "/api/v1/events?type=publish_stop")
    h.wait_for(lambda: full.status == 200 and typed.status == 200, 20, "the readers' 200 responses")

    pubs = [r.raw_publisher(ingest.port, f"s{i}", TIMEOUT) for i in range(PUBLISHERS)]
    bare = [socket.create_connection(("127.0.0.1", ingest.port), timeout=10) for _ in range(BARE)]
    def count(type_):
        return sum(1 for l in u.stdio_lines(ingest) if json.loads(l)["type"] == type_)

    h.wait_for(lambda: count("publish_start") == PUBLISHERS, TIMEOUT, f"{PUBLISHERS} publish_start")
    # Bare connections are sessions (so closed at shutdown) once accepted.
    h.wait_for(lambda: count("connection_accept") - count("connection_close") == PUBLISHERS + BARE,
               TIMEOUT, f"{PUBLISHERS + BARE} open connections in the events")
    before = len(u.stdio_lines(ingest))
    h.wait_for(lambda: len(full.snapshot()) >= before, TIMEOUT,
               f"the reader to catch up with the {before} events before SIGTERM")

    open(pause, "w").close()
    threading.Timer(PAUSE_S, os.unlink, (pause,)).start()
    ingest.stop(expect_code=0, timeout=60)
    h.wait_for(lambda: full.closed and typed.closed, TIMEOUT,
               "the server to end both live-event responses")
    lines = u.stdio_lines(ingest)
    teardown = [json.loads(l) for l in lines[before:]]
    stops = [e for e in teardown if e["type"] == "publish_stop"]
    closes = [e for e in teardown if e["type"] == "connection_close"]
    h.check(len(stops) == PUBLISHERS and all(e["data"]["reason"] == "shutdown" for e in stops),
            f"{len(stops)} publish_stop at shutdown, expected {PUBLISHERS}")
    h.check(len(closes) == PUBLISHERS + BARE,
            f"{len(closes)} connection_close at shutdown, expected {PUBLISHERS + BARE}")

    got = full.snapshot()
    want = [(json.loads(l)["id"], l) for l in lines]
    missing = [i for i, _ in want[len(got):]]
    h.check(got == want[:len(got)], "the reader's events differ from the stdio hook's")
    h.check(not missing, f"the unfiltered reader missed {len(missing)} of the {len(want)} events "
            f"(the last {len(teardown)} came at shutdown): first missing {missing[:3]}")
    typed_ids = [i for i, _ in typed.snapshot()]
    h.check(typed_ids == [e["id"] for e in stops],
            f"?type=publish_stop reader got {len(typed_ids)} of {len(stops)} shutdown publish_stop")
    h.log(f"both readers got all {len(want)} events, {len(teardown)} of them from the teardown, "
          "then EOF")
    for c in pubs:
        c.close()
    for s in bare:
        s.close()
    full.close()
    typed.close()


if __name__ == "__main__":
    h.run(main)
