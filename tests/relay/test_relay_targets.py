#!/usr/bin/env python3
"""ffmpeg publishes to A (rtmp-ingest -relay-to rtmp://127.0.0.1:PORT/live?...) and
A pushes the stream on to B: nginx-rtmp (RELAY_TARGET=nginx) or a second
rtmp-ingest (RELAY_TARGET=ingest). An ffmpeg player waiting on B records
h264 + aac with >= 95% of the frames sent. On A: relay_start (target without the
query) after publish_start, one relay_stop (reason source, bytes > 0) before
publish_stop; the target's query (its token) never in A's logs or events, and
with B = rtmp-ingest its publish_start shows the query arrived. A's HTTP API
lists the relay (target without the query, live, bytes growing) while it runs.
Media length: RELAY_SECONDS (10 s by default).
"""

import json
import os
import sys
import time

import relay_util as u
from relay_util import h

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))
import api_util as api  # noqa: E402

SECONDS = int(os.environ.get("RELAY_SECONDS", "10"))
GOP = 30


def check_api_relay(port, redacted):
    """The stream's relay in A's API: live, the redacted target, bytes growing."""
    deadline = time.monotonic() + 20
    relays = []
    while time.monotonic() < deadline:
        status, body, _ = api.request(port, "GET", "/api/v1/streams/live/cam")
        h.check(status == 200, f"GET /api/v1/streams/live/cam: {status} {body}")
        h.check("s3cret" not in json.dumps(body), "the target's token in the API answer")
        relays = body["relays"]
        if relays and relays[0]["state"] == "live" and relays[0]["bytes"] > 10000:
            break
        time.sleep(0.2)  # polling the API until the relay has sent something
    h.check(len(relays) == 1 and relays[0]["target"] == redacted and relays[0]["state"] == "live"
            and relays[0]["bytes"] > 10000, f"relays in the API: {relays}")
    h.log(f"API: {relays[0]}")


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
    a = h.Ingest(ctx, name="a", args=["-relay-to", target, "-api-addr", "127.0.0.1:0"])
    api_port = api.api_port_from_log(a)
    pub = h.Publisher(ctx, a.url("cam"), duration=SECONDS, gop=GOP)
    starts = u.wait_relay_events(a, "relay_start", 1, 30)
    h.check(starts[0]["data"]["target"] == f"rtmp://127.0.0.1:{b.port}/live/cam",
            f"relay_start target {starts[0]['data']['target']!r}")
    check_api_relay(api_port, f"rtmp://127.0.0.1:{b.port}/live/cam")
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
