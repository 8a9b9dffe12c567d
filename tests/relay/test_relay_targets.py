#!/usr/bin/env python3
"""ffmpeg publishes to A (rtmp-ingest -relay-to rtmp://127.0.0.1:PORT/live?...) and
A pushes the stream on to B: nginx-rtmp (RELAY_TARGET=nginx) or a second
rtmp-ingest (RELAY_TARGET=ingest). An ffmpeg player waiting on B records
h264 + aac with >= 95% of the frames sent. On A: relay_start (target without the
query) after publish_start, one relay_stop (reason source, bytes > 0) before
publish_stop; the target's query (its token) never in A's logs or events, and
with B = rtmp-ingest its publish_start shows the query arrived.
Media length: RELAY_SECONDS (10 s by default).
"""

import os

import relay_util as u
from relay_util import h

SECONDS = int(os.environ.get("RELAY_SECONDS", "10"))
GOP = 30


def main(ctx):
    kind = os.environ.get("RELAY_TARGET", "ingest")
    if kind == "nginx":
        b = h.NginxRtmp(ctx, name="b")
    else:
        b = h.Ingest(ctx, name="b")
    player_out = ctx.path("b_player.flv")
    player = h.ffmpeg_player(ctx, b.url("cam"), "b_player.flv")
    h.wait_ffmpeg_play_sent(player)

    target = f"rtmp://127.0.0.1:{b.port}/live?token=s3cret&relaytag=77"
    a = h.Ingest(ctx, name="a", args=["-relay-to", target])
    pub = h.Publisher(ctx, a.url("cam"), duration=SECONDS, gop=GOP)
    starts = u.wait_relay_events(a, "relay_start", 1, 30)
    h.check(starts[0]["data"]["target"] == f"rtmp://127.0.0.1:{b.port}/live/cam",
            f"relay_start target {starts[0]['data']['target']!r}")
    code = pub.wait(SECONDS + 60)
    h.check(code == 0, f"publisher exit status {code}; see {pub.proc.stderr_path}")
    sent = pub.packets_muxed()
    h.log(f"sent {sent}, frames {pub.frames()}")
    stops = u.wait_relay_events(a, "relay_stop", 1, 30)
    h.stop_player(player, player_out)

    h.check_recording(player_out, f"player on {kind} B", sent.get("video", pub.frames()),
                      sent.get("audio"), 0.95)
    relays = u.check_relay_pairing(a, "live/cam")
    h.check([e["type"] for e in relays] == ["relay_start", "relay_stop"],
            f"relay events {[e['type'] for e in relays]}")
    stop = stops[0]["data"]
    h.check(stop["reason"] == "source", f"relay_stop reason {stop['reason']!r}")
    h.check(stop["bytes"] > 100000, f"relay_stop bytes {stop['bytes']}")
    u.check_redacted(a, ["s3cret", "relaytag"])
    if kind == "ingest":
        bstarts = [e for e in b.events() if e["type"] == "publish_start"]
        h.check(bstarts and bstarts[0]["data"]["query"] == "relaytag=77",
                f"B's publish_start query: {bstarts[:1]}")
    a.stop()
    b.stop()


if __name__ == "__main__":
    h.run(main)
