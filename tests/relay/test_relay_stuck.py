#!/usr/bin/env python3
"""Targets that do not keep up never slow anything else. One target accepts TCP
and never answers; another is a real rtmp-ingest behind a proxy that reads what
the relay sends at 1 KB/s. The publisher's frame rate stays >= 0.98 of the same
run without relays, and a player on A gets 100% of the video frames sent. The
stuck target gives relay_error (timeout); the slow one accepts the publish
(relay_start) and then cannot keep up (over 10 s the sockets' buffers absorb
most of what it does not read, so whether it is dropped within the run is not
checked; the relay's pairing of its events is).
Media length: RELAY_SECONDS (10 s by default) per run.
"""

import os
import time

import relay_util as u
from relay_util import h

SECONDS = int(os.environ.get("RELAY_SECONDS", "10"))
GOP = 30


def run(ctx, tag, args):
    a = h.Ingest(ctx, name=f"a_{tag}", args=args)
    out = ctx.path(f"{tag}_player.flv")
    player = h.ffmpeg_player(ctx, a.url("cam"), f"{tag}_player.flv")
    h.wait_ffmpeg_play_sent(player)
    began = time.monotonic()
    pub = h.Publisher(ctx, a.url("cam"), name=f"pub_{tag}", duration=SECONDS, gop=GOP)
    code = pub.wait(SECONDS + 60)
    elapsed = time.monotonic() - began
    h.check(code == 0, f"{tag}: publisher exit status {code}; see {pub.proc.stderr_path}")
    frames = pub.frames()
    fps = frames / elapsed
    sent = pub.packets_muxed()
    h.log(f"{tag}: {frames} frames in {elapsed:.2f} s = {fps:.2f} fps; sent {sent}")
    h.wait_for(lambda: any(e["type"] == "publish_stop" for e in a.events()), 30, "publish_stop")
    h.stop_player(player, out)
    counts = h.check_recording(out, f"{tag}: player on A", sent.get("video", frames),
                               sent.get("audio"), 1.0)
    return a, fps, counts


def main(ctx):
    _, base_fps, _ = run(ctx, "norelay", [])
    b = h.Ingest(ctx, name="b")
    stuck = u.StuckTarget()
    slow = u.SlowProxy(b.port, rate=1024)
    a, fps, _ = run(ctx, "relays", ["-relay-timeout", "5s",
                                    "-relay-to", f"rtmp://127.0.0.1:{stuck.port}/live",
                                    "-relay-to", f"rtmp://127.0.0.1:{slow.port}/live"])
    h.check(fps >= 0.98 * base_fps,
            f"publisher {fps:.2f} fps with stuck/slow relays, {base_fps:.2f} without")
    errors = u.relay_events(a, ("relay_error",))
    stuck_target = f"rtmp://127.0.0.1:{stuck.port}/live/cam"
    slow_target = f"rtmp://127.0.0.1:{slow.port}/live/cam"
    stuck_errors = [e for e in errors if e["data"]["target"] == stuck_target]
    h.check(stuck_errors and all("timeout" in e["data"]["error"] for e in stuck_errors),
            f"stuck target's relay_errors: {stuck_errors}")
    slow_events = [e for e in u.relay_events(a) if e["data"]["target"] == slow_target]
    h.log(f"slow target: {[(e['type'], e['data'].get('error', e['data'].get('reason'))) for e in slow_events]}")
    # Its handshake (about 3.4 KB) passes within -relay-timeout at 1 KB/s, so the
    # slow target takes the publish and then cannot keep up with the media.
    h.check(any(e["type"] == "relay_start" for e in slow_events),
            "the 1 KB/s target never accepted the publish")
    u.check_relay_pairing(a, "live/cam")
    a.stop()
    stuck.close()
    slow.close()
    b.stop()


if __name__ == "__main__":
    h.run(main)
