#!/usr/bin/env python3
"""A live player's pause, as nginx-rtmp answers it: pause(true) gets
NetStream.Pause.Notify and no more media while paused (what the publisher
sends meanwhile is dropped, so the paused player is never a slow player);
pause(false) gets NetStream.Unpause.Notify, and the first video frame after
it is a keyframe. The play goes on to its end with no play_stop before.

(Seen failing before: pause was answered with a bare _result and the media
kept coming, so a player that paused long enough was kicked as too slow.)"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
import harness as h  # noqa: E402
import rtmp_raw as r  # noqa: E402

PAUSED_SECONDS = 3


def status(c, code):
    return c.wait_command(lambda m: m[0] == "onStatus" and isinstance(m[-1], dict)
                          and m[-1].get("code") == code, code)


def media(c):
    return [m for m in c.msgs if m[0] in (8, 9)]


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("drives rtmp-ingest with a raw client")
    server = h.Ingest(ctx)
    pub = h.Publisher(ctx, server.url("p"), duration=30, gop=30, size="640x360", vbitrate="500k")
    pub.wait_frames(15, 60)

    c = r.RawClient(server.port)
    c.handshake()
    c.connect()
    sid = c.create_stream(2)
    c.send(r.command_msg("play", 3, None, "p", stream_id=sid, csid=8))
    status(c, "NetStream.Play.Start")
    h.wait_for(lambda: c.pump(0.2) and len(media(c)) > 30, 30, "media before the pause")

    c.send(r.command_msg("pause", 0, None, True, 0.0, stream_id=sid, csid=8))
    status(c, "NetStream.Pause.Notify")
    before = len(media(c))
    end = time.monotonic() + PAUSED_SECONDS
    while time.monotonic() < end:
        h.check(c.pump(0.2), "connection closed while paused")
    during = len(media(c)) - before
    h.log(f"{during} media messages in {PAUSED_SECONDS}s paused")
    h.check(during <= 20, f"{during} media messages arrived while paused")

    c.send(r.command_msg("pause", 0, None, False, 0.0, stream_id=sid, csid=8))
    status(c, "NetStream.Unpause.Notify")
    resumed_at = len(c.msgs)

    def first_frame():
        for t, _, payload, _ in c.msgs[resumed_at:]:
            if t == 9 and len(payload) > 1 and payload[1] == 1:  # an AVC coded frame
                return payload
        c.pump(0.2)
        return None
    frame = h.wait_for(first_frame, 30, "video after the unpause")
    h.check(frame[0] >> 4 == 1, f"first video frame after the unpause: frame type {frame[0] >> 4}")

    stops = [e for e in server.events() if e["type"] == "play_stop"]
    h.check(not stops, f"play_stop while paused: {stops}")
    c.close()
    pub.quit()
    server.stop()


if __name__ == "__main__":
    h.run(main)
