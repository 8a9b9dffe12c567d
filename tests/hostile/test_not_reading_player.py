#!/usr/bin/env python3
"""A live player that stops reading (its process alive, its socket open, a
zero window) is the write timeout's: play_stop and connection_close with
reason idle_timeout and the log line "write timeout: peer not reading",
every time.

Three raw players (SO_RCVBUF 4 kB) play an ffmpeg publish and never read.
-idle-timeout 1s puts TCP keepalive's span (1 s + 3 probes 1 s apart) at the
-write-timeout of 4 s: before, TCP_USER_TIMEOUT was set to that same span,
so the kernel, probing the zero window, aborted the connection at the moment
the write timeout was due, and the close came out as reason error ("write:
Connection timed out") or disconnect ("peer closed the connection")
depending on which side saw the abort first. -player-queue is large enough
that none is dropped as too slow first."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402

PLAYERS = 3


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest's own timeouts")
    ingest = h.Ingest(ctx, args=["-write-timeout", "4s", "-idle-timeout", "1s",
                                 "-player-queue", "8192", "-log-format", "json"])
    pub = h.Publisher(ctx, ingest.url("stall"), duration=None, gop=30, size="640x360",
                      vbitrate="1500k")
    pub.wait_frames(30, 60)
    players = [r.raw_player(ingest.port, "stall", rcvbuf=4096) for _ in range(PLAYERS)]

    def stops():
        return [e for e in ingest.events() if e["type"] == "play_stop"]
    h.wait_for(lambda: len(stops()) == PLAYERS, 90, f"{PLAYERS} play_stop events")
    reasons = [e["data"]["reason"] for e in stops()]
    closes = [e["data"]["reason"] for e in ingest.events()
              if e["type"] == "connection_close" and e["data"].get("role") == "subscriber"]
    lines = [l.get("msg", "") for l in r.log_lines(ingest) if l.get("msg", "").startswith("closing")]
    h.log(f"play_stop reasons {reasons}, connection_close reasons {closes}; closing lines {lines}")
    h.check(reasons == ["idle_timeout"] * PLAYERS, f"play_stop reasons {reasons}")
    h.check(closes == ["idle_timeout"] * PLAYERS, f"connection_close reasons {closes}")
    not_reading = [l for l in lines if "write timeout: peer not reading" in l]
    h.check(len(not_reading) == PLAYERS, f"closing lines {lines}")
    for p in players:
        p.close()
    pub.quit()
    ingest.stop()


if __name__ == "__main__":
    h.run(main)
