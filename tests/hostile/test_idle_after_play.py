#!/usr/bin/env python3
"""A connection whose play has ended is idle like any other.

rtmp-ingest runs with -idle-timeout 2s. A raw client plays live/pc (no
publisher: it waits) and stays silent well past the timeout: a player need
not send anything, so it stays open. Then it sends deleteStream and stays
silent again: play_stop (client) fires, and the connection is closed with
reason idle_timeout about 2 s later, not left open until the client leaves."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402


def main(ctx):
    ingest = h.Ingest(ctx, args=["-idle-timeout", "2s"])
    c = r.RawClient(ingest.port)
    c.handshake()
    c.connect()
    sid = c.create_stream(2)
    c.send(r.command_msg("play", 3, None, "pc", stream_id=sid, csid=8))
    c.wait_command(lambda m: m[0] == "onStatus" and isinstance(m[-1], dict)
                   and m[-1].get("code") == "NetStream.Play.Start", "NetStream.Play.Start")
    t0 = time.monotonic()
    while time.monotonic() - t0 < 4:  # twice the idle timeout, silent
        h.check(c.pump(0.2), "the playing client was closed while silent")
    closes = [e for e in ingest.events() if e["type"] == "connection_close"]
    h.check(not closes, f"a silent player was closed: {closes}")
    c.send(r.command_msg("deleteStream", 4, None, sid))
    h.wait_for(lambda: [e for e in ingest.events() if e["type"] == "play_stop"], 20, "play_stop")
    close = h.wait_for(lambda: [e for e in ingest.events() if e["type"] == "connection_close"],
                       20, "connection_close once the play ended and the client stayed silent")
    h.check(close[0]["data"]["reason"] == "idle_timeout", f"connection_close {close[0]}")
    h.log(f"after its play ended: {close[0]['data']}")
    ingest.stop()


if __name__ == "__main__":
    h.run(main)
