#!/usr/bin/env python3
"""-stats-interval shorter than the API's half-second sampling is kept.

With -stats-interval 200ms, a raw publisher (no media: the figures are zero,
the cadence is what counts) gets about five stream_stats events a second.
Over the 3 s after its first one, at least 10 must come (15 expected; the
half-second sampler alone gave 6)."""

import os
import sys
import time

from api_util import h

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
import rtmp_raw as r  # noqa: E402

WINDOW = 3.0


def main(ctx):
    ingest = h.Ingest(ctx, args=["-api-addr", "127.0.0.1:0", "-stats-interval", "200ms"])

    def stats():
        return [e for e in ingest.events() if e["type"] == "stream_stats"]
    pub = r.raw_publisher(ingest.port, "cadence")
    h.wait_for(lambda: stats(), 30, "the first stream_stats")
    first = len(stats())
    t0 = time.monotonic()
    while time.monotonic() - t0 < WINDOW:
        pub.pump(0.2)  # keep reading, so the connection stays healthy
    n = len(stats()) - first
    h.log(f"{n} stream_stats in {WINDOW:.0f} s at -stats-interval 200ms")
    h.check(n >= 10, f"{n} stream_stats in {WINDOW:.0f} s, want about {WINDOW / 0.2:.0f}")
    pub.close()
    ingest.stop()


if __name__ == "__main__":
    h.run(main)
